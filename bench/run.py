# SPDX-License-Identifier: GPL-3.0-or-later
"""Benchmarks against the local PostgreSQL and RabbitMQ; results go to bench/RESULTS.md.

Every figure is a median over --repeat runs with min and max, next to a baseline measured in
the same run. Not tests: nothing here passes or fails on timing.

    python -m bench.run [--quick]
"""

import argparse
import datetime
import functools
import gc
import importlib.metadata
import io
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import time
import uuid

import koji.plugin
import pika
import psycopg2
from pika.adapters.select_connection import IOLoop

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)

from tests import kojihub_double  # noqa: E402

kojihub_double.install()

AMQP_URL = os.environ.get("KFM_TEST_AMQP_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
PG_ADMIN = os.environ.get("KFM_TEST_PG_DSN", "host=127.0.0.1 port=5432 user=postgres "
                          "dbname=postgres")
PREFIX = "org.fedoraproject.kfmbench"
TMP = f"/tmp/kfm-bench-{os.getpid()}"
os.makedirs(TMP, exist_ok=True)
with open(f"{TMP}/fm.toml", "w") as fh:
    fh.write(f'amqp_url = "{AMQP_URL}"\ntopic_prefix = "{PREFIX}"\n')
os.environ["FEDORA_MESSAGING_CONF"] = f"{TMP}/fm.toml"
os.environ["KOJI_FEDORAMESSAGING_CONF"] = f"{TMP}/none.conf"

from fedora_messaging import config as fm_config  # noqa: E402

fm_config.conf.load_config(f"{TMP}/fm.toml")

from koji_fedoramessaging import bodies, config, hubsim, lookups, outbox, plugin, wire  # noqa
from koji_fedoramessaging.delivery import Drainer, HubSender  # noqa: E402
from koji_fedoramessaging.publisher import Publisher, connection_parameters  # noqa: E402
from tests import events  # noqa: E402
from tests.dbsetup import reset_outbox  # noqa: E402
from tests.tcpproxy import TcpProxy  # noqa: E402

RESULTS = []


def pct(values, q):
    values = sorted(values)
    return values[min(len(values) - 1, int(round(q / 100 * (len(values) - 1))))]


def summary(runs):
    """median [min .. max] of one figure over the repeated runs."""
    return statistics.median(runs), min(runs), max(runs)


def fmt(runs, unit="", digits=2):
    med, lo, hi = summary(runs)
    return f"{med:.{digits}f}{unit} [{lo:.{digits}f} .. {hi:.{digits}f}]"


def record(section, rows, note=""):
    RESULTS.append((section, rows, note))
    print(f"\n## {section}")
    for row in rows:
        print("  " + " | ".join(str(c) for c in row))
    if note:
        print("  " + note)


class Database:
    """A database of its own for the run (or an existing one, given its DSN)."""

    def __init__(self, dsn=None):
        if dsn:
            self.name, self.dsn = None, dsn
            return
        self.name = f"kfm_bench_{uuid.uuid4().hex[:8]}"
        admin = psycopg2.connect(PG_ADMIN)
        admin.autocommit = True
        admin.cursor().execute(f"CREATE DATABASE {self.name}")
        admin.close()
        self.dsn = PG_ADMIN.replace("dbname=postgres", f"dbname={self.name}")

    def reset(self):
        reset_outbox(self.dsn)

    def drop(self):
        admin = psycopg2.connect(PG_ADMIN)
        admin.autocommit = True
        admin.cursor().execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                               "datname = %s AND pid <> pg_backend_pid()", (self.name,))
        admin.cursor().execute(f"DROP DATABASE IF EXISTS {self.name}")
        admin.close()


class Sink:
    """A queue bound to the bench topics, purged on demand, so the broker really routes."""

    def __init__(self):
        self.connection = pika.BlockingConnection(pika.URLParameters(AMQP_URL))
        self.channel = self.connection.channel()
        self.name = f"kfm-bench-{uuid.uuid4().hex[:8]}"
        self.channel.queue_declare(self.name, exclusive=True, auto_delete=True)
        self.channel.queue_bind(self.name, "amq.topic", routing_key=f"{PREFIX}.#")

    def count(self):
        return self.channel.queue_declare(self.name, passive=True).method.message_count

    def purge(self):
        self.channel.queue_purge(self.name)

    def ids_in_order(self):
        ids = []
        while True:
            method, props, body = self.channel.basic_get(self.name, auto_ack=True)
            if method is None:
                return ids
            ids.append((props.message_id, json.loads(body).get("build_id")))

    def close(self):
        self.connection.close()


