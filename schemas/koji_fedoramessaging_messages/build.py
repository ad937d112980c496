# SPDX-License-Identifier: GPL-3.0-or-later
"""Messages about builds: state changes, other attribute changes, draft promotion."""

from .base import (
    BASE_URL,
    BUILD_STATES,
    EPOCH,
    INSTANCE,
    NULLABLE_INT,
    NULLABLE_STRING,
    TASK,
    KojiMessage,
    body_schema,
    format_time,
    nvr,
    task_text,
)

_BUILD_FIELDS = {
    "base_url": BASE_URL,
    "instance": INSTANCE,
    "build_id": {"type": ["integer", "null"], "description": "the build's id"},
    "name": {"type": "string", "description": "package name"},
    "version": {"type": "string"},
    "release": {"type": "string"},
    "epoch": EPOCH,
    "owner": {"type": ["string", "null"], "description": "name of the build's owner"},
    "url": {"type": ["string", "null"], "description": "the build's page in koji-web"},
}


def _state_name(value):
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(BUILD_STATES):
        return BUILD_STATES[value]
    return None if value is None else str(value)


class _BuildMessage(KojiMessage):
    @property
    def build_id(self):
        return self.body.get("build_id")

    @property
    def name(self):
        return self.body.get("name")

    @property
    def version(self):
        return self.body.get("version")

    @property
    def release(self):
        return self.body.get("release")

    @property
    def epoch(self):
        return self.body.get("epoch")

    @property
    def nvr(self):
        return nvr(self.name, self.version, self.release)

    @property
    def owner(self):
        return self.body.get("owner")

    @property
    def usernames(self):
        return [self.owner] if self.owner else []

    @property
    def packages(self):
        return [self.name] if self.name else []

    @property
    def url(self):
        return self.body.get("url")


class BuildStateChangeV1(_BuildMessage):
    """A build changed state: started (BUILDING), COMPLETE, FAILED, CANCELED or DELETED.

    Only changes of the ``state`` attribute use this topic; ``new`` and ``old`` are Koji
    build state numbers (0 BUILDING, 1 COMPLETE, 2 DELETED, 3 FAILED, 4 CANCELED).
    """

    topic = "buildsys.build.state.change"
    body_schema = body_schema(
        topic,
        "The state of a Koji build changed.",
        dict(
            _BUILD_FIELDS,
            files_base_url={"type": "string", "description": "base URL of task output files"},
            attribute={"type": "string", "enum": ["state"]},
            old={"type": ["integer", "null"], "description": "previous state number"},
            new={"type": "integer", "minimum": 0, "maximum": 4, "description": "new state"},
            task_id=NULLABLE_INT,
            task={
                "anyOf": [{"type": "null"}, {"$ref": "#/definitions/task"}],
                "description": "the task tree that produced the build; null for imports",
            },
            request={"type": ["array", "null"], "description": "arguments of the build task"},
            creation_time={"type": "string", "description": "ISO 8601"},
            completion_time={"type": ["string", "null"], "description": "ISO 8601"},
        ),
        required=(
            "name", "version", "release", "epoch", "attribute", "old", "new", "build_id",
            "task_id", "task", "request", "owner", "instance", "creation_time",
            "completion_time",
        ),
        definitions={"task": TASK},
    )

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
    def old_state_name(self):
        name = _state_name(self.old)
        return name.lower() if name else None

    @property
    def new_state_name(self):
        name = _state_name(self.new)
        return name.lower() if name else None

    @property
    def task_id(self):
        return self.body.get("task_id")

    @property
    def task(self):
        return self.body.get("task")

    @property
    def request(self):
        return self.body.get("request")

    @property
    def source_url(self):
        """The SCM URL the build came from (``request[0]``), or None for imports."""
        request = self.request or []
        return request[0] if request and isinstance(request[0], str) else None

    @property
    def agent_name(self):
        # The owner starts a build; a build finishing or being deleted is not their act.
        if self.old is not None and self.new in (1, 2, 3):
            return None
        return self.owner

    @property
    def summary(self):
        return f"Build {_state_name(self.new)}: {self.owner}'s {self.nvr}"

    def __str__(self):
        finished = format_time(self.body.get("completion_time")) or "(still running)"
        text = (
            f"Package:    {self.nvr}\n"
            f"Status:     {self.new_state_name}\n"
            f"Built by:   {self.owner}\n"
            f"ID:         {self.build_id}\n"
            f"Started:    {format_time(self.body.get('creation_time'))}\n"
            f"Finished:   {finished}\n\n"
        )
        if not self.task:
            return text + "Build imported into koji\n"
        return (
            text
            + "Closed tasks:\n-------------\n"
            + task_text(self.task, self.body.get("files_base_url", ""))
        )


class BuildChangeV1(_BuildMessage):
    """An attribute of a build other than its state changed (owner, completion time, volume).

    ``attribute`` names Koji's column (``owner_id``, ``completion_ts``, ``volume_id``);
    ``old`` and ``new`` are its raw values.
    """

    topic = "buildsys.build.change"
    body_schema = body_schema(
        topic,
        "An attribute of a Koji build other than its state changed.",
        dict(
            _BUILD_FIELDS,
            attribute={"type": "string"},
            old={"type": ["integer", "number", "string", "boolean", "null"]},
            new={"type": ["integer", "number", "string", "boolean", "null"]},
            old_owner=NULLABLE_STRING,
            new_owner=NULLABLE_STRING,
        ),
        required=("build_id", "name", "version", "release", "attribute", "old", "new",
                  "instance"),
    )

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
    def usernames(self):
        names = [self.owner, self.body.get("old_owner"), self.body.get("new_owner")]
        return sorted({name for name in names if name})

    @property
    def summary(self):
        if self.attribute == "owner_id":
            old = self.body.get("old_owner") or self.old
            new = self.body.get("new_owner") or self.new
            return f"Build {self.nvr} changed owner from {old} to {new}"
        return f"Build {self.nvr} changed {self.attribute} from {self.old} to {self.new}"


class BuildPromoteV1(_BuildMessage):
    """A draft build was promoted to a regular build with its final release."""

    topic = "buildsys.build.promote"
    body_schema = body_schema(
        topic,
        "A draft Koji build was promoted.",
        dict(
            _BUILD_FIELDS,
            draft_release={"type": "string", "description": "release while it was a draft"},
            target_release={"type": "string", "description": "release after promotion"},
            user={"type": ["string", "null"], "description": "who promoted the build"},
            task_id=NULLABLE_INT,
            promotion_time={"type": ["string", "null"], "description": "ISO 8601"},
        ),
        required=("build_id", "name", "version", "release", "draft_release", "target_release",
                  "user", "instance"),
    )

    @property
    def user(self):
        return self.body.get("user")

    @property
    def draft_release(self):
        return self.body.get("draft_release")

    @property
    def target_release(self):
        return self.body.get("target_release")

    @property
    def agent_name(self):
        return self.user

    @property
    def usernames(self):
        return sorted({name for name in (self.user, self.owner) if name})

    @property
    def summary(self):
        draft = nvr(self.name, self.version, self.draft_release)
        return f"Draft build {draft} was promoted to {self.nvr} by {self.user}"
