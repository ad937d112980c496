# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``koji-fedoramessaging`` admin command."""

import json
import os
import signal
import socket
import sys

import click

from . import config as plugin_config

_CONF_HELP = "Plugin config file [default: $KOJI_FEDORAMESSAGING_CONF or " \
             f"{plugin_config.DEFAULT_PATH}]"


class Context:
    def __init__(self, conf, dsn):
        self.conf_path = conf
        self.dsn_option = dsn
        self._settings = None

    @property
    def settings(self):
        if self._settings is None:
            try:
                self._settings = plugin_config.load(self.conf_path)
            except plugin_config.ConfigError as exc:
                raise click.ClickException(str(exc)) from None
        return self._settings

    def dsn(self):
        try:
            return plugin_config.database_dsn(self.dsn_option)
        except plugin_config.ConfigError as exc:
            raise click.ClickException(str(exc)) from None

    def connect(self):
        import psycopg2

        dsn = self.dsn()
        try:
            return psycopg2.connect(dsn, connect_timeout=10)
        except psycopg2.Error as exc:
            raise click.ClickException(f"cannot connect to the database ({dsn!r}): "
                                       f"{str(exc).strip()}") from None

    def outbox(self):
        from .outbox import Outbox

        return Outbox(self.settings.table)


pass_ctx = click.make_pass_decorator(Context)


@click.group()
@click.option("--config", "conf", metavar="PATH", help=_CONF_HELP)
@click.option("--dsn", help="libpq connection string of Koji's database "
              "[default: $KOJI_FEDORAMESSAGING_DSN, else the DB* settings of hub.conf]")
@click.pass_context
def main(ctx, conf, dsn):
    """Check, watch, drain and repair the koji-fedoramessaging outbox.

    AMQP settings come from fedora-messaging's config file ($FEDORA_MESSAGING_CONF).
    """
    ctx.obj = Context(conf, dsn)


def _init_db(ctx, verb):
    from .outbox import init_db

    cnx = ctx.connect()
    try:
        before, after = init_db(cnx, ctx.settings.table)
    finally:
        cnx.close()
    if before is None:
        click.echo(f"created outbox table {ctx.settings.table} at version {after}")
    elif before == after:
        click.echo(f"outbox table {ctx.settings.table} is already at version {after}")
    else:
        click.echo(f"{verb} outbox table {ctx.settings.table} from version {before} to {after}")


@main.command("init-db")
@pass_ctx
def init_db_cmd(ctx):
    """Create the outbox table (safe to run again)."""
    _init_db(ctx, "upgraded")


@main.command("upgrade-db")
@pass_ctx
def upgrade_db_cmd(ctx):
    """Upgrade the outbox table to this version's schema."""
    _init_db(ctx, "upgraded")


@main.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_ctx
def status(ctx, as_json):
    """Backlog, oldest unsent message, dead letters, last publish, drain lock holder."""
    from .outbox import OutboxError

    cnx = ctx.connect()
    try:
        with cnx.cursor() as cursor:
            outbox = ctx.outbox()
            try:
                outbox.check(cursor)
            except OutboxError as exc:
                raise click.ClickException(str(exc)) from None
            info = outbox.status(cursor)
    finally:
        cnx.close()
    if as_json:
        click.echo(json.dumps(info, indent=2, sort_keys=True))
        return
    age = info["oldest_unsent_age_seconds"]
    holder = info["lock_holder"]
    click.echo(f"outbox table:      {info['table']}")
    click.echo(f"backlog:           {info['backlog']} message(s)")
    click.echo(f"oldest unsent:     {'-' if age is None else f'{age:.1f} s ago'}")
    click.echo(f"dead letters:      {info['dead_letters']}")
    click.echo(f"last publish:      {info['last_publish'] or 'never'}")
    click.echo(f"kept sent:         {info['sent_kept']} message(s)")
    click.echo("drain lock holder: " + ("none" if holder is None else
               f"pid {holder['pid']} {holder['application'] or ''} "
               f"{holder['client'] or 'local'} since {holder['since']}"))


@main.command()
@click.option("--follow", is_flag=True, help="Keep running: drain whenever messages arrive.")
@click.option("--batch", type=click.IntRange(1), help="Rows per batch [default: config].")
@pass_ctx
def drain(ctx, follow, batch):
    """Publish the backlog in order, with broker confirms."""
    from .delivery import Drainer

    settings = ctx.settings
    with _cursor(ctx):  # fail early and clearly: database unreachable, table missing or old
        pass
    name = f"koji-fedoramessaging drain {socket.gethostname()} {os.getpid()}"
    drainer = Drainer(ctx.connect, settings, name=name)
    stopping = []
    if follow:
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stopping.append(True))
    bar = None
    if not follow and sys.stdout.isatty():
        with drainer._connection().cursor() as cursor:
            backlog = drainer.outbox.status(cursor)["backlog"]
        drainer.cnx.rollback()
        if backlog > (batch or settings.batch_size):
            bar = click.progressbar(length=backlog, label="draining")
            bar.__enter__()
    published = []

    def progress(count):
        published.append(count)
        if bar is not None:
            bar.update(count)

    try:
        if follow:
            click.echo(f"draining {settings.table}; waiting for messages (Ctrl-C to stop)")
            drainer.follow(lambda: bool(stopping), batch, progress)
            error = None
        else:
            _total, error = drainer.drain(batch, progress)
    finally:
        if bar is not None:
            bar.__exit__(None, None, None)
        drainer.close()
    click.echo(f"published {sum(published)} message(s)")
    if error:
        raise click.ClickException(f"stopped: {error}")