# -- hub overhead ----------------------------------------------------------------------------


def tag_handler(i, work=True):
    cbtype, kws, _topic = events.variants_cache["tag"]
    kws = dict(kws, build=dict(kws["build"], id=i))

    def handler(cnx):
        if work:
            cnx.cursor().execute("INSERT INTO koji_work (what) VALUES ('tag')")
        koji.plugin.run_callbacks(cbtype, **kws)
    return handler


def set_plugin(enabled):
    for handlers in koji.plugin.callbacks.values():
        handlers.clear()
    if enabled:
        hubsim.register_plugin(plugin)


def hub_latencies(db, requests, events_per_request, enabled):
    set_plugin(enabled)
    hub = hubsim.Hub(psycopg2.connect(db.dsn))
    times = []
    for i in range(requests):
        handlers = [tag_handler(i * 100 + j) for j in range(events_per_request)]
        times.append(hub.request(*handlers)[1])
    hub.close()
    return times


def bench_hub_overhead(db, repeat, requests):
    rows = [("events/request", "plugin off p50 ms", "plugin on p50 ms", "added p50 ms",
             "plugin off p99 ms", "plugin on p99 ms", "added p99 ms")]
    settings = config.defaults().replace(budget=0.25)
    for per_request in (1, 10):
        added50, added99, off50, on50, off99, on99 = [], [], [], [], [], []
        for _ in range(repeat):
            db.reset()
            plugin.configure(settings)
            hub_latencies(db, 50, per_request, True)  # warm-up: connection, caches
            off = hub_latencies(db, requests, per_request, False)
            on = hub_latencies(db, requests, per_request, True)
            plugin.SENDER.close()
            off50.append(pct(off, 50) * 1000)
            on50.append(pct(on, 50) * 1000)
            off99.append(pct(off, 99) * 1000)
            on99.append(pct(on, 99) * 1000)
            added50.append(on50[-1] - off50[-1])
            added99.append(on99[-1] - off99[-1])
        rows.append((per_request, fmt(off50), fmt(on50), fmt(added50), fmt(off99), fmt(on99),
                     fmt(added99)))
    record("Hub overhead, broker up", rows,
           f"{requests} requests per run, each a real transaction (one INSERT of Koji's own "
           "per event) with the plugin off (no callbacks registered) and on (outbox write, "
           "publish with confirms in postCommit). Targets for 1 event: added p50 <= 1 ms, "
           "p99 <= 3 ms.")


def bench_hub_outage(db, repeat, requests):
    rows = [("broker", "first request ms", "plugin off p99 ms", "on p99 ms (after first)",
             "added p99 ms")]
    budget = 0.25
    for mode in ("cut", "blackhole"):
        first, off99, on99, added = [], [], [], []
        for _ in range(repeat):
            db.reset()
            proxy = TcpProxy()
            settings = config.defaults().replace(budget=budget, backoff_min=2, backoff_max=60)
            sender = HubSender(settings, publisher_factory=lambda p=proxy: Publisher(
                params_factory=functools.partial(connection_parameters, amqp_url=p.url)))
            plugin.configure(settings, sender)
            hub_latencies(db, 20, 1, True)  # connected and publishing
            getattr(proxy, mode)()
            on = hub_latencies(db, requests, 1, True)
            off = hub_latencies(db, requests, 1, False)
            proxy.close()
            first.append(on[0] * 1000)
            off99.append(pct(off, 99) * 1000)
            on99.append(pct(on[1:], 99) * 1000)
            added.append(on99[-1] - off99[-1])
            plugin.SENDER.close()
        rows.append((mode, fmt(first), fmt(off99), fmt(on99), fmt(added)))
    record("Hub overhead, broker cut or black-holed", rows,
           f"Budget {budget * 1000:.0f} ms, backoff 2 s doubling. {requests} requests of one "
           "event after the fault, through a TCP proxy the benchmark controls. Targets: first "
           "request <= budget, added p99 after it <= 5 ms.")


# -- drain -----------------------------------------------------------------------------------


