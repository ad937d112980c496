# SPDX-License-Identifier: GPL-3.0-or-later
"""The koji-fedoramessaging command against the real database and broker, including a
broker that is down and bad configuration."""

import json
import os
import shutil
import subprocess
import sys

import psycopg2
import pytest

from . import conftest, events
from .hub import Hub, call
from .test_faults import fill_backlog

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def run(*args, dsn=None, env=None, stdin=None):
    full_env = dict(os.environ, **(env or {}))
    full_env["PYTHONPATH"] = REPO + os.pathsep + os.environ.get("PYTHONPATH", "")
    command = [sys.executable, "-m", "koji_fedoramessaging.cli"]
    if dsn:
        command += ["--dsn", dsn]
    return subprocess.run(command + list(args), env=full_env, capture_output=True, text=True,
                          timeout=120, input=stdin)


@pytest.fixture
def dead_broker(tmp_path):
    """A fedora-messaging config pointing at a port where nothing listens."""
    conf = tmp_path / "down.toml"
    conf.write_text('amqp_url = "amqp://guest:guest@127.0.0.1:1/%2F"\n'
                    f'topic_prefix = "{conftest.TOPIC_PREFIX}"\n')
    return {"FEDORA_MESSAGING_CONF": str(conf)}


def test_console_script_is_installed():
    assert shutil.which("koji-fedoramessaging") or os.path.exists(
        os.path.join(os.path.dirname(sys.executable), "koji-fedoramessaging"))


def test_init_db_is_safe_to_run_twice(database):
    with psycopg2.connect(database) as cnx, cnx.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS cli_outbox, cli_outbox_state, cli_outbox_sent")
    conf = os.path.join(conftest._TMP, "cli.conf")
    with open(conf, "w") as fh:
        fh.write("[outbox]\ntable = cli_outbox\n")
    first = run("--config", conf, "init-db", dsn=database)
    second = run("--config", conf, "init-db", dsn=database)
    upgrade = run("--config", conf, "upgrade-db", dsn=database)
    assert first.returncode == second.returncode == upgrade.returncode == 0
    assert first.stdout == "created outbox table cli_outbox at version 2\n"
    assert second.stdout == "outbox table cli_outbox is already at version 2\n"
    assert upgrade.stdout == second.stdout


def test_status_human_and_json(db):
    fill_backlog(db, 4)
    human = run("status", dsn=db)
    assert human.returncode == 0, human.stderr
    assert "backlog:           4 message(s)" in human.stdout
    assert "drain lock holder: none" in human.stdout
    data = json.loads(run("status", "--json", dsn=db).stdout)
    assert data["backlog"] == 4 and data["dead_letters"] == 0 and data["last_publish"] is None
    assert data["oldest_unsent_age_seconds"] >= 0


def test_status_and_drain_without_table_say_what_to_do(db):
    with psycopg2.connect(db) as cnx, cnx.cursor() as cursor:
        cursor.execute("DROP TABLE fedoramessaging_outbox")
    for command in ("status", "drain"):
        proc = run(command, dsn=db)
        assert proc.returncode == 1
        assert "does not exist: run 'koji-fedoramessaging init-db'" in proc.stderr
        assert "Traceback" not in proc.stderr


def test_drain_with_the_broker_down_keeps_everything(db, dead_broker):
    fill_backlog(db, 3)
    proc = run("drain", dsn=db, env=dead_broker)
    assert proc.returncode == 1
    assert "published 0 message(s)" in proc.stdout and "cannot connect" in proc.stderr
    assert json.loads(run("status", "--json", dsn=db).stdout)["backlog"] == 3


def test_drain_publishes_and_status_shows_last_publish(db, broker):
    fill_backlog(db, 5)
    proc = run("drain", "--batch", "2", dsn=db)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip().endswith("published 5 message(s)")
    assert len(broker.get(5)) == 5
    data = json.loads(run("status", "--json", dsn=db).stdout)
    assert data["backlog"] == 0 and data["last_publish"]


