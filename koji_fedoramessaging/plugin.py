# SPDX-License-Identifier: GPL-3.0-or-later
"""The Koji-facing layer: the hub callbacks and the admin hub call, nothing else.

Koji loads ``hub-plugins/koji-fedoramessaging.py``, which re-exports what is defined here.
Loading reads the config file; a bad file raises, and Koji then takes the hub offline with
"configuration error", as for any broken plugin.

Each post* callback writes its message into the outbox inside Koji's transaction, under a
savepoint, so that nothing the plugin does can fail or abort Koji's own work. postCommit
then publishes this request's rows, within the publish budget.
"""

import json
import logging
import uuid

import koji
from koji.context import context
from koji.plugin import callback, export_in, ignore_error

from . import bodies, config, lookups, wire
from .delivery import HubSender
from .outbox import Outbox, OutboxError

log = logging.getLogger("koji.plugin.fedoramessaging")

EVENT_CALLBACKS = tuple(bodies.BUILDERS)
_PENDING = "fedoramessaging_message_ids"
_SAVEPOINT = "koji_fedoramessaging"

_files_url_cache = {}


def configure(settings, sender=None, lookup_source=None):
    """Use ``settings`` from now on, with an optional :class:`HubSender` and an optional
    source of user/host/task lookups (the demo has no kojihub)."""
    global SETTINGS, OUTBOX, SENDER, LOOKUPS
    SETTINGS = settings
    OUTBOX = Outbox(settings.table)
    SENDER = sender or HubSender(settings)
    LOOKUPS = lookup_source or lookups
    _files_url_cache.clear()


configure(config.load())


def _files_base_url(base_url):
    if SETTINGS.files_base_url:
        return SETTINGS.files_base_url
    if "kojiweb" not in _files_url_cache:
        _files_url_cache["kojiweb"] = _kojiweb_files_url(SETTINGS.kojiweb_config)
    found = _files_url_cache["kojiweb"]
    return f"{found}/work" if found else f"{base_url}/kojifiles/work"


def _kojiweb_files_url(path):
    try:
        parser = koji.read_config_files([(path, True)], raw=True)
        return parser.get("web", "KojiFilesURL").rstrip("/")
    except Exception as exc:
        log.info("KojiFilesURL not read from %s (%s); using <base_url>/kojifiles", path, exc)
        return None


def request_env():
    """The builders' environment for the current request (URLs come from the request)."""
    environ = getattr(context, "environ", None) or {}
    base_url = bodies.base_url(environ, SETTINGS)
    return bodies.Env(settings=SETTINGS, base_url=base_url,
                      files_base_url=_files_base_url(base_url), lookups=LOOKUPS)


def _poison_envelope(cbtype, kws, reason):
    """A dead-letter record for an event whose body could not be built."""
    try:
        arguments = bodies.plain(kws)
        text = json.dumps({"callback": cbtype, "arguments": arguments, "error": reason})
    except Exception:
        text = json.dumps({"callback": cbtype, "error": reason})
    if len(text) > SETTINGS.max_body_size:
        text = json.dumps({"callback": cbtype, "error": reason, "arguments": "(too large)"})
    return wire.Envelope(message_id=str(uuid.uuid4()), topic=cbtype, routing_key="",
                         schema_name="", headers={}, priority=None, body=text)


def record(cbtype, kws):
    """Build, validate and store the message for one callback; return its message id (None
    when filtered out or not stored). Never raises."""
    dead_reason = None
    try:
        built = bodies.build_body(cbtype, kws, request_env())
        if built is None:
            return None
        envelope = wire.make_envelope(*built)
    except wire.InvalidMessage as exc:
        envelope, dead_reason = exc.envelope, str(exc)
    except Exception as exc:
        dead_reason = str(exc) if isinstance(exc, bodies.BodyError) else f"{cbtype}: {exc!r}"
        envelope = _poison_envelope(cbtype, kws, dead_reason)
    if dead_reason:
        log.error("%s: message stored as a dead letter: %s", cbtype, dead_reason)
    cursor = context.cnx.cursor()
    try:
        OUTBOX.insert(cursor, envelope, dead_reason, savepoint=_SAVEPOINT)
    except Exception:
        # Undo our statement only; Koji's transaction goes on as if we had not been here.
        cursor.execute(f"ROLLBACK TO SAVEPOINT {_SAVEPOINT}")
        log.exception("%s: cannot write the message to the outbox (table %s); the event "
                      "is not published", cbtype, SETTINGS.table)
        return None
    if not dead_reason:
        pending = getattr(context, _PENDING, None)
        if pending is None:
            pending = []
            setattr(context, _PENDING, pending)
        pending.append(envelope.message_id)
    return envelope.message_id


@callback(*EVENT_CALLBACKS)
@ignore_error
def queue_message(cbtype, *args, **kws):
    """Store the message for a Koji event in the outbox, in Koji's transaction."""
    try:
        record(cbtype, kws)
    except Exception:
        log.exception("%s: unexpected error; Koji's call continues", cbtype)


@callback("postCommit")
@ignore_error
def send_messages(cbtype, *args, **kws):
    """After Koji committed: publish this request's messages within the budget."""
    message_ids = getattr(context, _PENDING, None)
    setattr(context, _PENDING, [])
    if message_ids:
        SENDER.send(context.cnx, message_ids)


@export_in("fedoramessaging")
def getStatus():
    """Outbox status (backlog, oldest unsent age, dead letters, last publish, drain lock).

    Admin only."""
    context.session.assertPerm("admin")
    cursor = context.cnx.cursor()
    try:
        OUTBOX.check(cursor)
    except OutboxError as exc:
        raise koji.GenericError(str(exc)) from None
    return OUTBOX.status(cursor)


__all__ = ["getStatus", "queue_message", "send_messages"]
