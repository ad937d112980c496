# SPDX-License-Identifier: GPL-3.0-or-later
"""Consuming from the real broker in tests."""

import time
import uuid

import pika


class TestQueue:
    """An exclusive queue bound to amq.topic; ``get`` returns (method, properties, body)."""

    __test__ = False

    def __init__(self, url, binding, exchange="amq.topic"):
        self.connection = pika.BlockingConnection(pika.URLParameters(url))
        self.channel = self.connection.channel()
        self.name = f"kfm-test-{uuid.uuid4().hex[:8]}"
        self.channel.queue_declare(self.name, exclusive=True, auto_delete=True)
        self.channel.queue_bind(self.name, exchange, routing_key=binding)

    def get(self, count, timeout=10.0):
        """Wait for ``count`` messages (or the timeout); return all that arrived."""
        got = []
        end = time.monotonic() + timeout
        while len(got) < count and time.monotonic() < end:
            method, properties, body = self.channel.basic_get(self.name, auto_ack=True)
            if method is None:
                self.connection.sleep(0.02)
                continue
            got.append((method, properties, body))
        return got

    def drain_all(self, settle=0.3):
        """Everything in the queue now, waiting ``settle`` seconds of silence at the end."""
        got = []
        quiet_since = time.monotonic()
        while time.monotonic() - quiet_since < settle:
            method, properties, body = self.channel.basic_get(self.name, auto_ack=True)
            if method is None:
                self.connection.sleep(0.02)
                continue
            got.append((method, properties, body))
            quiet_since = time.monotonic()
        return got

    def close(self):
        try:
            self.connection.close()
        except Exception:
            pass
