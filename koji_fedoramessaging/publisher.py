# SPDX-License-Identifier: GPL-3.0-or-later
"""Publishing outbox rows to the AMQP broker with publisher confirms, under a deadline.

This module talks to the broker with pika's asynchronous ``SelectConnection``, driven
synchronously by the caller with a hard deadline. It does not use fedora-messaging's
Twisted/crochet runtime, so the hub process needs neither a reactor thread nor executable
memory, and no call here ever waits longer than the deadline it is given.

A row is reported as confirmed only after the broker acknowledged it on the channel; the
caller removes rows from the outbox on that report and on nothing else.
"""

import logging
import ssl
import time
from dataclasses import dataclass, field

import pika
import pika.exceptions
from fedora_messaging import config as fm_config
from pika.adapters.select_connection import IOLoop

log = logging.getLogger("koji.plugin.fedoramessaging.publisher")

# Reply codes of a channel close that say "this message is not allowed" rather than
# "something is wrong with the connection".
_REFUSED_CODES = {403: "forbidden", 406: "precondition failed", 312: "no route"}


@dataclass
class WireMessage:
    """One outbox row, ready for the wire."""

    row_id: int
    routing_key: str
    body: bytes
    properties: pika.BasicProperties


@dataclass
class PublishResult:
    """What happened to the messages given to :meth:`Publisher.publish`.

    ``confirmed`` holds the row ids the broker acknowledged, in publish order. ``refused``
    maps row ids the broker refused to a reason. ``error`` is set when publishing stopped
    early (no connection, deadline, connection lost); the rows neither confirmed nor
    refused must be retried later.
    """

    confirmed: list = field(default_factory=list)
    refused: dict = field(default_factory=dict)
    error: str = None
    suspect: int = None  # a row the broker refused among several in flight: retry carefully


def connection_parameters(amqp_url=None, timeout=None):
    """pika connection parameters from fedora-messaging's configuration (its TOML file).

    TLS (an ``amqps://`` URL) uses the ``[tls]`` section: ``ca_cert``, and ``certfile`` with
    ``keyfile`` for x509 client authentication, as fedora-messaging does.
    """
    conf = fm_config.conf
    url = amqp_url or conf["amqp_url"]
    params = pika.URLParameters(url)
    # Reconnection is ours to decide (backoff in the caller), never pika's.
    params.connection_attempts = 1
    params.retry_delay = 0
    if timeout is not None:
        params.socket_timeout = max(timeout, 0.001)
        params.stack_timeout = max(timeout, 0.001)
    if params.client_properties is None:
        params.client_properties = dict(conf["client_properties"])
    if url.startswith("amqps"):
        params.ssl_options = _tls_options(params, conf["tls"])
    return params


def _tls_options(params, tls):
    context = ssl.create_default_context(purpose=ssl.Purpose.SERVER_AUTH)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    if tls.get("ca_cert"):
        context.load_verify_locations(cafile=tls["ca_cert"])
    if tls.get("certfile") and tls.get("keyfile"):
        context.load_cert_chain(tls["certfile"], tls["keyfile"])
        params.credentials = pika.credentials.ExternalCredentials()
    return pika.SSLOptions(context, server_hostname=params.host)


def _nothing():
    """A timer callback whose only job is to end a poll at the deadline."""


