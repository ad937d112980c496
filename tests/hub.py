# SPDX-License-Identifier: GPL-3.0-or-later
"""The request-lifecycle helper for tests: koji_fedoramessaging.hubsim's Hub on a real
PostgreSQL connection, and Koji API calls that do some work of Koji's own."""

import koji.plugin
import psycopg2

from koji_fedoramessaging import hubsim


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


class Hub(hubsim.Hub):
    def __init__(self, dsn, environ=None):
        super().__init__(psycopg2.connect(dsn), environ)
