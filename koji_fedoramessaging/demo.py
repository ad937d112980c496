# SPDX-License-Identifier: GPL-3.0-or-later
"""``koji-fedoramessaging demo``: the plugin's main job, end to end, on local services.

It creates a throwaway schema in the configured PostgreSQL database with an outbox in it,
drives the real plugin callbacks through three Koji-shaped requests (a build completing, a
tag, a request that fails and rolls back), publishes through the configured broker, consumes
the messages back, prints them, and drops everything it created.
"""

import datetime
import json
import time
import uuid

import koji
import pika
import psycopg2
from fedora_messaging import config as fm_config

from . import config, hubsim, outbox, plugin, wire
from .delivery import Drainer
from .preview import OfflineLookups
from .publisher import connection_parameters

T0 = datetime.datetime(2026, 11, 27, 9, 0, tzinfo=datetime.timezone.utc)
SCM = "git+https://src.fedoraproject.org/rpms/bash.git#2c8e1f0"
_TASKS = {
    "9001": {"id": 9001, "method": "build", "arch": "noarch", "state": 2, "owner": 1,
             "host_id": None, "parent": None, "create_time": T0.isoformat(),
             "completion_time": (T0 + datetime.timedelta(minutes=14)).isoformat(),
             "request": [SCM, "f44-candidate", {}]},
}
_CHILDREN = {"9001": [
    {"id": 9002, "method": "buildSRPMFromSCM", "arch": "noarch", "state": 2, "owner": 1,
     "host_id": 7, "parent": 9001},
    {"id": 9003, "method": "buildArch", "arch": "x86_64", "state": 2, "owner": 1,
     "host_id": 7, "parent": 9001},
]}
_RESULTS = {"9003": {"rpms": ["tasks/9003/9003/bash-5.3.0-1.fc44.x86_64.rpm"],
                     "srpms": [], "logs": ["tasks/9003/9003/build.log"], "brootid": 1}}
LOOKUPS = {"users": {"1": "kdudka", "2": "bodhi"}, "hosts": {"7": "buildvm-x86-07"},
           "tasks": _TASKS, "children": _CHILDREN, "results": _RESULTS}
BUILD = {"id": 4242, "name": "bash", "version": "5.3.0", "release": "1.fc44", "epoch": None,
         "task_id": 9001, "owner_id": 1, "owner_name": "kdudka", "state": 1,
         "creation_time": T0, "completion_time": T0 + datetime.timedelta(minutes=15),
         "nvr": "bash-5.3.0-1.fc44", "source": SCM, "extra": None}


def _fire(cbtype, **kws):
    def handler(_cnx):
        koji.plugin.run_callbacks(cbtype, **kws)
    return handler


def _fail(_cnx):
    raise RuntimeError("this Koji call fails after its callback: Koji rolls it back")


def run(dsn, echo):
    """Run the demo; ``echo`` prints a line. Returns the number of messages received."""
    schema = f"kfm_demo_{uuid.uuid4().hex[:8]}"
    settings = config.defaults().replace(table=f"{schema}.outbox", budget=2.0)
    admin = psycopg2.connect(dsn)
    params = connection_parameters(timeout=10)
    broker = pika.BlockingConnection(params)
    channel = broker.channel()
    queue = channel.queue_declare("", exclusive=True, auto_delete=True).method.queue
    prefix = fm_config.conf["topic_prefix"]
    binding = f"{prefix.rstrip('.')}.buildsys.#" if prefix else "buildsys.#"
    channel.queue_bind(queue, fm_config.conf["publish_exchange"], routing_key=binding)
    try:
        with admin.cursor() as cursor:
            cursor.execute(f"CREATE SCHEMA {schema}")
        admin.commit()
        outbox.init_db(admin, settings.table)
        echo(f"outbox {settings.table} created in {admin.dsn}")
        plugin.configure(settings, lookup_source=OfflineLookups(LOOKUPS))
        hubsim.register_plugin(plugin)
        hub = hubsim.Hub(psycopg2.connect(dsn))
        requests = [
            ("a build completes", [_fire("postBuildStateChange", attribute="state", old=0,
                                         new=1, info=BUILD)]),
            ("the build is tagged", [_fire("postTag", tag={"id": 1, "name": "f44-updates"},
                                           build=BUILD, user={"id": 2, "name": "bodhi"})]),
            ("an untag that fails and rolls back", [
                _fire("postUntag", tag={"id": 1, "name": "f44-updates"}, build=BUILD,
                      user={"id": 2, "name": "bodhi"}), _fail]),
        ]
        for label, handlers in requests:
            committed, seconds = hub.request(*handlers)
            echo(f"request: {label}: {'committed' if committed else 'rolled back'} "
                 f"in {seconds * 1000:.1f} ms")
        hub.close()
        drainer = Drainer(lambda: psycopg2.connect(dsn), settings)
        leftover, error = drainer.drain()
        drainer.close()
        if leftover or error:
            echo(f"drainer published {leftover} left-over message(s) {error or ''}")
        received = _consume(channel, queue, expected=2)
        for method, props, body in received:
            topic = method.routing_key[len(prefix.rstrip(".")) + 1:] if prefix else \
                method.routing_key
            schema_name = props.headers.get("fedora_messaging_schema")
            summary = wire.CLASSES[topic](body=json.loads(body)).summary
            echo(f"received {method.routing_key}  [{schema_name}]  {summary}  "
                 f"(id {props.message_id})")
        echo(f"{len(received)} message(s) received; nothing for the rolled-back request")
        return len(received)
    finally:
        admin.rollback()
        with admin.cursor() as cursor:
            cursor.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.commit()
        admin.close()
        broker.close()
        echo(f"cleaned up: schema {schema} dropped, queue deleted")


def _consume(channel, queue, expected, settle=1.0):
    """What arrives within 10 s, waiting ``settle`` s more once ``expected`` are in."""
    got, end = [], time.monotonic() + 10
    while time.monotonic() < end:
        method, props, body = channel.basic_get(queue, auto_ack=True)
        if method is None:
            if len(got) >= expected:
                end = min(end, time.monotonic() + settle)
            channel.connection.sleep(0.05)
            continue
        got.append((method, props, body))
    return got
