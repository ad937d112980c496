# SPDX-License-Identifier: GPL-3.0-or-later
"""Messages about RPM signatures."""

from fedora_messaging.message import DEBUG

from .base import BASE_URL, EPOCH, INSTANCE, KojiMessage, body_schema, nvr

_NULLABLE_ID = {"type": ["integer", "null"]}

_RPM = {
    "type": "object",
    "description": "the signed RPM, as Koji describes it",
    "properties": {
        "id": {"type": "integer"},
        "build_id": {"type": "integer"},
        "name": {"type": "string"},
        "version": {"type": "string"},
        "release": {"type": "string"},
        "epoch": EPOCH,
        "arch": {"type": "string"},
        "buildtime": {"type": "integer"},
        "size": {"type": "integer"},
        "payloadhash": {"type": "string"},
        "metadata_only": {"type": "boolean"},
        # null for imported RPMs, which have no buildroot
        "buildroot_id": _NULLABLE_ID,
        "external_repo_id": {"type": "integer"},
        "external_repo_name": {"type": "string"},
        # a JSON document encoded as a string, or null
        "extra": {"type": ["string", "null"]},
    },
}

_BUILD = {
    "type": "object",
    "description": "the build the RPM belongs to, as Koji describes it",
    "properties": {
        "id": {"type": "integer"},
        "build_id": {"type": "integer"},
        "name": {"type": "string"},
        "version": {"type": "string"},
        "release": {"type": "string"},
        "epoch": EPOCH,
        "nvr": {"type": "string"},
        "state": {"type": "integer"},
        "owner_id": {"type": "integer"},
        "owner_name": {"type": "string"},
        "package_id": {"type": "integer"},
        "package_name": {"type": "string"},
        "task_id": {"type": "integer"},
        "source": {"type": "string"},
        "volume_id": {"type": "integer"},
        "volume_name": {"type": "string"},
        "creation_event_id": {"type": "integer"},
        "creation_time": {"type": "number"},
        "start_time": {"type": "integer"},
        "completion_time": {"type": ["number", "null"]},
        "cg_id": {"type": ["integer", "string", "null"]},
        "cg_name": {"type": ["integer", "string", "null"]},
        "extra": {
            "type": "object",
            "properties": {
                "source": {
                    "type": "object",
                    "properties": {"original_url": {"type": "string"}},
                },
            },
        },
    },
}


class SignV1(KojiMessage):
    """An RPM was signed (a signature header was stored in Koji).

    Koji 1.11 and later send ``sigkey``, ``sighash``, ``build`` and ``rpm``. Older hubs sent
    ``attribute``, ``old``, ``new`` and ``info`` (the RPM); messages built from that form carry
    ``rpm`` and ``sigkey`` as well, so the accessors work on both.
    """

    topic = "buildsys.rpm.sign"
    severity = DEBUG
    body_schema = body_schema(
        topic,
        "An RPM was signed.",
        {
            "base_url": BASE_URL,
            "instance": INSTANCE,
            "sigkey": {"type": "string", "description": "the signing key id"},
            "sighash": {"type": "string", "description": "MD5 of the signature header"},
            "rpm": _RPM,
            "build": _BUILD,
            "attribute": {"type": "string"},
            "old": {},
            "new": {},
            "info": {"type": "object"},
        },
        required=("sigkey", "rpm", "instance"),
    )

    @property
    def sigkey(self):
        return self.body.get("sigkey")

    @property
    def sighash(self):
        return self.body.get("sighash")

    @property
    def rpm(self):
        return self.body.get("rpm") or {}

    @property
    def build(self):
        return self.body.get("build") or {}

    @property
    def rpm_nvr(self):
        return nvr(self.rpm.get("name"), self.rpm.get("version"), self.rpm.get("release"))

    @property
    def name(self):
        return self.build.get("name")

    @property
    def owner(self):
        return self.build.get("owner_name")

    @property
    def packages(self):
        return [self.name] if self.name else []

    @property
    def url(self):
        base, build_id = self.base_url, self.build.get("id") or self.rpm.get("build_id")
        return f"{base}/koji/buildinfo?buildID={build_id}" if base and build_id else None

    @property
    def summary(self):
        return f"rpm {self.rpm_nvr} was signed"