def test_dead_letters_list_show_retry_purge(db):
    hub = Hub(db)
    hub.request(call("postTag", {"tag": None, "build": None, "user": None}))
    hub.request(call("postRepoDone", {"repo": {"id": "x"}}))
    hub.close()
    listing = run("dead-letters", "list", dsn=db)
    lines = listing.stdout.strip().splitlines()
    assert len(lines) == 2 and "postTag: argument 'tag' is NoneType" in lines[0]
    row_id = lines[0].split("\t")[0]
    shown = run("dead-letters", "show", row_id, dsn=db)
    assert f"id: {row_id}" in shown.stdout and '"callback": "postTag"' in shown.stdout
    retried = run("dead-letters", "retry", row_id, dsn=db)
    assert retried.returncode == 1 and "still invalid" in retried.stdout
    assert run("dead-letters", "purge", dsn=db).returncode == 2  # needs ids or --all
    purged = run("dead-letters", "purge", row_id, dsn=db)
    assert purged.stdout == "purged 1 dead letter(s)\n"
    assert run("dead-letters", "purge", "--all", dsn=db).stdout == "purged 1 dead letter(s)\n"
    assert run("dead-letters", "list", dsn=db).stdout == "no dead letters\n"


def test_check_passes_on_a_good_setup(db):
    proc = run("check", dsn=db)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "all checks passed\n"


def test_check_reports_each_problem_on_its_own_line(db, dead_broker, tmp_path):
    with psycopg2.connect(db) as cnx, cnx.cursor() as cursor:
        cursor.execute("DROP TABLE fedoramessaging_outbox")
    proc = run("check", dsn=db, env=dead_broker)
    assert proc.returncode == 1
    problems = proc.stderr.strip().splitlines()
    assert len(problems) == 2
    assert problems[0].startswith("PROBLEM: outbox: outbox table fedoramessaging_outbox does "
                                  "not exist")
    assert problems[1].startswith("PROBLEM: broker: cannot connect to amqp://***@127.0.0.1:1/")
    bad = tmp_path / "bad.conf"
    bad.write_text("[outbox]\nbatch_size = -3\n")
    proc = run("--config", str(bad), "check", dsn=db)
    assert proc.returncode == 1
    assert "[outbox] batch_size = '-3': expected an integer >= 1" in proc.stderr


def test_check_finds_an_unreachable_database():
    proc = run("check", dsn="host=127.0.0.1 port=1 dbname=koji connect_timeout=2")
    assert proc.returncode == 1 and "PROBLEM: database: cannot connect" in proc.stderr


def test_preview_renders_the_wire_message_offline():
    event = {"callback": "postTag",
             "kwargs": {"tag": {"id": 1, "name": "f41-rebuild"},
                        "build": {"id": 7, "name": "bash", "version": "5.2", "release": "1.fc41",
                                  "epoch": None, "owner_id": 5},
                        "user": {"id": 6, "name": "releng"}, "force": False},
             "lookups": {"users": {"5": "kdudka"}},
             "environ": {"SERVER_NAME": "koji.fedoraproject.org", "wsgi.url_scheme": "https"}}
    proc = run("preview", "-", stdin=json.dumps(event),
               env={"KOJI_FEDORAMESSAGING_DSN": "host=127.0.0.1 port=1"})
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout)
    assert out["routing_key"] == f"{conftest.TOPIC_PREFIX}.buildsys.tag"
    assert out["headers"]["fedora_messaging_schema"] == "koji_fedoramessaging.tag.TagV1"
    assert out["headers"]["fedora_messaging_user_kdudka"] is True
    assert out["properties"]["priority"] == 0 and out["properties"]["delivery_mode"] == 2
    assert out["body"]["owner"] == "kdudka" and out["body"]["user"] == "releng"
    assert out["summary"] == "bash-5.2-1.fc41 was tagged into f41-rebuild by releng"


def test_preview_of_a_filtered_or_broken_event():
    _cb, kws, _t = events.variants()["task_not_scratch"]
    filtered = {"callback": "postTaskStateChange", "kwargs": json.loads(
        json.dumps(kws, default=str))}
    proc = run("preview", stdin=json.dumps(filtered))
    assert proc.returncode == 0 and json.loads(proc.stdout)["published"] is False
    broken = run("preview", stdin=json.dumps({"callback": "postRepoDone", "kwargs": {}}))
    assert broken.returncode == 1 and "postRepoDone: argument 'repo'" in broken.stderr
    assert run("preview", stdin="{not json").returncode == 1