def fill(db, count, body_size=2048):
    """``count`` outbox rows of ~``body_size`` bytes, via COPY (fast) from one envelope."""
    settings = config.defaults()
    env = bodies.Env(settings=settings, base_url="https://koji.example.org",
                     files_base_url="https://koji.example.org/work", lookups=lookups)
    cbtype, kws, _topic = events.variants_cache["tag"]
    padding = "x" * max(0, body_size - 400)
    cnx = psycopg2.connect(db.dsn)
    buf = io.StringIO()
    for i in range(1, count + 1):
        build = dict(kws["build"], id=i, release=f"1.fc41.{padding}")
        topic, body = bodies.build_body(cbtype, dict(kws, build=build), env)
        envelope = wire.make_envelope(topic, body)
        fields = [envelope.message_id, topic, envelope.routing_key, envelope.schema_name,
                  json.dumps(envelope.headers), str(envelope.priority), envelope.body]
        buf.write("\t".join(f.replace("\\", "\\\\").replace("\t", "\\t") for f in fields))
        buf.write("\n")
    buf.seek(0)
    with cnx.cursor() as cursor:
        cursor.copy_from(buf, "fedoramessaging_outbox", columns=(
            "message_id", "topic", "routing_key", "schema_name", "headers", "priority", "body"))
    cnx.commit()
    cnx.close()


def ceiling(messages, window=1000):
    """The same wire messages (headers, properties, body) as the drainer sends, published
    with raw pika SelectConnection, pipelined with confirms, no database: the fastest this
    machine's Python publishes them."""
    count = len(messages)
    state = {"sent": 0, "acked": 0}
    ioloop = IOLoop()

    def refill(channel):
        while state["sent"] < count and state["sent"] - state["acked"] < window:
            message = messages[state["sent"]]
            channel.basic_publish("amq.topic", message.routing_key, message.body,
                                  message.properties)
            state["sent"] += 1

    def on_ack(frame):
        state["acked"] = max(state["acked"], frame.method.delivery_tag)
        if state["acked"] >= count:
            ioloop.stop()
        else:
            refill(state["channel"])

    def on_channel(channel):
        state["channel"] = channel
        channel.confirm_delivery(on_ack, callback=lambda _f: start())

    def start():
        state["t0"] = time.perf_counter()
        refill(state["channel"])

    connection = pika.SelectConnection(
        pika.URLParameters(AMQP_URL), custom_ioloop=ioloop,
        on_open_callback=lambda c: c.channel(on_open_callback=on_channel),
        on_close_callback=lambda *_: ioloop.stop())
    ioloop.start()
    elapsed = time.perf_counter() - state["t0"]
    connection.close()
    ioloop.start()  # until the close completes
    ioloop.close()
    return count / elapsed


def load_wire_messages(db):
    with psycopg2.connect(db.dsn) as cnx, cnx.cursor() as cursor:
        cursor.execute("SELECT id, message_id, routing_key, headers, priority, body FROM "
                       "fedoramessaging_outbox ORDER BY id")
        return [wire.to_wire(row) for row in cursor.fetchall()]


def fm_api_rate(count, body):
    from fedora_messaging import api
    from fedora_messaging.message import Message

    t0 = time.perf_counter()
    for _ in range(count):
        api.publish(Message(topic="ceiling.api", body=body))
    return count / (time.perf_counter() - t0)


def bench_drain(db, repeat, rows_count, sink):
    settings = config.defaults()
    drain_rates, ceilings, wide_ceilings = [], [], []
    for _ in range(repeat):
        db.reset()
        fill(db, rows_count)
        messages = load_wire_messages(db)
        sink.purge()
        ceilings.append(ceiling(messages))
        sink.purge()
        wide_ceilings.append(ceiling(messages, window=settings.window))
        sink.purge()
        drainer = Drainer(lambda: psycopg2.connect(db.dsn), settings)
        t0 = time.perf_counter()
        published, error = drainer.drain()
        elapsed = time.perf_counter() - t0
        drainer.close()
        assert error is None and published == rows_count, (published, error)
        drain_rates.append(rows_count / elapsed)
        sink.purge()
    api_rate = fm_api_rate(1000, {"x": "y" * 2000})
    sink.purge()
    ratios = [d / c * 100 for d, c in zip(drain_rates, ceilings)]
    size = len(messages[0].body)
    record("Drain", [
        ("what", "messages/s"),
        (f"drainer: {rows_count} outbox rows -> broker (confirms) -> deleted", fmt(
            drain_rates, digits=0)),
        ("ceiling: the same messages, raw pika SelectConnection, window 1000, confirms, no DB",
         fmt(ceilings, digits=0)),
        ("drainer / ceiling", fmt(ratios, "%", 0)),
        (f"ceiling with the drainer's window ({settings.window})", fmt(wide_ceilings, digits=0)),
        ("drainer / that ceiling", fmt([d / c * 100 for d, c in zip(drain_rates, wide_ceilings)],
                                       "%", 0)),
        ("reference: fedora_messaging.api.publish, one at a time (1 run, 1000 msgs)",
         f"{api_rate:.0f}"),
    ], f"Bodies of {size} bytes with fedora-messaging's usual headers; drainer defaults "
       f"(batch {settings.batch_size}, window {settings.window}). Targets: >= 10,000 msg/s "
       "and >= 70% of the ceiling.")


