# SPDX-License-Identifier: GPL-3.0-or-later
"""The plugin's configuration file: every key, its default, and validation.

The file is an INI file read with Koji's own reader (``koji.read_config_files``), by default
``/etc/koji-hub/plugins/koji-fedoramessaging.conf``; ``KOJI_FEDORAMESSAGING_CONF`` overrides
the path. A missing file means "all defaults". An unknown section or key, or a bad value, is a
:class:`ConfigError` naming the file, the key and what was expected.

AMQP settings (broker URL, TLS, topic prefix, exchange) are not here: they come from
fedora-messaging's own TOML file (``FEDORA_MESSAGING_CONF``).
"""

import configparser
import os
import re
from dataclasses import dataclass, fields

import koji

DEFAULT_PATH = "/etc/koji-hub/plugins/koji-fedoramessaging.conf"

# Every event the plugin knows, as "topic after buildsys.". The ones published by default are
# the eight topics Fedora's Koji has always published, plus the two whose bodies are new
# (build.change replaces non-state build changes that 1.x sent as build.state.change;
# build.promote had an empty body in 1.x). import is off by default, as in 1.x.
ALL_EVENTS = (
    "build.state.change", "build.change", "build.promote", "task.state.change", "tag", "untag",
    "package.list.change", "repo.init", "repo.done", "rpm.sign", "import",
)
DEFAULT_EVENTS = tuple(e for e in ALL_EVENTS if e != "import")

_IDENT = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$")


class ConfigError(Exception):
    """The configuration file cannot be used; the message says where and why."""


def _bool(text):
    value = text.strip().lower()
    if value in ("1", "yes", "true", "on"):
        return True
    if value in ("0", "no", "false", "off"):
        return False
    raise ValueError("a boolean (yes/no, true/false, on/off, 1/0)")


def _events(text):
    events = tuple(text.replace(",", " ").split())
    unknown = [e for e in events if e not in ALL_EVENTS]
    if unknown:
        raise ValueError(f"event names from: {' '.join(ALL_EVENTS)} (unknown: {' '.join(unknown)})")
    return events


def _number(kind, minimum):
    expected = f"{'an integer' if kind is int else 'a number'} >= {minimum}"

    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise ValueError(expected) from None
        if value < minimum:
            raise ValueError(expected)
        return value
    return parse


def _identifier(text):
    if not _IDENT.match(text.strip()):
        raise ValueError("a lower-case SQL name, optionally schema-qualified (schema.table)")
    return text.strip()


def _text(text):
    return text.strip()


def _url(text):
    value = text.strip().rstrip("/")
    if value and not re.match(r"^https?://", value):
        raise ValueError("an http:// or https:// URL, or empty")
    return value


# (section, key, parser, default, documentation). The example file is generated from this.
SPEC = (
    ("message", "instance", _text, "primary",
     "Name of this hub in every message's 'instance' field (primary, or e.g. s390)."),
    ("message", "base_url", _url, "",
     "Public URL of the hub, e.g. https://koji.fedoraproject.org. Empty: taken from each\n"
     "request (X-Forwarded-Host and X-Forwarded-Scheme/-Proto honoured)."),
    ("message", "files_base_url", _url, "",
     "Public URL of task output files. Empty: KojiFilesURL of koji-web's config + /work,\n"
     "or <base_url>/kojifiles/work when that cannot be read."),
    ("message", "kojiweb_config", _text, "/etc/kojiweb/web.conf",
     "koji-web's config file, read once for KojiFilesURL when files_base_url is empty."),
    ("message", "extra_limit", _number(int, 0), 0,
     "Drop any 'extra' dict whose JSON is longer than this many bytes (0: no limit)."),
    ("message", "max_body_size", _number(int, 1024), 1048576,
     "No message body exceeds this many bytes: extra dicts, then task sub-trees are\n"
     "dropped to fit (logged); a body that still does not fit becomes a dead letter."),
    ("events", "publish", _events, DEFAULT_EVENTS,
     "Events to publish (topics without 'buildsys.'), space separated."),
    ("events", "task_toplevel_only", _bool, True,
     "task.state.change only for tasks without a parent."),
    ("events", "task_scratch_only", _bool, True,
     "task.state.change only for scratch builds."),
    ("events", "build_skip_volume_id", _bool, True,
     "Do not publish build.change for volume moves."),
    ("events", "rpm_sign_skip_unsigned", _bool, True,
     "Do not publish rpm.sign without a signing key (Koji's import-time empty signature)."),
    ("publish", "budget", _number(float, 0.0), 0.25,
     "Seconds a Koji request may spend publishing its own messages after commit;\n"
     "what is not confirmed by then is left to the drainer. 0: never publish from the hub."),
    ("publish", "backoff_min", _number(float, 0.0), 2.0,
     "Seconds the hub stops trying the broker after a failure (doubles each time)..."),
    ("publish", "backoff_max", _number(float, 0.0), 120.0,
     "...up to this many seconds."),
    ("outbox", "table", _identifier, "fedoramessaging_outbox",
     "Outbox table in Koji's database (may be schema-qualified)."),
    ("outbox", "batch_size", _number(int, 1), 2000,
     "Rows the drainer publishes per transaction."),
    ("outbox", "window", _number(int, 1), 2000,
     "Messages the drainer keeps in flight awaiting broker confirms."),
    ("outbox", "keep_sent", _number(float, 0.0), 0.0,
     "Hours to keep published messages in the <table>_sent table (for audits);\n"
     "0: delete each row as soon as the broker confirmed it."),
    ("outbox", "max_attempts", _number(int, 1), 5,
     "Broker refusals (nacks) after which a row becomes a dead letter."),
    ("outbox", "poll_interval", _number(float, 0.05), 5.0,
     "Seconds between backlog checks of 'drain --follow' when no notification arrives."),
)