def test_demo_runs_end_to_end_and_cleans_up(database):
    proc = run("demo", env={"KOJI_HUB_CONF": "/nonexistent"})
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    received = [line for line in lines if line.startswith("received ")]
    assert len(received) == 2
    assert "buildsys.build.state.change  [koji_fedoramessaging.build.BuildStateChangeV1]" \
        in received[0]
    assert "bash-5.3.0-1.fc44 was tagged into f44-updates by bodhi" in received[1]
    assert "an untag that fails and rolls back: rolled back" in proc.stdout
    schema = lines[-1].split("schema ")[1].split()[0]
    with psycopg2.connect(conftest.PG_ADMIN_DSN) as cnx, cnx.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_namespace WHERE nspname = %s", (schema,))
        assert cursor.fetchone()[0] == 0


def test_upgrade_db_from_version_1(database):
    from koji_fedoramessaging import outbox

    table = "upgrade_outbox"
    with psycopg2.connect(database) as cnx, cnx.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}, {table}_state, {table}_sent")
        version_1 = dict(outbox.sql_files())[1]
        cursor.execute(version_1.format(table=table, index=table))
        cursor.execute(f"INSERT INTO {table}_state VALUES ('schema_version', '1')")
    conf = os.path.join(conftest._TMP, "upgrade.conf")
    with open(conf, "w") as fh:
        fh.write(f"[outbox]\ntable = {table}\n")
    stale = run("--config", conf, "status", dsn=database)
    assert stale.returncode == 1 and "is at version 1, this code needs 2" in stale.stderr
    upgrade = run("--config", conf, "upgrade-db", dsn=database)
    assert upgrade.stdout == f"upgraded outbox table {table} from version 1 to 2\n"
    assert run("--config", conf, "status", dsn=database).returncode == 0


def test_keep_sent_keeps_published_messages_for_the_configured_hours(db, broker):
    fill_backlog(db, 3)
    conf = os.path.join(conftest._TMP, "keep.conf")
    with open(conf, "w") as fh:
        fh.write("[outbox]\nkeep_sent = 2\n")
    assert run("--config", conf, "drain", dsn=db).returncode == 0
    assert len(broker.get(3)) == 3
    status = json.loads(run("--config", conf, "status", "--json", dsn=db).stdout)
    assert (status["backlog"], status["sent_kept"]) == (0, 3)
    with psycopg2.connect(db) as cnx, cnx.cursor() as cursor:
        cursor.execute("UPDATE fedoramessaging_outbox_sent SET sent = now() - interval '3 hours'"
                       " WHERE id = (SELECT min(id) FROM fedoramessaging_outbox_sent)")
    assert run("--config", conf, "drain", dsn=db).returncode == 0  # prunes before draining
    status = json.loads(run("--config", conf, "status", "--json", dsn=db).stdout)
    assert status["sent_kept"] == 2


def test_shipped_example_config_lists_every_key_with_its_default():
    from koji_fedoramessaging import config

    with open(os.path.join(REPO, "conf", "koji-fedoramessaging.conf")) as fh:
        assert fh.read() == config.example()
    assert config.load(os.path.join(REPO, "conf", "koji-fedoramessaging.conf")) == \
        config.defaults(os.path.join(REPO, "conf", "koji-fedoramessaging.conf"))


def test_drain_follow_publishes_on_notify_and_stops_on_sigterm(db, broker):
    import signal
    import time

    from koji_fedoramessaging import config, plugin

    full_env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    follower = subprocess.Popen(
        [sys.executable, "-m", "koji_fedoramessaging.cli", "--dsn", db, "drain", "--follow"],
        env=full_env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(1.5)  # listening
        plugin.configure(config.load().replace(budget=0))  # the hub leaves it all to it
        hub = Hub(db)
        started = time.monotonic()
        hub.request(call(*events.variants()["tag"][:2]), call(*events.variants()["untag"][:2]))
        hub.close()
        received = broker.get(2, timeout=10)
        latency = time.monotonic() - started
        assert len(received) == 2
        assert latency < 3  # woken by NOTIFY, not by the 5 s poll interval
    finally:
        follower.send_signal(signal.SIGTERM)
        out, err = follower.communicate(timeout=30)
    assert follower.returncode == 0, err
    assert "published 2 message(s)" in out
