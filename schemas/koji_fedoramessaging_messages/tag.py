# SPDX-License-Identifier: GPL-3.0-or-later
"""Messages about builds entering or leaving a tag."""

import re

from fedora_messaging.message import DEBUG

from .base import BASE_URL, EPOCH, INSTANCE, KojiMessage, body_schema, nvr

_PROPERTIES = {
    "base_url": BASE_URL,
    "instance": INSTANCE,
    "tag": {"type": ["string", "null"], "description": "tag name"},
    "tag_id": {"type": "integer"},
    "build_id": {"type": "integer"},
    "name": {"type": "string", "description": "package name"},
    "version": {"type": "string"},
    "release": {"type": "string"},
    "epoch": EPOCH,
    "user": {"type": "string", "description": "who tagged or untagged the build"},
    "owner": {"type": "string", "description": "the build's owner"},
}
_REQUIRED = ("tag", "tag_id", "build_id", "name", "version", "release", "instance")

# Fedora's broker gives mass-rebuild tags the lowest priority and ELN the next one, so that
# a mass rebuild does not delay everyone else's tag messages.
_MASS_REBUILD = re.compile(r"^f\d+-rebuild$")
_ELN = re.compile(r"^eln(-.*)?$")


class _TagMessage(KojiMessage):
    severity = DEBUG
    _verb = ""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if kwargs.get("properties") is None:
            self.priority = self._tag_priority()

    def _tag_priority(self):
        tag = self.tag if isinstance(self.tag, str) else ""
        if _MASS_REBUILD.match(tag):
            return 0
        if _ELN.match(tag):
            return 1
        return 2

    @property
    def tag(self):
        return self.body.get("tag")

    @property
    def tag_id(self):
        return self.body.get("tag_id")

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
    def user(self):
        return self.body.get("user")

    @property
    def owner(self):
        return self.body.get("owner")

    @property
    def is_mass_rebuild(self):
        return isinstance(self.tag, str) and bool(_MASS_REBUILD.match(self.tag))

    @property
    def is_eln(self):
        return isinstance(self.tag, str) and bool(_ELN.match(self.tag))

    @property
    def agent_name(self):
        return self.user

    @property
    def usernames(self):
        return [name for name in dict.fromkeys((self.user, self.owner)) if name]

    @property
    def packages(self):
        return [self.name] if self.name else []

    @property
    def url(self):
        base = self.base_url
        return f"{base}/koji/buildinfo?buildID={self.build_id}" if base and self.build_id else None

    @property
    def summary(self):
        return (
            f"{nvr(self.name, self.version, self.release)} was {self._verb} {self.tag}"
            f" by {self.user}"
        )


class TagV1(_TagMessage):
    """A build was tagged into a tag."""

    topic = "buildsys.tag"
    _verb = "tagged into"
    body_schema = body_schema(topic, "A build was tagged.", _PROPERTIES, _REQUIRED)


class UntagV1(_TagMessage):
    """A build was untagged from a tag."""

    topic = "buildsys.untag"
    _verb = "untagged from"
    body_schema = body_schema(topic, "A build was untagged.", _PROPERTIES, _REQUIRED)
