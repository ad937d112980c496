# SPDX-License-Identifier: GPL-3.0-or-later
"""The plugin as Koji loads it: PluginTracker from PluginPath, callbacks found the way the
hub's registry scans a plugin module, a broken config failing the load with a clear message,
and the admin-only hub call."""

import os
import subprocess
import sys

import koji
import koji.plugin
import pytest
from koji.context import context

from koji_fedoramessaging import plugin

from . import conftest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LOAD = ("import sys, koji.plugin; "
        "koji.plugin.PluginTracker(path=sys.argv[1].split(':')).load('koji-fedoramessaging'); "
        "print('loaded')")


def test_tracker_registers_every_event_callback_and_postcommit(hub_plugin):
    for cbtype in ("postBuildStateChange", "postTaskStateChange", "postTag", "postUntag",
                   "postPackageListChange", "postRepoInit", "postRepoDone", "postRPMSign",
                   "postBuildPromote", "postImport"):
        assert [f.__name__ for f in koji.plugin.callbacks[cbtype]] == ["queue_message"]
    assert [f.__name__ for f in koji.plugin.callbacks["postCommit"]] == ["send_messages"]
    # nothing on pre* callbacks: the plugin only reacts to what happened
    assert all(not koji.plugin.callbacks[name] for name in koji.plugin.callbacks
               if name.startswith("pre"))
    assert list(hub_plugin.exported_handlers) == ["fedoramessaging.getStatus"]


def test_plugin_file_is_installed_as_data(hub_plugin):
    assert hub_plugin.__file__.endswith(os.path.join("hub-plugins", "koji-fedoramessaging.py"))


def _load_with(conf_text, tmp_path):
    conf = tmp_path / "plugin.conf"
    conf.write_text(conf_text)
    env = dict(os.environ, KOJI_FEDORAMESSAGING_CONF=str(conf))
    return subprocess.run([sys.executable, "-c", LOAD, conftest.plugin_dir()], env=env,
                          capture_output=True, text=True, timeout=60, cwd=REPO)


def test_good_config_loads_in_a_fresh_process(tmp_path):
    proc = _load_with("[message]\ninstance = s390\n", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "loaded\n"


@pytest.mark.parametrize("text,expected", [
    ("[message]\ninstanse = s390\n", "[message] unknown key 'instanse'"),
    ("[publish]\nbudget = soon\n", "[publish] budget = 'soon': expected a number >= 0.0"),
    ("[events]\npublish = tag untagg\n", "unknown: untagg"),
    ("[nonsense]\nx = 1\n", "unknown section [nonsense]"),
    ("not an ini file\n", "cannot parse"),
])
def test_bad_config_fails_the_load_naming_file_and_key(tmp_path, text, expected):
    proc = _load_with(text, tmp_path)
    assert proc.returncode != 0
    assert "ConfigError" in proc.stderr and expected in proc.stderr
    assert str(tmp_path / "plugin.conf") in proc.stderr


class Session:
    """Koji's auth session as the hub call sees it (kojihub.auth is not installable)."""

    def __init__(self, admin):
        self.admin = admin

    def assertPerm(self, name):
        if not (self.admin and name == "admin"):
            raise koji.ActionNotAllowed(f"{name} permission required")


def test_get_status_is_admin_only(db, hub_plugin):
    import psycopg2

    get_status = hub_plugin.exported_handlers["fedoramessaging.getStatus"]
    context._threadclear()
    context.cnx = psycopg2.connect(db)
    try:
        context.session = Session(admin=False)
        with pytest.raises(koji.ActionNotAllowed):
            get_status()
        context.session = Session(admin=True)
        status = get_status()
    finally:
        context.cnx.close()
    assert status["backlog"] == 0 and status["dead_letters"] == 0
    assert status["table"] == plugin.SETTINGS.table
    with psycopg2.connect(db) as cnx, cnx.cursor() as cursor:
        cursor.execute("DROP TABLE fedoramessaging_outbox")
    context.cnx = psycopg2.connect(db)
    try:
        with pytest.raises(koji.GenericError, match="run 'koji-fedoramessaging init-db'"):
            get_status()
    finally:
        context.cnx.close()