class Publisher:
    """A reusable broker connection that publishes batches with confirms before a deadline.

    Not thread-safe: give each thread its own, or guard it with a lock.
    """

    def __init__(self, params_factory=connection_parameters, exchange=None, window=1000):
        self._params_factory = params_factory
        self.exchange = exchange if exchange is not None else fm_config.conf["publish_exchange"]
        self.window = window
        self._ioloop = None
        self._connection = None
        self._channel = None
        self._failure = None
        self._pending_channel = None
        self._tag = 0
        self._reset_batch()

    # -- connection management -------------------------------------------------------

    @property
    def connected(self):
        return self._channel is not None and self._channel.is_open

    def close(self):
        """Drop the connection at once; never blocks."""
        connection, ioloop = self._connection, self._ioloop
        self._connection = self._channel = self._ioloop = None
        if connection is not None and not connection.is_closed:
            try:
                # Skip the AMQP close handshake: the peer may be a black hole.
                connection._terminate_stream(pika.exceptions.ConnectionClosedByClient(
                    200, "publisher closed"))
            except Exception:  # best effort on a connection we abandon
                pass
        if ioloop is not None:
            try:
                ioloop.close()
            except Exception:  # already closed
                pass

    def _connect(self, deadline):
        self.close()
        self._failure = None
        self._ioloop = IOLoop()
        self._ioloop.activate_poller()
        params = self._params_factory(timeout=max(deadline - time.monotonic(), 0.001))
        self._connection = pika.SelectConnection(
            params,
            on_open_callback=self._on_connection_open,
            on_open_error_callback=self._on_connection_error,
            on_close_callback=self._on_connection_closed,
            custom_ioloop=self._ioloop,
        )
        self._run(lambda: self.connected or self._failure, deadline)
        if not self.connected:
            reason = self._failure or "timed out connecting to the broker"
            self.close()
            raise ConnectionError(reason)

    def _on_connection_open(self, connection):
        connection.channel(on_open_callback=self._on_channel_open)

    def _on_channel_open(self, channel):
        self._pending_channel = channel
        channel.add_on_close_callback(self._on_channel_closed)
        channel.confirm_delivery(self._on_confirm, callback=self._on_confirm_ok)

    def _on_confirm_ok(self, _frame):
        # Delivery tags count from 1 on each new channel, across batches.
        self._tag = 0
        self._channel = self._pending_channel

    def _on_connection_error(self, _connection, error):
        self._failure = f"cannot connect to the broker: {error!r}"

    def _on_connection_closed(self, _connection, reason):
        self._failure = self._failure or f"connection lost: {reason!r}"
        self._channel = None

    def _on_channel_closed(self, channel, reason):
        code = getattr(reason, "reply_code", None)
        self._channel = None
        if code in _REFUSED_CODES and self._unconfirmed:
            # The broker closes the channel on the first message it refuses; with a window
            # of one in flight (see publish) that message is known for sure.
            tag = min(self._unconfirmed)
            suspect = self._unconfirmed[tag]
            self._refusal = (suspect, f"{_REFUSED_CODES[code]}: {reason.reply_text}",
                             len(self._unconfirmed) == 1)
        self._failure = self._failure or f"channel closed: {reason!r}"
        if self._connection is not None and self._connection.is_open:
            try:
                self._connection.close()
            except Exception:  # already closing: the broker closed it first
                pass

    def _run(self, done, deadline):
        """Run the I/O loop until ``done()`` is true or the deadline passes.

        The loop is driven here, one poll at a time, rather than with start()/stop(): the
        deadline is ours, and no wake-up pipe write is needed per event.
        """
        timer = None
        while not done() and self._ioloop is not None:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            if timer is None:  # bounds every poll's wait by the deadline
                timer = self._ioloop.call_later(remaining, _nothing)
            self._ioloop.poll()
            if self._ioloop is not None:
                self._ioloop.process_timeouts()
        if timer is not None and self._ioloop is not None:
            self._ioloop.remove_timeout(timer)

    # -- publishing --------------------------------------------------------------------

    def _reset_batch(self):
        self._queue = []
        self._next = 0
        self._unconfirmed = {}
        self._confirmed = []
        self._nacked = {}
        self._refusal = None
        self._careful = False

    def _fill_window(self):
        limit = 1 if self._careful else self.window
        while (self._next < len(self._queue) and len(self._unconfirmed) < limit
               and self.connected):
            message = self._queue[self._next]
            self._next += 1
            self._channel.basic_publish(
                exchange=self.exchange,
                routing_key=message.routing_key,
                body=message.body,
                properties=message.properties,
            )
            self._tag += 1
            self._unconfirmed[self._tag] = message.row_id

    def _on_confirm(self, frame):
        method = frame.method
        acked = isinstance(method, pika.spec.Basic.Ack)
        if method.multiple:
            # _unconfirmed is ordered by tag (insertion order): take the prefix up to this tag
            tags = []
            for tag in self._unconfirmed:
                if tag > method.delivery_tag:
                    break
                tags.append(tag)
        else:
            tags = [method.delivery_tag]
        for tag in tags:
            row_id = self._unconfirmed.pop(tag, None)
            if row_id is None:
                continue
            if acked:
                self._confirmed.append(row_id)
            else:
                self._nacked[row_id] = "nacked by the broker"
        if not acked:
            # Stop here so that what follows a refused message keeps its place behind it.
            self._queue = self._queue[: self._next]
        self._fill_window()

    # A stream keeps messages flowing across calls: add() queues more while earlier ones
    # are in flight, take() hands back what the broker decided so far. publish() is one
    # stream opened, filled and waited for.

    @property
    def idle(self):
        """Nothing queued and nothing awaiting a confirm."""
        return not self._unconfirmed and self._next >= len(self._queue)

    @property
    def unsent(self):
        return len(self._queue) - self._next

    def open_stream(self, deadline, careful=False):
        """Start a stream (connecting if needed). Raises ConnectionError."""
        self._reset_batch()
        self._careful = careful
        if not self.connected:
            self._connect(deadline)

    def add(self, messages):
        """Queue ``messages`` behind those already queued; send as the window allows."""
        if self._next > 10000:  # forget what was sent long ago
            del self._queue[: self._next]
            self._next = 0
        self._queue.extend(messages)
        self._fill_window()

    def wait(self, deadline, settled=None):
        """Run until ``settled`` more messages were confirmed or refused (all, when None),
        the stream is idle, the channel is gone, or the deadline passes."""
        target = None if settled is None else len(self._confirmed) + len(self._nacked) + settled
        self._run(lambda: self.idle or self._channel is None or (
            target is not None and len(self._confirmed) + len(self._nacked) >= target),
            deadline)

    def take(self):
        """A :class:`PublishResult` of what was decided since the last take(); its ``error``
        is set when the stream cannot go on (then the connection is dropped)."""
        result = PublishResult(confirmed=self._confirmed, refused=self._nacked)
        self._confirmed, self._nacked = [], {}
        identified = False
        if self._refusal is not None:
            row_id, reason, identified = self._refusal
            self._refusal = None
            if identified:
                # Not a failure of the connection: what follows can go on later.
                result.refused[row_id] = reason
            else:
                result.suspect = row_id
                result.error = f"{reason} (retrying one at a time to find the message)"
        if result.error is None and not identified and self._channel is None:
            result.error = self._failure or "the channel closed"
        return result

    def publish(self, messages, deadline, careful=False):
        """Publish ``messages`` in order; return a :class:`PublishResult` by ``deadline``.

        With ``careful`` only one message is in flight at a time, which pins a refusal on
        the exact message the broker refused.
        """
        result = PublishResult()
        if not messages:
            return result
        try:
            self.open_stream(deadline, careful)
            self.add(messages)
            self.wait(deadline)
            result = self.take()
        except ConnectionError as exc:
            result.error = str(exc)
        except Exception as exc:  # pika raises assorted errors on a dying connection
            result.confirmed, result.refused = self.take().confirmed, {}
            result.error = f"publish failed: {exc!r}"
        if result.error is None and not self.idle and not result.refused:
            result.error = self._failure or "deadline reached before the broker confirmed"
        if result.error is not None and (self._unconfirmed or not self.connected):
            # In-flight messages on a connection we give up on may still be delivered; the
            # rows stay in the outbox and go out again with the same id (at-least-once).
            self.close()
        return result
