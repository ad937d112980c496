# SPDX-License-Identifier: GPL-3.0-or-later
"""The wire format: what our publisher sends from an outbox row is, byte for byte and header
for header, what fedora_messaging.api.publish sends for the same message."""

import json

import psycopg2
from fedora_messaging import api

from koji_fedoramessaging import config, outbox, wire
from koji_fedoramessaging.delivery import Drainer

from . import events
from .hub import Hub, call


def _wire_view(delivery):
    method, props, body = delivery
    return {
        "exchange": method.exchange, "routing_key": method.routing_key, "body": body,
        "content_type": props.content_type, "content_encoding": props.content_encoding,
        "delivery_mode": props.delivery_mode, "message_id": props.message_id,
        "priority": props.priority, "headers": props.headers,
    }


def test_outbox_row_goes_out_exactly_as_fedora_messaging_publishes_it(db, broker):
    variants = events.variants()
    names = ["tag_mass_rebuild", "build_complete", "task_scratch_closed", "rpm_sign_imported",
             "pkglist_block", "repo_done"]
    cnx = psycopg2.connect(db)
    box = outbox.Outbox(config.defaults().table)
    envelopes = []
    with cnx.cursor() as cursor:
        for name in names:
            from koji_fedoramessaging import bodies, lookups

            env = bodies.Env(settings=config.defaults(), base_url="https://koji.example.org",
                             files_base_url="https://koji.example.org/work", lookups=lookups)
            cbtype, kws, _topic = variants[name]
            envelope = wire.make_envelope(*bodies.build_body(cbtype, kws, env))
            box.insert(cursor, envelope)
            envelopes.append(envelope)
    cnx.commit()
    cnx.close()

    for envelope in envelopes:  # the reference: fedora-messaging's own publish
        api.publish(envelope.to_message())
    reference = [_wire_view(d) for d in broker.get(len(names))]

    drainer = Drainer(lambda: psycopg2.connect(db), config.defaults())
    assert drainer.drain()[1] is None
    drainer.close()
    ours = [_wire_view(d) for d in broker.get(len(names))]

    assert len(reference) == len(ours) == len(names)
    assert ours == reference
    for view, envelope in zip(ours, envelopes):
        assert view["routing_key"] == f"org.fedoraproject.kfmtest.{envelope.topic}"
        assert view["headers"]["sent-at"] == envelope.headers["sent-at"]
        assert view["headers"]["fedora_messaging_schema"].startswith("koji_fedoramessaging.")
        assert (view["delivery_mode"], view["content_type"]) == (2, "application/json")
        assert json.loads(view["body"]) == json.loads(envelope.body)


def test_hub_path_sends_the_headers_fixed_at_write_time(db, broker):
    hub = Hub(db)
    cnx = psycopg2.connect(db)
    stored = []

    def after_commit():
        with cnx.cursor() as cursor:
            cursor.execute("SELECT message_id, headers FROM fedoramessaging_outbox")
            stored.extend(cursor.fetchall())
        cnx.rollback()

    hub.request(call(*events.variants()["tag"][:2]), after_commit=after_commit)
    [(method, props, _body)] = broker.get(1)
    message_id, headers = stored[0]
    assert props.message_id == message_id
    assert props.headers == json.loads(headers)
    assert props.headers["fedora_messaging_user_bodhi"] is True
    assert props.headers["fedora_messaging_rpm_python-requests"] is True
    assert props.priority == props.headers["priority"] == 2
    hub.close()
    cnx.close()
