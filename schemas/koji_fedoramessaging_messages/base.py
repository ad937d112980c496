# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared pieces of every Koji message class: the base class and reusable JSON Schema parts."""

import datetime

from fedora_messaging import message

SCHEMA_URL = "http://fedoraproject.org/message-schema"
DRAFT = "http://json-schema.org/draft-07/schema#"

NULLABLE_STRING = {"type": ["string", "null"]}
NULLABLE_INT = {"type": ["integer", "null"]}
EPOCH = {"type": ["string", "integer", "null"], "description": "RPM epoch; null when unset"}
INSTANCE = {
    "type": "string",
    "description": "name of the Koji hub that sent the message ('primary' or a secondary hub)",
}
BASE_URL = {"type": "string", "description": "public base URL of the Koji hub"}

# What a task's result looks like: most build tasks return a dict of file lists, some
# (livecd, appliance) return a plain string, unfinished or failed tasks return null.
TASK_RESULT = {
    "type": ["object", "string", "null"],
    "description": "the result of a closed task",
    "properties": {
        "srpm": {"type": "string"},
        "srpms": {"type": "array", "items": {"type": "string"}},
        "rpms": {"type": "array", "items": {"type": "string"}},
        "logs": {"type": "array", "items": {"type": "string"}},
        "brootid": {"type": "number"},
        "source": {
            "type": "object",
            "properties": {"source": {"type": "string"}, "url": {"type": "string"}},
        },
    },
}

# One task and, recursively, its sub-tasks. Timestamps are epoch seconds.
TASK = {
    "type": "object",
    "description": "a Koji task with its sub-tasks",
    "properties": {
        "id": {"type": "integer"},
        "method": {"type": "string"},
        "arch": {"type": "string"},
        "state": {"type": "integer", "description": "Koji task state number"},
        "owner": {"type": ["string", "null"], "description": "name of the task's owner"},
        "host_id": NULLABLE_INT,
        "host_name": NULLABLE_STRING,
        "url": {"type": "string", "description": "the task's page in koji-web"},
        "label": NULLABLE_STRING,
        "priority": {"type": "integer"},
        "channel_id": {"type": "integer"},
        "parent": {"type": ["integer", "null"]},
        "waiting": {"type": ["boolean", "null"]},
        "awaited": {"type": ["boolean", "null"]},
        "request": {"type": "array", "description": "the task's decoded arguments"},
        "result": TASK_RESULT,
        "create_time": {"type": "number"},
        "start_time": {"type": ["number", "null"]},
        "completion_time": {"type": ["number", "null"]},
        "children": {"type": "array", "items": {"$ref": "#/definitions/task"}},
    },
    "required": ["id", "method", "host_id", "arch", "result"],
}

BUILD_STATES = ("BUILDING", "COMPLETE", "DELETED", "FAILED", "CANCELED")
TASK_STATES = ("FREE", "OPEN", "CLOSED", "CANCELED", "ASSIGNED", "FAILED")


def body_schema(topic, description, properties, required=(), definitions=None, version=1):
    """Return a draft-07 JSON Schema dict for the body of a message on ``topic``."""
    schema = {
        "$id": f"{SCHEMA_URL}/v{version}/{topic}#",
        "$schema": DRAFT,
        "description": description,
        "type": "object",
        "properties": properties,
        "required": list(required),
    }
    if definitions:
        schema["definitions"] = definitions
    return schema


def nvr(name, version, release):
    """Name-version-release of a build, tolerant of missing parts."""
    return "-".join(str(part) for part in (name, version, release) if part not in (None, ""))


def format_time(value):
    """Render an ISO 8601 string or epoch number as a readable UTC date, or '' if unknown."""
    if value in (None, ""):
        return ""
    try:
        if isinstance(value, (int, float)):
            moment = datetime.datetime.fromtimestamp(value, tz=datetime.timezone.utc)
        else:
            moment = datetime.datetime.fromisoformat(str(value))
    except (TypeError, ValueError, OverflowError, OSError):
        return str(value)
    return moment.strftime("%a, %d %b %Y %H:%M:%S %Z").strip()


def task_text(task, files_base_url, indent=""):
    """Email-style text for a task tree: header, result files, then each sub-task."""
    if not isinstance(task, dict):
        return ""
    lines = [
        f"{indent}Task {task.get('id')} on {task.get('host_name') or '(unscheduled)'}",
        f"{indent}Task Type: {task.get('method')} ({task.get('arch')})",
        f"{indent}Link: {task.get('url')}",
    ]
    result = task.get("result")
    if isinstance(result, dict):
        for kind in ("logs", "rpms", "srpms"):
            files = result.get(kind) or []
            if files:
                lines.append(f"{indent}{kind}:")
                lines.extend(f"{indent}  {files_base_url}/{path}" for path in files)
        if result.get("srpm"):
            lines.append(f"{indent}srpm:")
            lines.append(f"{indent}  {files_base_url}/{result['srpm']}")
    text = "\n".join(lines) + "\n"
    children = [child for child in task.get("children") or [] if isinstance(child, dict)]
    if children:
        text += f"\n{indent}Task {task.get('id')} has the following sub-tasks:\n"
        for child in sorted(children, key=lambda c: (c.get("completion_time") or 0, c.get("id"))):
            text += "\n" + task_text(child, files_base_url, indent)
    return text


class KojiMessage(message.Message):
    """Base class of every message the Koji hub publishes.

    Subclasses define ``topic``, ``body_schema`` and ``summary``. Every accessor here works
    on any body that validates: lists are always lists, never None.
    """

    @property
    def app_name(self):
        return "Koji"

    @property
    def app_icon(self):
        return "https://apps.fedoraproject.org/img/icons/koji.png"

    @property
    def instance(self):
        """The Koji hub that sent the message ('primary' or a secondary hub's name)."""
        return self.body.get("instance")

    @property
    def base_url(self):
        return self.body.get("base_url")

    @property
    def owner(self):
        return None

    @property
    def agent_name(self):
        return self.owner

    @property
    def usernames(self):
        return [name for name in (self.agent_name,) if name]

    @property
    def packages(self):
        return []

    @property
    def url(self):
        return None

    def __str__(self):
        return self.summary
