# SPDX-License-Identifier: GPL-3.0-or-later
"""Real faults: the broker cut and black-holed behind a TCP proxy, a hub process killed with
SIGKILL after commit, two drainers at once, poison rows, a broker that refuses a topic."""

import functools
import json
import os
import subprocess
import sys
import time

import psycopg2
import pytest

from koji_fedoramessaging import config, outbox, plugin, wire
from koji_fedoramessaging.delivery import Drainer, HubSender
from koji_fedoramessaging.publisher import Publisher, connection_parameters

from . import conftest, events
from .hub import Hub, call
from .tcpproxy import TcpProxy

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def publisher_via(url, window=100):
    return Publisher(params_factory=functools.partial(connection_parameters, amqp_url=url),
                     window=window)


def tag_event(i):
    cbtype, kws, _topic = events.variants()["tag"]
    return call(cbtype, dict(kws, build=dict(kws["build"], id=i)))


def stored_ids(dsn):
    with psycopg2.connect(dsn) as cnx, cnx.cursor() as cursor:
        cursor.execute("SELECT message_id FROM fedoramessaging_outbox WHERE dead_since IS NULL "
                       "ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def proxy():
    proxy = TcpProxy()
    yield proxy
    proxy.close()


def test_broker_outage_black_hole_then_cut(db, broker, proxy, capsys):
    settings = config.load().replace(budget=0.25, backoff_min=0.5, backoff_max=1.0)
    sender = HubSender(settings, publisher_factory=lambda: publisher_via(proxy.url))
    plugin.configure(settings, sender)
    hub = Hub(db)
    committed, durations = 0, {"up": [], "blackhole": [], "cut": [], "back": []}
    seq = iter(range(1, 10**6))

    def requests(phase, count, pause=0.0):
        nonlocal committed
        for _ in range(count):
            ok, seconds = hub.request(tag_event(next(seq)), tag_event(next(seq)))
            assert ok
            committed += 2
            durations[phase].append(seconds)
            time.sleep(pause)

    requests("up", 5)
    assert len(broker.get(10)) == 10  # published directly by the hub
    # The open connection now leads into a black hole: nothing is confirmed.
    proxy.blackhole()
    requests("blackhole", 30, pause=0.05)
    proxy.cut()
    requests("cut", 30, pause=0.05)
    proxy.restore()
    requests("back", 5)  # the backlog is older: these wait for the drainer, in order
    ids_at_write = stored_ids(db)
    assert len(ids_at_write) == 130  # every event since the outage began waits in the outbox
    drainer = Drainer(lambda: psycopg2.connect(db), settings, publisher=publisher_via(proxy.url))
    published, error = drainer.drain()
    drainer.close()
    assert error is None and published == 130
    received = broker.get(130) + broker.drain_all()
    received_ids = [props.message_id for _m, props, _b in received]
    build_ids = [json.loads(body)["build_id"] for _m, _p, body in received]
    # Messages the black hole swallowed may still have been delivered (at-least-once), so
    # consumers dedupe on the id; once deduped, every message is there, in order.
    deduped = list(dict.fromkeys(received_ids))
    assert deduped == ids_at_write
    assert list(dict.fromkeys(build_ids)) == list(range(11, 141))
    hub.close()
    longest = {phase: max(values) for phase, values in durations.items()}
    outage = durations["blackhole"] + durations["cut"]
    p99 = sorted(outage)[int(len(outage) * 0.99) - 1]
    with capsys.disabled():
        print(f"\n[outage figures] committed={committed} received={10 + len(received)} "
              f"duplicates={len(received_ids) - len(deduped)} longest request ms: "
              f"blackhole={longest['blackhole'] * 1000:.1f} cut={longest['cut'] * 1000:.1f} "
              f"after={longest['back'] * 1000:.1f}; p99 during outage={p99 * 1000:.1f} "
              f"(budget {settings.budget * 1000:.0f})")
    # The first request into the black hole waits for the broker, but no longer than the
    # budget (plus the few milliseconds of Koji's own work in the request) ...
    assert settings.budget * 0.8 <= durations["blackhole"][0] <= settings.budget + 0.02
    # ... and no request during the outage ever waits longer.
    assert max(outage) <= settings.budget + 0.02
    # After the first failure, requests pay (almost) nothing for the broker.
    assert sorted(outage)[len(outage) // 2] < 0.05


def test_first_connection_into_a_black_hole_is_bounded(db, proxy, caplog):
    proxy.blackhole()
    settings = config.load().replace(budget=0.2, backoff_min=0.3, backoff_max=0.3)
    plugin.configure(settings, HubSender(settings, lambda: publisher_via(proxy.url)))
    hub = Hub(db)
    with caplog.at_level("INFO", logger="koji.plugin.fedoramessaging"):
        first = hub.request(tag_event(1))[1]
        second = hub.request(tag_event(2))[1]
        time.sleep(0.35)  # the backoff ends: one more attempt, which fails again
        for i in range(3, 8):
            hub.request(tag_event(i))
    hub.close()
    assert 0.15 <= first <= 0.22  # waited for the broker, within the 0.2 s budget
    assert second < 0.05
    assert len(stored_ids(db)) == 7
    # One log line for the whole burst of failures, not one per request or message.
    warnings = [r for r in caplog.records if r.levelname == "WARNING"
                and r.name == "koji.plugin.fedoramessaging"]
    assert len(warnings) == 1 and "cannot publish to the broker" in warnings[0].getMessage()


def test_hub_killed_after_commit_loses_nothing(db, broker):
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run(
        [sys.executable, "-m", "tests.hub_process", db, conftest.plugin_dir(), "25"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert proc.returncode == -9, proc.stderr
    assert proc.stdout == "committed\n"
    ids = stored_ids(db)
    assert len(ids) == 25
    assert broker.drain_all() == []
    drainer = Drainer(lambda: psycopg2.connect(db), config.load())
    assert drainer.drain() == (25, None)
    drainer.close()
    received = broker.get(25)
    assert [props.message_id for _m, props, _b in received] == ids


def fill_backlog(dsn, count):
    """``count`` tag messages straight into the outbox (build_id = sequence number)."""
    from koji_fedoramessaging import bodies, lookups

    events.install_lookups()
    env = bodies.Env(settings=config.defaults(), base_url="https://koji.example.org",
                     files_base_url="https://koji.example.org/work", lookups=lookups)
    cbtype, kws, _topic = events.variants()["tag"]
    box = outbox.Outbox(config.defaults().table)
    with psycopg2.connect(dsn) as cnx, cnx.cursor() as cursor:
        for i in range(1, count + 1):
            body = bodies.build_body(cbtype, dict(kws, build=dict(kws["build"], id=i)), env)
            box.insert(cursor, wire.make_envelope(*body))


def test_two_drainers_publish_each_row_once_in_order(db, broker):
    fill_backlog(db, 3000)
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    command = [sys.executable, "-m", "koji_fedoramessaging.cli", "--dsn", db, "drain",
               "--batch", "100"]
    drainers = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE,
                                 stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [d.communicate(timeout=120) for d in drainers]
    assert [d.returncode for d in drainers] == [0, 0], outputs
    counts = [int(out.split("published ")[1].split()[0]) for out, _err in outputs]
    assert sum(counts) == 3000
    received = broker.get(3000, timeout=30) + broker.drain_all()
    build_ids = [json.loads(body)["build_id"] for _m, _p, body in received]
    message_ids = [props.message_id for _m, props, _b in received]
    assert len(message_ids) == len(set(message_ids)) == 3000
    assert build_ids == list(range(1, 3001))
    assert stored_ids(db) == []


def test_corrupt_row_is_a_dead_letter_and_does_not_block(db, broker):
    fill_backlog(db, 3)
    with psycopg2.connect(db) as cnx, cnx.cursor() as cursor:
        cursor.execute("UPDATE fedoramessaging_outbox SET headers = 'not json' WHERE id = "
                       "(SELECT min(id) FROM fedoramessaging_outbox)")
    drainer = Drainer(lambda: psycopg2.connect(db), config.load())
    assert drainer.drain() == (2, None)
    drainer.close()
    assert [json.loads(b)["build_id"] for _m, _p, b in broker.get(2)] == [2, 3]
    with psycopg2.connect(db) as cnx, cnx.cursor() as cursor:
        dead = outbox.Outbox(config.defaults().table).dead_letters(cursor)
    assert len(dead) == 1 and "cannot encode: stored headers are not JSON" in dead[0]["last_error"]


def rabbitmqctl(*args):
    return subprocess.run(["rabbitmqctl", "-q", *args], check=True, capture_output=True,
                          text=True, timeout=60)


@pytest.fixture
def limited_user():
    """A broker user allowed to publish only buildsys.tag topics."""
    user = f"kfm_limited_{os.getpid()}"
    rabbitmqctl("add_user", user, "secret")
    rabbitmqctl("set_permissions", "-p", "/", user, ".*", ".*", ".*")
    rabbitmqctl("set_topic_permissions", "-p", "/", user, "amq.topic",
                r"^org\.fedoraproject\.kfmtest\.buildsys\.tag$", ".*")
    yield user, f"amqp://{user}:secret@127.0.0.1:5672/%2F"
    rabbitmqctl("delete_user", user)


def test_forbidden_message_is_parked_and_replayed_after_a_fix(db, broker, limited_user):
    user, url = limited_user
    variants = events.variants()
    hub = Hub(db)
    plugin.configure(config.load().replace(budget=0))  # leave everything to the drainer
    hub.request(call(*variants["tag"][:2]), call(*variants["repo_done"][:2]),
                call(*variants["tag_mass_rebuild"][:2]))
    settings = config.load()
    drainer = Drainer(lambda: psycopg2.connect(db), settings, publisher=publisher_via(url))
    published, error = drainer.drain()
    assert error is None and published == 3  # two confirmed, one refused for good
    # A message in flight behind the refused one may be routed before the broker closes the
    # channel, and is then sent again (at-least-once): consumers dedupe on the message id.
    first = {props.message_id: m.routing_key.rsplit(".", 1)[1]
             for m, props, _b in broker.get(2) + broker.drain_all()}
    assert list(first.values()) == ["tag", "tag"]
    with psycopg2.connect(db) as cnx, cnx.cursor() as cursor:
        dead = outbox.Outbox(settings.table).dead_letters(cursor)
    assert [d["topic"] for d in dead] == ["buildsys.repo.done"]
    assert dead[0]["last_error"].startswith("forbidden: ACCESS_REFUSED")
    # the admin fixes the permission and replays the dead letter
    rabbitmqctl("set_topic_permissions", "-p", "/", user, "amq.topic", ".*", ".*")
    env = dict(os.environ, PYTHONPATH=REPO + os.pathsep + os.environ.get("PYTHONPATH", ""))
    retry = subprocess.run([sys.executable, "-m", "koji_fedoramessaging.cli", "--dsn", db,
                            "dead-letters", "retry"], env=env, capture_output=True, text=True)
    assert retry.returncode == 0 and "queued 1 dead letter(s) again" in retry.stdout
    assert drainer.drain() == (1, None)
    drainer.close()
    [(method, props, _b)] = broker.get(1)
    assert method.routing_key.endswith("buildsys.repo.done")
    assert props.message_id == dead[0]["message_id"]
    hub.close()
