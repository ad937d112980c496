# SPDX-License-Identifier: GPL-3.0-or-later
"""One Koji hub request, run the way kojixmlrpc runs it; used by the demo, the tests and the
benchmarks, where there is no Koji hub.

Koji's application(): clear the context, connect to the database, run the handler (its SQL
and its run_callbacks calls, all in one transaction), then either roll back (the handler
failed) or run preCommit, commit, and postCommit. multiCall wraps each sub-call in the
savepoint 'multiCall_loop' and rolls a failed sub-call back to it.
"""

import time

import koji.plugin
from koji.context import context

ENVIRON = {"SERVER_NAME": "koji.example.org", "wsgi.url_scheme": "https",
           "HTTP_X_FORWARDED_HOST": "koji.fedoraproject.org",
           "HTTP_X_FORWARDED_SCHEME": "https"}


class Hub:
    """A hub thread: one database connection reused across requests, as Koji's db.connect."""

    def __init__(self, connection, environ=None):
        self.cnx = connection
        self.environ = environ or ENVIRON

    def close(self):
        self.cnx.close()

    def request(self, *handlers, multicall=False, after_commit=None):
        """Run one request: each handler is called with the connection inside the transaction.

        Returns (committed, seconds spent, postCommit included).
        """
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


def register_plugin(module):
    """Register a plugin module's callbacks as Koji's HandlerRegistry.register_plugin does
    (scan the module for callables with a 'callbacks' attribute); return its exported calls."""
    exported = {}
    for value in vars(module).values():
        if isinstance(value, type) or not callable(value):
            continue
        if getattr(value, "exported", False):
            exported[getattr(value, "export_alias", value.__name__)] = value
        for cbtype in getattr(value, "callbacks", ()) or ():
            if value not in koji.plugin.callbacks[cbtype]:
                koji.plugin.register_callback(cbtype, value)
    return exported
