# SPDX-License-Identifier: GPL-3.0-or-later
"""``koji-fedoramessaging preview``: the wire message for an event given as JSON, offline."""

import json

from . import bodies, wire


class OfflineLookups:
    """Lookups answered from the event file instead of Koji's database."""

    def __init__(self, data):
        data = data or {}
        self.users = {str(k): v for k, v in (data.get("users") or {}).items()}
        self.hosts = {str(k): v for k, v in (data.get("hosts") or {}).items()}
        self.tasks = {str(k): v for k, v in (data.get("tasks") or {}).items()}
        self.children = {str(k): v for k, v in (data.get("children") or {}).items()}
        self.results = {str(k): v for k, v in (data.get("results") or {}).items()}

    def user_name(self, user_id):
        return self.users.get(str(user_id))

    def host_name(self, host_id):
        return self.hosts.get(str(host_id))

    def task_info(self, task_id):
        return self.tasks.get(str(task_id))

    def task_children(self, task_id):
        return self.children.get(str(task_id), [])

    def task_result(self, task_id):
        return self.results.get(str(task_id))


def render(data, settings):
    """A dict with routing_key, headers, properties and body; ValueError on a bad event."""
    if not isinstance(data, dict) or not isinstance(data.get("callback"), str):
        raise ValueError('the event needs a "callback" name, e.g. "postTag"')
    kwargs = data.get("kwargs") or {}
    if not isinstance(kwargs, dict):
        raise ValueError('"kwargs" must be an object')
    base_url = bodies.base_url(data.get("environ") or {}, settings)
    env = bodies.Env(settings=settings, base_url=base_url,
                     files_base_url=settings.files_base_url or f"{base_url}/kojifiles/work",
                     lookups=OfflineLookups(data.get("lookups")))
    try:
        built = bodies.build_body(data["callback"], kwargs, env)
    except bodies.BodyError as exc:
        raise ValueError(str(exc)) from None
    if built is None:
        return {"published": False,
                "reason": "filtered out by the configuration (or not a published callback)"}
    try:
        envelope = wire.make_envelope(*built)
    except wire.InvalidMessage as exc:
        raise ValueError(str(exc)) from None
    message = envelope.to_message()
    return {
        "published": True,
        "routing_key": envelope.routing_key,
        "properties": {"message_id": envelope.message_id, "priority": envelope.priority,
                       "content_type": "application/json", "content_encoding": "utf-8",
                       "delivery_mode": 2},
        "headers": envelope.headers,
        "body": json.loads(envelope.body),
        "summary": message.summary,
    }
