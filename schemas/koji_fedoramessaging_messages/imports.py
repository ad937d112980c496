# SPDX-License-Identifier: GPL-3.0-or-later
"""Messages about content imported into Koji (builds, RPMs, archives, images, CG imports)."""

from fedora_messaging.message import DEBUG

from .base import BASE_URL, EPOCH, INSTANCE, KojiMessage, body_schema, nvr


class ImportV1(KojiMessage):
    """Something was imported into a build. ``type`` is Koji's import kind:
    build, rpm, archive, image or cg."""

    topic = "buildsys.import"
    severity = DEBUG
    body_schema = body_schema(
        topic,
        "Content was imported into Koji.",
        {
            "base_url": BASE_URL,
            "instance": INSTANCE,
            "type": {"type": "string"},
            "build_id": {"type": ["integer", "null"]},
            "name": {"type": ["string", "null"]},
            "version": {"type": ["string", "null"]},
            "release": {"type": ["string", "null"]},
            "epoch": EPOCH,
            "owner": {"type": ["string", "null"]},
            "filename": {"type": ["string", "null"], "description": "the imported file"},
            "url": {"type": ["string", "null"]},
        },
        required=("type", "build_id", "instance"),
    )

    @property
    def type(self):
        return self.body.get("type")

    @property
    def build_id(self):
        return self.body.get("build_id")

    @property
    def name(self):
        return self.body.get("name")

    @property
    def filename(self):
        return self.body.get("filename")

    @property
    def owner(self):
        return self.body.get("owner")

    @property
    def packages(self):
        return [self.name] if self.name else []

    @property
    def url(self):
        return self.body.get("url")

    @property
    def summary(self):
        what = nvr(self.name, self.body.get("version"), self.body.get("release"))
        target = f" ({self.filename})" if self.filename else ""
        return f"{self.type} import into {what or 'a build'}{target}"