def bench_two_drainers(db, rows_count, sink):
    db.reset()
    fill(db, rows_count)
    sink.purge()
    env = dict(os.environ, PYTHONPATH=REPO)
    command = [sys.executable, "-m", "koji_fedoramessaging.cli", "--dsn", db.dsn, "drain"]
    t0 = time.perf_counter()
    procs = [subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
             for _ in range(2)]
    outs = [p.communicate()[0] for p in procs]
    elapsed = time.perf_counter() - t0
    counts = [int(o.split("published ")[1].split()[0]) for o in outs]
    time.sleep(0.5)
    got = sink.ids_in_order()
    ids = [m for m, _b in got]
    order = [b for _m, b in got]
    record("Scale out: two drainers over one backlog", [
        ("rows", "drainer A", "drainer B", "wall s (incl. start-up)", "msg/s", "received",
         "duplicates", "in order"),
        (rows_count, counts[0], counts[1], f"{elapsed:.2f}", f"{rows_count / elapsed:.0f}",
         len(ids), len(ids) - len(set(ids)), order == sorted(order)),
    ], "Both drainers run `koji-fedoramessaging drain` at once; they share the publish lock, "
       "so throughput is one drainer's (the second is a hot standby), order holds and no row "
       "is published twice.")


# -- bodies and memory -----------------------------------------------------------------------


def bench_bodies(db, repeat):
    settings = config.defaults()
    env = bodies.Env(settings=settings, base_url="https://koji.example.org",
                     files_base_url="https://koji.example.org/work", lookups=lookups)
    cnx = psycopg2.connect(db.dsn)
    box = outbox.Outbox(settings.table)

    def one(cbtype, kws):
        t0 = time.perf_counter()
        topic, body = bodies.build_body(cbtype, kws, env)
        envelope = wire.make_envelope(topic, body)
        with cnx.cursor() as cursor:
            box.insert(cursor, envelope)
        return time.perf_counter() - t0, len(envelope.body)

    def tree(children):
        cbtype, kws, _ = events.variants()["build_complete"]  # resets the kojihub double
        for i in range(children):
            kojihub_double.add_task(events.task_info(5100 + i, "buildArch", 2, parent=5000,
                                                     host_id=7, arch="x86_64"),
                                    result={"rpms": [f"tasks/{i}/{i}/pkg-{i}.x86_64.rpm"],
                                            "srpms": [], "logs": [f"tasks/{i}/build.log"],
                                            "brootid": i})
        return cbtype, kws

    db.reset()
    rows = [("body", "median ms [min .. max of run medians]", "p99 ms", "size bytes")]
    for label, children in (("build.state.change, task with 10 children", 7),
                            ("build.state.change, task with 1,000 children", 997)):
        cbtype, kws = tree(children)  # the tree already has 3 children
        medians, p99s = [], []
        for _ in range(repeat):
            times = [one(cbtype, kws)[0] for _ in range(200 if children < 100 else 20)]
            medians.append(pct(times, 50) * 1000)
            p99s.append(pct(times, 99) * 1000)
        size = one(cbtype, kws)[1]
        rows.append((label, fmt(medians), fmt(p99s), size))
    events.install_lookups()
    cbtype, kws, _ = events.variants()["rpm_sign"]
    big = dict(kws, build=dict(kws["build"], extra={"blob": "z" * 1_000_000}))
    medians = []
    for _ in range(repeat):
        medians.append(statistics.median([one(cbtype, big)[0] for _ in range(10)]) * 1000)
    size = one(cbtype, big)[1]
    rows.append(("rpm.sign with a 1 MB extra (fits the default max_body_size of 1 MiB)",
                 fmt(medians), "", size))
    cnx.rollback()
    cnx.close()
    record("Bodies: build + validate + outbox INSERT", rows,
           "Target: typical build.state.change (10 children) <= 2 ms p50.")


