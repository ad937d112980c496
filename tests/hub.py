# SPDX-License-Identifier: GPL-3.0-or-later
"""One Koji hub request, as kojixmlrpc runs it, for tests and benchmarks.

Koji's application(): clear the context, connect to the database, run the handler (its SQL
and its run_callbacks calls, all in one transaction), then either roll back (the handler
failed) or run preCommit, commit, and postCommit. multiCall wraps each sub-call in the
savepoint 'multiCall_loop' and rolls a failed sub-call back to it.
"""

import time

import koji.plugin
import psycopg2
from koji.context import context

ENVIRON = {"SERVER_NAME": "koji.example.org", "wsgi.url_scheme": "https",
           "HTTP_X_FORWARDED_HOST": "koji.fedoraproject.org",
           "HTTP_X_FORWARDED_SCHEME": "https"}


class HandlerFailed(Exception):
    pass


def call(cbtype=None, kws=None, fail=False, work="koji work"):
    """A Koji API call: write Koji's own row, fire the callback, optionally fail after it."""
    def handler(cnx):
        cursor = cnx.cursor()
        cursor.execute("INSERT INTO koji_work (what) VALUES (%s)", (work,))
        if cbtype:
            koji.plugin.run_callbacks(cbtype, **(kws or {}))
        if fail:
            raise HandlerFailed(f"{cbtype} failed after its callback")
    return handler


class Hub:
    """A hub thread: one database connection reused across requests, as Koji's db.connect."""

    def __init__(self, dsn, environ=None):
        self.dsn = dsn
        self.environ = environ or ENVIRON
        self.cnx = psycopg2.connect(dsn)

    def close(self):
        self.cnx.close()

    def request(self, *handlers, multicall=False, after_commit=None):
        """Run one request; return (committed, seconds spent including postCommit)."""
        started = time.monotonic()
        context._threadclear()
        context.commit_pending = False
        context.environ = self.environ
        context.opts = {}
        context.cnx = self.cnx
        failed = False
        try:
            for handler in handlers:
                if multicall:
                    self.cnx.cursor().execute("SAVEPOINT multiCall_loop")
                    try:
                        handler(self.cnx)
                    except Exception:
                        self.cnx.cursor().execute("ROLLBACK TO SAVEPOINT multiCall_loop")
                else:
                    handler(self.cnx)
            context.commit_pending = True
        except Exception:
            failed = True
        if failed:
            self.cnx.rollback()
        else:
            koji.plugin.run_callbacks("preCommit")
            self.cnx.commit()
            if after_commit:
                after_commit()
            koji.plugin.run_callbacks("postCommit")
        return not failed, time.monotonic() - started
