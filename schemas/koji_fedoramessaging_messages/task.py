# SPDX-License-Identifier: GPL-3.0-or-later
"""Messages about Koji tasks."""

import re

from .base import BASE_URL, INSTANCE, TASK, TASK_STATES, KojiMessage, body_schema, task_text

_TASK_REF = {"$ref": "#/definitions/task"}
_SRPM_NAME = re.compile(r"^(?P<name>.+)-[^-]+-[^-]+\.src\.rpm$")
_GIT_NAME = re.compile(r"^(?P<name>[^#?]+?)(\.git)?([#?].*)?$")


class TaskStateChangeV1(KojiMessage):
    """A task changed state. ``new`` and ``old`` are state names (FREE, OPEN, CLOSED, ...).

    The plugin's default filter publishes only top-level scratch-build tasks.
    """

    topic = "buildsys.task.state.change"
    body_schema = body_schema(
        topic,
        "The state of a Koji task changed.",
        {
            "base_url": BASE_URL,
            "files_base_url": {"type": "string", "description": "base URL of task output files"},
            "instance": INSTANCE,
            "info": _TASK_REF,
            "id": {"type": "integer"},
            "method": {"type": "string"},
            "attribute": {"type": "string", "enum": ["state"]},
            "owner": {"type": ["string", "null"]},
            "srpm": {"type": "string", "description": "last path part of the task's source"},
            "old": {"type": ["string", "null"], "enum": [*TASK_STATES, None]},
            "new": {"type": "string", "enum": list(TASK_STATES)},
        },
        required=("id", "info", "method", "attribute", "old", "new", "srpm", "owner",
                  "base_url", "files_base_url", "instance"),
        definitions={"task": TASK},
    )

    @property
    def info(self):
        return self.body.get("info") or {}

    @property
    def task_id(self):
        return self.body.get("id")

    @property
    def method(self):
        return self.body.get("method")

    @property
    def attribute(self):
        return self.body.get("attribute")

    @property
    def old(self):
        return self.body.get("old")

    @property
    def new(self):
        return self.body.get("new")

    @property
    def srpm(self):
        return self.body.get("srpm")

    @property
    def arch(self):
        return self.info.get("arch")

    @property
    def owner(self):
        return self.body.get("owner")

    @property
    def url(self):
        return self.info.get("url")

    @property
    def packages(self):
        """The package name guessed from the task's source (an SRPM file or an SCM URL)."""
        source = self.srpm or ""
        match = _SRPM_NAME.match(source) or _GIT_NAME.match(source)
        return [match.group("name")] if match and match.group("name") else []

    @property
    def summary(self):
        return f"Task {self.new} -- {self.method or ''} ({self.srpm or ''} {self.arch or ''})"

    def __str__(self):
        return task_text(self.info, self.body.get("files_base_url", ""))
