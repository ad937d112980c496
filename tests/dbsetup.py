# SPDX-License-Identifier: GPL-3.0-or-later
"""A clean outbox for tests and benchmarks."""

import psycopg2

from koji_fedoramessaging import outbox


def reset_outbox(dsn, table="fedoramessaging_outbox"):
    """Drop and recreate the outbox (with init_db) and 'koji_work', which stands for the
    tables of Koji's own that a request writes to."""
    cnx = psycopg2.connect(dsn)
    with cnx.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {table}, {table}_state, {table}_sent, koji_work")
        cursor.execute("CREATE TABLE koji_work (id SERIAL PRIMARY KEY, what TEXT)")
    cnx.commit()
    outbox.init_db(cnx, table)
    cnx.close()