@dataclass(frozen=True)
class Settings:
    path: str
    instance: str
    base_url: str
    files_base_url: str
    kojiweb_config: str
    extra_limit: int
    max_body_size: int
    publish: tuple
    task_toplevel_only: bool
    task_scratch_only: bool
    build_skip_volume_id: bool
    rpm_sign_skip_unsigned: bool
    budget: float
    backoff_min: float
    backoff_max: float
    table: str
    batch_size: int
    window: int
    keep_sent: float
    max_attempts: int
    poll_interval: float

    def replace(self, **changes):
        values = {f.name: getattr(self, f.name) for f in fields(self)}
        values.update(changes)
        return Settings(**values)


def default_path():
    return os.environ.get("KOJI_FEDORAMESSAGING_CONF", DEFAULT_PATH)


def defaults(path="(defaults)"):
    return Settings(path=path, **{key: default for _s, key, _p, default, _d in SPEC})


def load(path=None):
    """Read and validate the config file; a missing file gives the defaults.

    Raises:
        ConfigError: the file is unreadable or malformed, or has an unknown section or key,
            or a value that does not parse; the message names file, section, key and the
            expected form.
    """
    path = path or default_path()
    if not os.path.exists(path):
        return defaults(path)
    if not os.access(path, os.R_OK):
        raise ConfigError(f"{path}: cannot read the file (permission denied)")
    try:
        parser = koji.read_config_files([(path, True)], raw=True)
    except (configparser.Error, OSError, koji.GenericError) as exc:
        raise ConfigError(f"{path}: cannot parse: {exc}") from exc
    known = {(section, key): (parse, default) for section, key, parse, default, _d in SPEC}
    sections = {section for section, *_ in SPEC}
    values = {key: default for _s, key, _p, default, _d in SPEC}
    for section in parser.sections():
        if section not in sections:
            raise ConfigError(f"{path}: unknown section [{section}] (expected one of: "
                              f"{', '.join(sorted(sections))})")
        for key, text in parser.items(section):
            if (section, key) not in known:
                options = ", ".join(k for s, k, *_ in SPEC if s == section)
                raise ConfigError(f"{path}: [{section}] unknown key '{key}' "
                                  f"(known keys: {options})")
            parse, _default = known[(section, key)]
            try:
                values[key] = parse(text)
            except ValueError as exc:
                raise ConfigError(f"{path}: [{section}] {key} = {text!r}: expected {exc}") from None
    if values["backoff_max"] < values["backoff_min"]:
        raise ConfigError(f"{path}: [publish] backoff_max must be >= backoff_min")
    return Settings(path=path, **values)


def example():
    """The commented example config file: every key with its default."""
    out = ["# koji-fedoramessaging hub plugin configuration.",
           "# Every key is optional; the values shown are the defaults.",
           "# AMQP settings live in fedora-messaging's TOML file (FEDORA_MESSAGING_CONF).", ""]
    section = None
    for sect, key, _parse, default, doc in SPEC:
        if sect != section:
            out += ([""] if section else []) + [f"[{sect}]"]
            section = sect
        out += [f"# {line}" for line in doc.splitlines()]
        shown = " ".join(default) if isinstance(default, tuple) else (
            str(default).lower() if isinstance(default, bool) else str(default))
        out.append(f"{key} = {shown}".rstrip())
    return "\n".join(out) + "\n"


HUB_CONF = "/etc/koji-hub/hub.conf"


def database_dsn(dsn=None, hub_conf=None):
    """The libpq connection string of Koji's database.

    An explicit ``dsn`` (or ``KOJI_FEDORAMESSAGING_DSN``) wins; otherwise the DB* settings of
    Koji's hub.conf (and hub.conf.d), as the hub itself connects.
    """
    dsn = dsn or os.environ.get("KOJI_FEDORAMESSAGING_DSN")
    if dsn:
        return dsn
    hub_conf = hub_conf or os.environ.get("KOJI_HUB_CONF", HUB_CONF)
    if not os.path.exists(hub_conf):
        return "dbname=koji"
    try:
        parser = koji.read_config_files([hub_conf + ".d", (hub_conf, True)], raw=True)
    except Exception as exc:
        raise ConfigError(f"{hub_conf}: cannot read the database settings: {exc}") from exc
    parts = []
    for key, option in (("dbname", "DBName"), ("user", "DBUser"), ("password", "DBPass"),
                        ("host", "DBHost"), ("port", "DBPort")):
        if parser.has_option("hub", option) and parser.get("hub", option).strip():
            value = parser.get("hub", option).strip().replace("\\", "\\\\").replace("'", "\\'")
            parts.append(f"{key}='{value}'")
    return " ".join(parts) or "dbname=koji"
