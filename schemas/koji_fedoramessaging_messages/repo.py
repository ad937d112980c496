# SPDX-License-Identifier: GPL-3.0-or-later
"""Messages about repositories Koji generates for build tags."""

from fedora_messaging.message import DEBUG

from .base import BASE_URL, INSTANCE, KojiMessage, body_schema

_PROPERTIES = {
    "base_url": BASE_URL,
    "instance": INSTANCE,
    "tag": {"type": "string", "description": "the tag the repo is generated for"},
    "tag_id": {"type": "integer"},
    "repo_id": {"type": "integer"},
}
_REQUIRED = ("tag", "tag_id", "repo_id", "instance")


class _RepoMessage(KojiMessage):
    severity = DEBUG
    _verb = ""

    @property
    def tag(self):
        return self.body.get("tag")

    @property
    def tag_id(self):
        return self.body.get("tag_id")

    @property
    def repo_id(self):
        return self.body.get("repo_id")

    @property
    def url(self):
        base = self.base_url
        return f"{base}/koji/repoinfo?repoID={self.repo_id}" if base and self.repo_id else None

    @property
    def summary(self):
        return f"Repo {self.repo_id} for {self.tag} {self._verb}"


class InitV1(_RepoMessage):
    """Koji started generating a repo for a tag."""

    topic = "buildsys.repo.init"
    _verb = "initialized"
    body_schema = body_schema(topic, "A repo was initialized.", _PROPERTIES, _REQUIRED)


class DoneV1(_RepoMessage):
    """A repo for a tag is ready."""

    topic = "buildsys.repo.done"
    _verb = "is done"
    body_schema = body_schema(topic, "A repo is done.", _PROPERTIES, _REQUIRED)
