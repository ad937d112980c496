# SPDX-License-Identifier: GPL-3.0-or-later
"""Messages about a tag's package list."""

from fedora_messaging.message import DEBUG

from .base import BASE_URL, INSTANCE, KojiMessage, body_schema


class ListChangeV1(KojiMessage):
    """A package was added to, removed from, blocked or unblocked in a tag's package list,
    or its entry (owner, extra arches) was updated. ``action`` is Koji's word for it:
    add, update, remove, block or unblock."""

    topic = "buildsys.package.list.change"
    severity = DEBUG
    body_schema = body_schema(
        topic,
        "A package list changed.",
        {
            "base_url": BASE_URL,
            "instance": INSTANCE,
            "tag": {"type": "string"},
            "package": {"type": "string"},
            "action": {"type": "string"},
            "owner": {"type": ["string", "null"], "description": "the package's owner"},
            "user": {"type": ["string", "null"], "description": "who made the change"},
            "block": {"type": ["boolean", "null"]},
            "extra_arches": {"type": ["string", "null"]},
            "force": {"type": ["boolean", "null"]},
            "update": {"type": ["boolean", "null"]},
        },
        required=("tag", "package", "action", "instance"),
    )

    @property
    def tag(self):
        return self.body.get("tag")

    @property
    def package(self):
        return self.body.get("package")

    @property
    def action(self):
        return self.body.get("action")

    @property
    def owner(self):
        return self.body.get("owner")

    @property
    def user(self):
        return self.body.get("user")

    @property
    def block(self):
        return self.body.get("block")

    @property
    def extra_arches(self):
        return self.body.get("extra_arches")

    @property
    def force(self):
        return self.body.get("force")

    @property
    def update(self):
        return self.body.get("update")

    @property
    def agent_name(self):
        # Whoever made the change when Koji told us; the package owner otherwise (1.x did so).
        return self.user or self.owner

    @property
    def usernames(self):
        return [name for name in dict.fromkeys((self.user, self.owner)) if name]

    @property
    def packages(self):
        return [self.package] if self.package else []

    @property
    def url(self):
        if not (self.base_url and self.package):
            return None
        return f"{self.base_url}/koji/packageinfo?packageID={self.package}"

    @property
    def summary(self):
        return f"Package list change for {self.package}:  {self.tag}"
