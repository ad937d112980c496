# SPDX-License-Identifier: GPL-3.0-or-later
"""The durable queue: a table in Koji's own PostgreSQL database.

Rows are written in Koji's transaction, so they exist exactly when Koji's work was committed.
Every method takes a DB-API cursor (Koji's cursor wrapper or a psycopg2 cursor) and leaves
transaction control to the caller, except :func:`init_db`.
"""

import json
import re
from importlib import resources

# First half of the two-key advisory lock that serialises publishing ("KF"); the second half
# is a hash of the table name, so two outboxes in one database do not share a lock.
LOCK_CLASS = 0x4B46
SCHEMA_VERSION = 2
_SQL_FILE = re.compile(r"^(\d{3})_.*\.sql$")


class OutboxError(Exception):
    """The outbox table is missing or at a version this code cannot use."""


def sql_files():
    """(version, text) of every DDL file shipped in the package, in order."""
    files = []
    for entry in resources.files("koji_fedoramessaging").joinpath("sql").iterdir():
        match = _SQL_FILE.match(entry.name)
        if match:
            files.append((int(match.group(1)), entry.read_text()))
    return sorted(files)


class Outbox:
    """SQL for one outbox table (``schema.table`` allowed; the name is validated by config)."""

    def __init__(self, table, keep_sent=0.0):
        if not re.match(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)?$", table):
            raise ValueError(f"invalid outbox table name {table!r}")
        self.table = table
        self.keep_sent = keep_sent
        self.state_table = f"{table}_state"
        self.sent_table = f"{table}_sent"
        self.index = table.rsplit(".", 1)[-1]
        self._insert = (
            f"INSERT INTO {table} (message_id, topic, routing_key, schema_name, headers, "
            "priority, body, dead_since, last_error) VALUES (%s, %s, %s, %s, %s, %s, %s, "
            "CASE WHEN %s::text IS NULL THEN NULL ELSE now() END, %s)"
        )
        self._select = (f"SELECT id, message_id, routing_key, headers, priority, body "
                        f"FROM {table} WHERE dead_since IS NULL")

    # -- writing, inside Koji's transaction ---------------------------------------------

    def insert(self, cursor, envelope, dead_reason=None, savepoint=None):
        """Insert one message; ``dead_reason`` stores it as a dead letter.

        With ``savepoint``, the INSERT runs inside that savepoint, in the same round trip to
        the server. When it fails, the caller must ``ROLLBACK TO SAVEPOINT`` it.
        """
        params = (envelope.message_id, envelope.topic, envelope.routing_key,
                  envelope.schema_name, json.dumps(envelope.headers), envelope.priority,
                  envelope.body, dead_reason, dead_reason)
        if savepoint:
            cursor.execute(f"SAVEPOINT {savepoint}; {self._insert}; RELEASE SAVEPOINT "
                           f"{savepoint}", params)
        else:
            cursor.execute(self._insert, params)

    # -- publishing ---------------------------------------------------------------------

    def begin_publish(self, cursor):
        """Start a publishing transaction: take the publish lock without waiting; return
        whether we have it.

        Commits of publishing transactions do not wait for the WAL flush: losing one in a
        crash only means the rows are published again, with the same id and headers.
        """
        cursor.execute("SET LOCAL synchronous_commit TO OFF; "
                       "SELECT pg_try_advisory_xact_lock(%s, hashtext(%s))",
                       (LOCK_CLASS, self.table))
        return bool(cursor.fetchone()[0])

    def lock_session(self, cursor):
        """Take the publish lock for this database session (until unlock_session), without
        waiting; return whether we have it. A drainer holds it for a whole pass."""
        cursor.execute("SELECT pg_try_advisory_lock(%s, hashtext(%s))",
                       (LOCK_CLASS, self.table))
        return bool(cursor.fetchone()[0])

    def unlock_session(self, cursor):
        cursor.execute("SELECT pg_advisory_unlock(%s, hashtext(%s))", (LOCK_CLASS, self.table))

    def claim(self, cursor, message_ids):
        """Start a publishing transaction for ``message_ids`` in one round trip: take the
        publish lock without waiting and, only if we got it, return (oldest pending id,
        the pending rows among ``message_ids`` in id order). ([] when the lock is taken.)

        The rows are read by a statement that starts after the lock was taken, so a drainer
        that has just published them and released the lock cannot be raced.
        """
        cursor.execute(
            "SET LOCAL synchronous_commit TO OFF; "
            "SELECT set_config('koji_fedoramessaging.locked', "
            "pg_try_advisory_xact_lock(%(class)s, hashtext(%(table)s))::text, true); "
            f"SELECT (SELECT id FROM {self.table} WHERE dead_since IS NULL ORDER BY id LIMIT 1) "
            "AS oldest, "
            f"id, message_id, routing_key, headers, priority, body FROM {self.table} "
            "WHERE dead_since IS NULL AND message_id IN %(ids)s "
            "AND current_setting('koji_fedoramessaging.locked') = 'true' ORDER BY id",
            {"class": LOCK_CLASS, "table": self.table, "ids": tuple(message_ids)})
        rows = cursor.fetchall()
        return (rows[0][0] if rows else None), [row[1:] for row in rows]

    def pending(self, cursor, limit=1000, after=0):
        """The next ``limit`` pending rows with an id above ``after``, in id order."""
        cursor.execute(f"{self._select} AND id > %s ORDER BY id LIMIT %s", (after, limit))
        return cursor.fetchall()

    def delete(self, cursor, ids):
        """Remove published rows (with ``keep_sent`` they move to the ``_sent`` table) and
        note the time of this publish, in one statement."""
        if not ids:
            return
        keep = (f", kept AS (INSERT INTO {self.sent_table} (id, message_id, topic, "
                f"routing_key, headers, body, created) SELECT * FROM moved)"
                if self.keep_sent else "")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {self.table} WHERE id IN %s RETURNING id, message_id, "
            f"topic, routing_key, headers, body, created){keep} "
            f"INSERT INTO {self.state_table} (key, value) VALUES ('last_publish', now()::text) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", (tuple(ids),))

    def prune_sent(self, cursor):
        """Forget published messages older than ``keep_sent`` hours; return how many."""
        cursor.execute(f"DELETE FROM {self.sent_table} WHERE sent < now() - %s * "
                       "interval '1 hour'", (self.keep_sent,))
        return cursor.rowcount

    def record_failure(self, cursor, row_id, reason, dead):
        """Count a failed attempt on one row; ``dead`` parks it as a dead letter."""
        cursor.execute(
            f"UPDATE {self.table} SET attempts = attempts + 1, last_error = %s, "
            f"dead_since = CASE WHEN %s THEN now() ELSE dead_since END WHERE id = %s",
            (reason, bool(dead), row_id))

    def attempts(self, cursor, row_id):
        cursor.execute(f"SELECT attempts FROM {self.table} WHERE id = %s", (row_id,))
        row = cursor.fetchone()
        return row[0] if row else 0

    # -- administration -----------------------------------------------------------------

    def version(self, cursor):
        """The installed schema version, or None when the table does not exist."""
        cursor.execute("SELECT to_regclass(%s) IS NOT NULL, to_regclass(%s) IS NOT NULL",
                       (self.table, self.state_table))
        has_table, has_state = cursor.fetchone()
        if not has_table:
            return None
        if not has_state:
            return 0
        cursor.execute(f"SELECT value FROM {self.state_table} WHERE key = 'schema_version'")
        row = cursor.fetchone()
        return int(row[0]) if row else 0

    def check(self, cursor):
        """Raise :class:`OutboxError` unless the table exists at the current version."""
        version = self.version(cursor)
        if version is None:
            raise OutboxError(f"outbox table {self.table} does not exist: run "
                              "'koji-fedoramessaging init-db'")
        if version != SCHEMA_VERSION:
            raise OutboxError(f"outbox table {self.table} is at version {version}, this code "
                              f"needs {SCHEMA_VERSION}: run 'koji-fedoramessaging upgrade-db'")

    def status(self, cursor):
        """Backlog, dead letters, last publish and the drain lock holder, as a dict."""
        cursor.execute(
            f"SELECT count(*) FILTER (WHERE dead_since IS NULL), "
            f"extract(epoch FROM now() - min(created) FILTER (WHERE dead_since IS NULL)), "
            f"count(*) FILTER (WHERE dead_since IS NOT NULL) FROM {self.table}")
        backlog, oldest_age, dead = cursor.fetchone()
        cursor.execute(f"SELECT value FROM {self.state_table} WHERE key = 'last_publish'")
        last = cursor.fetchone()
        cursor.execute(
            "SELECT a.pid, a.application_name, a.client_addr::text, a.backend_start::text "
            "FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.classid = %s AND l.objid = "
            "hashtext(%s)::oid AND l.granted",
            (LOCK_CLASS, self.table))
        holder = cursor.fetchone()
        cursor.execute(f"SELECT count(*) FROM {self.sent_table}")
        kept = cursor.fetchone()[0]
        return {
            "table": self.table,
            "backlog": backlog,
            "oldest_unsent_age_seconds": float(oldest_age) if oldest_age is not None else None,
            "dead_letters": dead,
            "last_publish": last[0] if last else None,
            "sent_kept": kept,
            "lock_holder": None if holder is None else {
                "pid": holder[0], "application": holder[1], "client": holder[2],
                "since": holder[3]},
        }

    def dead_letters(self, cursor, ids=None):
        where = "dead_since IS NOT NULL" + (" AND id IN %s" if ids else "")
        cursor.execute(
            f"SELECT id, message_id, topic, attempts, last_error, created::text, "
            f"dead_since::text, body, headers FROM {self.table} WHERE {where} ORDER BY id",
            (tuple(ids),) if ids else ())
        names = ("id", "message_id", "topic", "attempts", "last_error", "created",
                 "dead_since", "body", "headers")
        return [dict(zip(names, row)) for row in cursor.fetchall()]

    def revive(self, cursor, ids=None):
        """Put dead letters back in the queue (all, or those of ``ids``); return how many."""
        where = "dead_since IS NOT NULL" + (" AND id IN %s" if ids else "")
        cursor.execute(
            f"UPDATE {self.table} SET dead_since = NULL, attempts = 0 WHERE {where}",
            (tuple(ids),) if ids else ())
        return cursor.rowcount

    def purge(self, cursor, ids=None):
        """Delete dead letters (all, or those of ``ids``); return how many."""
        where = "dead_since IS NOT NULL" + (" AND id IN %s" if ids else "")
        cursor.execute(f"DELETE FROM {self.table} WHERE {where}", (tuple(ids),) if ids else ())
        return cursor.rowcount


def init_db(connection, table):
    """Create or upgrade the outbox to :data:`SCHEMA_VERSION`; safe to run any number of times.

    Returns (version before, version after). Runs in its own transaction and commits.
    """
    outbox = Outbox(table)
    with connection.cursor() as cursor:
        # Serialise concurrent init-db runs on the same table.
        cursor.execute("SELECT pg_advisory_xact_lock(%s, hashtext(%s))",
                       (LOCK_CLASS + 1, table))
        before = outbox.version(cursor)
        current = before or 0
        for version, text in sql_files():
            if version > current:
                cursor.execute(text.format(table=table, index=outbox.index))
                current = version
        cursor.execute(
            f"INSERT INTO {outbox.state_table} (key, value) VALUES ('schema_version', %s) "
            "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", (str(current),))
    connection.commit()
    return before, current
