# SPDX-License-Identifier: GPL-3.0-or-later
"""The outbox guarantees, end to end with real PostgreSQL and RabbitMQ: published after
commit and never before, nothing for rolled-back work, multicall sub-calls, Koji's
transaction untouched by any failure of ours."""

import json
import logging

import psycopg2
import pytest

from . import events
from .hub import Hub, call


def outbox_rows(dsn):
    with psycopg2.connect(dsn) as cnx, cnx.cursor() as cursor:
        cursor.execute("SELECT id, topic, dead_since IS NOT NULL, last_error FROM "
                       "fedoramessaging_outbox ORDER BY id")
        return cursor.fetchall()


def koji_work(dsn):
    with psycopg2.connect(dsn) as cnx, cnx.cursor() as cursor:
        cursor.execute("SELECT what FROM koji_work ORDER BY id")
        return [row[0] for row in cursor.fetchall()]


@pytest.fixture
def hub(db):
    hub = Hub(db)
    yield hub
    hub.close()


def test_published_after_commit_and_not_before(hub, db, broker):
    cbtype, kws, topic = events.variants()["tag"]
    seen_before_postcommit = []

    def after_commit():
        # Committed, postCommit not yet run: the row is in the outbox, nothing on the bus.
        seen_before_postcommit.append((len(outbox_rows(db)), len(broker.get(1, timeout=0.3))))

    committed, _ = hub.request(call(cbtype, kws), after_commit=after_commit)
    assert committed
    assert seen_before_postcommit == [(1, 0)]
    messages = broker.get(1)
    assert len(messages) == 1
    method, props, body = messages[0]
    assert method.routing_key == f"org.fedoraproject.kfmtest.{topic}"
    assert json.loads(body)["tag"] == "f41-updates-candidate"
    assert outbox_rows(db) == []  # confirmed, then removed


def test_rolled_back_request_publishes_nothing(hub, db, broker):
    cbtype, kws, _topic = events.variants()["tag"]
    committed, _ = hub.request(call(cbtype, kws, fail=True))
    assert not committed
    assert outbox_rows(db) == []
    assert koji_work(db) == []
    assert broker.drain_all() == []


def test_multicall_failed_subcall_is_not_published(hub, db, broker):
    variants = events.variants()
    first, failing, last = variants["tag"], variants["untag"], variants["repo_done"]
    committed, _ = hub.request(
        call(first[0], first[1], work="one"),
        call(failing[0], failing[1], work="two", fail=True),
        call(last[0], last[1], work="three"),
        multicall=True)
    assert committed
    assert koji_work(db) == ["one", "three"]
    topics = [m[0].routing_key.split("kfmtest.")[1] for m in broker.get(2)]
    assert topics == ["buildsys.tag", "buildsys.repo.done"]
    assert broker.drain_all() == []


def test_missing_outbox_table_never_breaks_koji(hub, db, broker, caplog):
    with psycopg2.connect(db) as cnx, cnx.cursor() as cursor:
        cursor.execute("DROP TABLE fedoramessaging_outbox")
    cbtype, kws, _topic = events.variants()["tag"]
    with caplog.at_level(logging.ERROR, logger="koji.plugin.fedoramessaging"):
        committed, _ = hub.request(call(cbtype, kws, work="tagged"),
                                   call(None, work="after our failure"))
    assert committed
    # Koji's statements before and after our failed INSERT both committed.
    assert koji_work(db) == ["tagged", "after our failure"]
    assert "postTag: cannot write the message to the outbox" in caplog.text
    assert broker.drain_all() == []


def test_unbuildable_event_is_a_dead_letter_and_koji_goes_on(hub, db, broker):
    committed, _ = hub.request(
        call("postTag", {"tag": "not a dict", "build": None, "user": None}, work="a"),
        call(*events.variants()["untag"][:2], work="b"))
    assert committed
    assert koji_work(db) == ["a", "b"]
    rows = outbox_rows(db)
    assert len(rows) == 1 and rows[0][2] is True and "argument 'tag'" in rows[0][3]
    assert [m[0].routing_key.rsplit(".", 1)[1] for m in broker.get(1)] == ["untag"]


def test_each_request_publishes_its_messages_in_order(hub, db, broker):
    variants = events.variants()
    names = ["build_started", "task_scratch_created", "tag", "pkglist_add", "repo_init",
             "repo_done", "rpm_sign", "build_complete", "untag", "build_promote"]
    hub.request(*[call(*variants[name][:2]) for name in names])
    got = broker.get(len(names))
    assert [m[0].routing_key.split("kfmtest.")[1] for m in got] == [
        variants[name][2] for name in names]
    assert outbox_rows(db) == []