@main.group("dead-letters")
def dead_letters():
    """List, show, retry or purge messages that could not be published."""


@dead_letters.command("list")
@pass_ctx
def dl_list(ctx):
    """One line per dead letter: id, topic, attempts, reason."""
    with _cursor(ctx) as (_cnx, cursor):
        rows = ctx.outbox().dead_letters(cursor)
    for row in rows:
        click.echo(f"{row['id']}\t{row['topic']}\t{row['attempts']}\t{row['dead_since']}\t"
                   f"{row['last_error']}")
    if not rows:
        click.echo("no dead letters")


@dead_letters.command("show")
@click.argument("row_id", type=int)
@pass_ctx
def dl_show(ctx, row_id):
    """Everything stored for one dead letter."""
    with _cursor(ctx) as (_cnx, cursor):
        rows = ctx.outbox().dead_letters(cursor, [row_id])
    if not rows:
        raise click.ClickException(f"no dead letter with id {row_id}")
    row = rows[0]
    for key in ("id", "message_id", "topic", "attempts", "created", "dead_since", "last_error"):
        click.echo(f"{key}: {row[key]}")
    click.echo("headers: " + row["headers"])
    click.echo("body: " + row["body"])


@dead_letters.command("retry")
@click.argument("row_ids", type=int, nargs=-1)
@pass_ctx
def dl_retry(ctx, row_ids):
    """Queue dead letters again (all, or the given ids). Messages that still do not validate
    under their class stay dead."""
    from .wire import revalidate

    outbox = ctx.outbox()
    with _cursor(ctx) as (cnx, cursor):
        rows = outbox.dead_letters(cursor, list(row_ids) or None)
        revive, refused = [], []
        for row in rows:
            problem = revalidate(row)
            (refused.append((row["id"], problem)) if problem else revive.append(row["id"]))
        count = outbox.revive(cursor, revive) if revive else 0
        cnx.commit()
    for row_id, problem in refused:
        click.echo(f"{row_id}: still invalid, kept as a dead letter: {problem}")
    click.echo(f"queued {count} dead letter(s) again")
    if row_ids and (refused or len(rows) < len(row_ids)):
        raise click.ClickException("some dead letters were not queued again")


@dead_letters.command("purge")
@click.argument("row_ids", type=int, nargs=-1)
@click.option("--all", "purge_all", is_flag=True, help="Purge every dead letter.")
@pass_ctx
def dl_purge(ctx, row_ids, purge_all):
    """Delete dead letters for good (the given ids, or --all)."""
    if not row_ids and not purge_all:
        raise click.UsageError("give dead letter ids, or --all")
    with _cursor(ctx) as (cnx, cursor):
        count = ctx.outbox().purge(cursor, list(row_ids) or None)
        cnx.commit()
    click.echo(f"purged {count} dead letter(s)")


class _cursor:
    def __init__(self, ctx):
        self.ctx = ctx

    def __enter__(self):
        from .outbox import OutboxError

        self.cnx = self.ctx.connect()
        cursor = self.cnx.cursor()
        try:
            self.ctx.outbox().check(cursor)
        except OutboxError as exc:
            self.cnx.close()
            raise click.ClickException(str(exc)) from None
        return self.cnx, cursor

    def __exit__(self, *exc):
        self.cnx.close()


@main.command()
@click.argument("event", type=click.File("r"), default="-")
@pass_ctx
def preview(ctx, event):
    """Render the exact wire message for an event, without database or broker.

    EVENT is a JSON file (or - for stdin): {"callback": "postTag", "kwargs": {...},
    "lookups": {"users": {"1": "alice"}, "hosts": {}, "tasks": {}, "children": {},
    "results": {}}, "environ": {"SERVER_NAME": "koji.example.org"}}.
    """
    from .preview import render

    try:
        data = json.load(event)
    except ValueError as exc:
        raise click.ClickException(f"the event is not JSON: {exc}") from None
    try:
        click.echo(json.dumps(render(data, ctx.settings), indent=2, sort_keys=True))
    except ValueError as exc:
        raise click.ClickException(str(exc)) from None


@main.command()
@pass_ctx
def demo(ctx):
    """Run the plugin end to end on the local database and broker, then clean up.

    Uses --dsn (or the hub's database) when given, else PostgreSQL on 127.0.0.1 as
    'postgres'; the broker comes from fedora-messaging's config (localhost by default).
    """
    from . import demo as demo_module

    explicit = ctx.dsn_option or os.environ.get("KOJI_FEDORAMESSAGING_DSN") or os.path.exists(
        os.environ.get("KOJI_HUB_CONF", plugin_config.HUB_CONF))
    dsn = ctx.dsn() if explicit else "host=127.0.0.1 user=postgres dbname=postgres"
    try:
        count = demo_module.run(dsn, click.echo)
    except Exception as exc:
        raise click.ClickException(f"demo failed: {exc}") from exc
    if count != 2:
        raise click.ClickException(f"expected 2 messages, received {count}")


@main.command()
@pass_ctx
def check(ctx):
    """Check config, database, outbox table, broker and TLS files; exit 1 on any problem."""
    from .checks import run_checks

    problems = run_checks(ctx)
    for line in problems:
        click.echo(f"PROBLEM: {line}", err=True)
    if problems:
        sys.exit(1)
    click.echo("all checks passed")



if __name__ == "__main__":
    main()