def rss_kb():
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def measure_memory(db, total):
    """Run ``total`` events through a hub-like process; return RSS after warm-up and at end."""
    db.reset()
    plugin.configure(config.defaults().replace(budget=0.25))
    set_plugin(True)
    hub = hubsim.Hub(psycopg2.connect(db.dsn))
    per_request = 10
    warm = 2000
    start = None
    for i in range(total // per_request):
        hub.request(*[tag_handler(i * per_request + j, work=False) for j in range(per_request)])
        if start is None and i * per_request >= warm:
            gc.collect()
            start = rss_kb()
    gc.collect()
    end = rss_kb()
    hub.close()
    plugin.SENDER.close()
    return {"warm": warm, "start": start, "end": end}


def bench_memory(db, total):
    """In a fresh process, so that RSS is that of a hub process and not of this one."""
    proc = subprocess.run([sys.executable, "-m", "bench.run", "--memory-only", db.dsn,
                           str(total)], capture_output=True, text=True, cwd=REPO,
                          env=dict(os.environ, PYTHONPATH=REPO))
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    record("Memory: hub-like process", [
        ("events handled", "RSS after warm-up KB", "RSS at end KB", "growth KB"),
        (total, data["start"], data["end"], data["end"] - data["start"])],
        f"A fresh process: warm-up {data['warm']} events, then {total - data['warm']} more "
        "through the real callbacks with the broker up (10 per request). Target: growth <= "
        "5 MB.")


def write_results(args, started):
    versions = {name: importlib.metadata.version(name) for name in (
        "koji", "fedora-messaging", "pika", "psycopg2-binary" if _has("psycopg2-binary")
        else "psycopg2", "jsonschema")}
    with psycopg2.connect(PG_ADMIN) as cnx, cnx.cursor() as cursor:
        cursor.execute("SHOW server_version")
        pg = cursor.fetchone()[0]
    rabbit = subprocess.run(["rabbitmqctl", "-q", "version"], capture_output=True,
                            text=True).stdout.strip()
    lines = [
        "# Benchmark results", "",
        f"Command: `{' '.join(['python -m bench.run'] + sys.argv[1:])}` (`tox -e bench`), "
        f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC, "
        f"{time.monotonic() - started:.0f} s.", "",
        f"Machine: {platform.machine()}, {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
        f"Python {platform.python_version()}, PostgreSQL {pg}, RabbitMQ {rabbit}, both on "
        "localhost.", "",
        "Versions: " + ", ".join(f"{k} {v}" for k, v in versions.items()) + ".", "",
        f"Each figure: median [min .. max] over {args.repeat} runs, baseline measured in the "
        "same run.", "",
    ]
    for section, rows, note in RESULTS:
        lines.append(f"## {section}")
        lines.append("")
        lines.append("| " + " | ".join(str(c) for c in rows[0]) + " |")
        lines.append("|" + "---|" * len(rows[0]))
        for row in rows[1:]:
            lines.append("| " + " | ".join(str(c) for c in row) + " |")
        lines.append("")
        if note:
            lines.append(note)
            lines.append("")
    with open(os.path.join(HERE, "RESULTS.md"), "w") as fh:
        fh.write("\n".join(lines))


def _has(dist):
    try:
        importlib.metadata.version(dist)
        return True
    except importlib.metadata.PackageNotFoundError:
        return False


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--drain-rows", type=int, default=100_000)
    parser.add_argument("--memory-events", type=int, default=100_000)
    parser.add_argument("--quick", action="store_true", help="small sizes, for a smoke run")
    parser.add_argument("--memory-only", nargs=2, metavar=("DSN", "EVENTS"),
                        help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.memory_only:
        events.variants_cache = events.variants()
        db = Database(dsn=args.memory_only[0])
        print(json.dumps(measure_memory(db, int(args.memory_only[1]))))
        return
    if args.quick:
        args.repeat, args.requests, args.drain_rows, args.memory_events = 2, 200, 5000, 5000
    started = time.monotonic()
    events.variants_cache = events.variants()
    db = Database()
    sink = Sink()
    try:
        bench_hub_overhead(db, args.repeat, args.requests)
        bench_hub_outage(db, args.repeat, args.requests)
        bench_bodies(db, args.repeat)
        bench_drain(db, args.repeat, args.drain_rows, sink)
        bench_two_drainers(db, args.drain_rows, sink)
        bench_memory(db, args.memory_events)
    finally:
        sink.close()
        db.drop()
    write_results(args, started)


if __name__ == "__main__":
    main()
