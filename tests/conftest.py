# SPDX-License-Identifier: GPL-3.0-or-later
"""Shared fixtures: a fresh PostgreSQL database, a RabbitMQ queue we consume from, and the
plugin loaded by Koji's real PluginTracker with its callbacks registered as the hub does."""

import os
import sys
import tempfile
import uuid

import pytest
from hypothesis import settings as hypothesis_settings

from . import kojihub_double

kojihub_double.install()
# In CI the property tests explore the same examples every run: a failure is reproducible.
hypothesis_settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    hypothesis_settings.load_profile("ci")

_TMP = tempfile.mkdtemp(prefix="kfm-tests-")
TOPIC_PREFIX = "org.fedoraproject.kfmtest"
BROKER_URL = os.environ.get("KFM_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
PG_ADMIN_DSN = os.environ.get("KFM_TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres "
                              "dbname=postgres")
TABLE = "fedoramessaging_outbox"

_fm_conf = os.path.join(_TMP, "fedora-messaging.toml")
with open(_fm_conf, "w") as fh:
    fh.write(f'amqp_url = "{BROKER_URL}"\ntopic_prefix = "{TOPIC_PREFIX}"\n'
             'publish_exchange = "amq.topic"\n'
             '[client_properties]\napp = "koji-fedoramessaging tests"\n')
os.environ["FEDORA_MESSAGING_CONF"] = _fm_conf
_plugin_conf = os.path.join(_TMP, "koji-fedoramessaging.conf")
with open(_plugin_conf, "w") as fh:
    fh.write("[publish]\nbudget = 0.5\nbackoff_min = 1\nbackoff_max = 1\n")
os.environ["KOJI_FEDORAMESSAGING_CONF"] = _plugin_conf

from fedora_messaging import config as fm_config  # noqa: E402

fm_config.conf.load_config(_fm_conf)


def plugin_dir():
    """Where the installed package put the hub plugin file (the repository as a fallback)."""
    installed = os.path.join(sys.prefix, "share", "koji-fedoramessaging", "hub-plugins")
    if os.path.exists(os.path.join(installed, "koji-fedoramessaging.py")):
        return installed
    return os.path.join(os.path.dirname(os.path.dirname(__file__)), "hub-plugins")


@pytest.fixture(scope="session")
def hub_plugin():
    """The plugin module, loaded and registered exactly as Koji's hub does it."""
    import koji.plugin

    from koji_fedoramessaging import hubsim

    for handlers in koji.plugin.callbacks.values():
        handlers.clear()
    tracker = koji.plugin.PluginTracker(path=plugin_dir().split(":"))
    module = tracker.load("koji-fedoramessaging")
    module.exported_handlers = hubsim.register_plugin(module)
    yield module
    for handlers in koji.plugin.callbacks.values():
        handlers.clear()


@pytest.fixture(scope="session")
def database():
    """A new database for this test session, dropped at the end; yields its DSN."""
    import psycopg2

    name = f"kfm_test_{uuid.uuid4().hex[:12]}"
    admin = psycopg2.connect(PG_ADMIN_DSN)
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f"CREATE DATABASE {name}")
    dsn = PG_ADMIN_DSN.replace("dbname=postgres", f"dbname={name}")
    yield dsn
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                       "WHERE datname = %s AND pid <> pg_backend_pid()", (name,))
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
    admin.close()


@pytest.fixture
def db(database, hub_plugin):
    """A clean outbox (created with init_db) and a 'koji_work' table standing for Koji's own
    tables; the plugin configured with test defaults."""
    from koji_fedoramessaging import config
    from koji_fedoramessaging import plugin as plugin_module

    from .dbsetup import reset_outbox

    reset_outbox(database, TABLE)
    plugin_module.configure(config.load())
    kojihub_double.reset()
    yield database
    plugin_module.SENDER.close()


@pytest.fixture
def broker():
    """A queue bound to every test topic; purged for each test."""
    from .amqp import TestQueue

    queue = TestQueue(BROKER_URL, f"{TOPIC_PREFIX}.#")
    yield queue
    queue.close()
