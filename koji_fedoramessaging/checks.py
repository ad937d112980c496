# SPDX-License-Identifier: GPL-3.0-or-later
"""``koji-fedoramessaging check``: everything the plugin needs, one line per problem."""

import os

from fedora_messaging import config as fm_config


def run_checks(ctx):
    """Return a list of problems (empty when all is well)."""
    from . import config as plugin_config

    problems = []
    try:
        settings = plugin_config.load(ctx.conf_path)
    except plugin_config.ConfigError as exc:
        return [f"config: {exc}"]
    problems += _database(ctx, settings)
    try:
        conf = fm_config.conf  # the first access loads and validates the TOML file
        tls = conf["tls"]
        url = conf["amqp_url"]
    except Exception as exc:
        return problems + [f"fedora-messaging config: {exc}"]
    if url.startswith("amqps"):
        for key in ("ca_cert", "certfile", "keyfile"):
            path = tls.get(key)
            if path and not os.access(path, os.R_OK):
                problems.append(f"TLS {key} {path} is not readable")
    problems += _broker(conf)
    return problems


def _database(ctx, settings):
    import psycopg2

    from .outbox import Outbox, OutboxError

    try:
        cnx = psycopg2.connect(ctx.dsn(), connect_timeout=10)
    except Exception as exc:
        return [f"database: cannot connect: {str(exc).strip()}"]
    try:
        with cnx.cursor() as cursor:
            Outbox(settings.table).check(cursor)
    except OutboxError as exc:
        return [f"outbox: {exc}"]
    except Exception as exc:
        return [f"outbox: {str(exc).strip()}"]
    finally:
        cnx.close()
    return []


def _broker(conf):
    import pika

    from .publisher import connection_parameters

    try:
        params = connection_parameters(timeout=10)
        connection = pika.BlockingConnection(params)
    except Exception as exc:
        return [f"broker: cannot connect to {_safe_url(conf['amqp_url'])}: {exc!r}"]
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.exchange_declare(conf["publish_exchange"], passive=True)
    except Exception as exc:
        return [f"broker: exchange {conf['publish_exchange']!r} not usable: {exc!r}"]
    finally:
        try:
            connection.close()
        except Exception:  # already closed by the broker
            pass
    return []


def _safe_url(url):
    """The broker URL without its password."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        return f"{scheme}://***@{rest.split('@', 1)[1]}"
    return url
