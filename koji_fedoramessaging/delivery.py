# SPDX-License-Identifier: GPL-3.0-or-later
"""Moving rows from the outbox to the broker: after a hub commit, and in the drainer.

Both paths take the same advisory lock before publishing, publish rows in id order, and
delete a row only in the transaction that follows the broker's confirm. A row that is never
confirmed stays, and goes out again later with the same id and headers.
"""

import logging
import queue
import select
import threading
import time

from .outbox import Outbox
from .publisher import Publisher
from .wire import to_wire

log = logging.getLogger("koji.plugin.fedoramessaging")

_PERMANENT = ("forbidden", "precondition failed", "no route")


def notify_channel(table):
    return "koji_fedoramessaging_" + table.replace(".", "_")


def encode_rows(rows):
    """(wire messages, [(row id, reason)] for the rows that cannot be encoded)."""
    messages, broken = [], []
    for row in rows:
        try:
            messages.append(to_wire(row))
        except ValueError as exc:
            broken.append((row[0], f"cannot encode: {exc}"))
    return messages, broken


def park_broken(cursor, outbox, broken):
    """Make dead letters of rows that cannot be encoded; they never block the others."""
    for row_id, reason in broken:
        outbox.record_failure(cursor, row_id, reason, dead=True)
        log.error("outbox row %s is a dead letter: %s", row_id, reason)


def record_outcome(cursor, outbox, result, max_attempts):
    """Delete what the broker confirmed; count refusals, parking rows refused for good."""
    outbox.delete(cursor, result.confirmed)
    for row_id, reason in result.refused.items():
        attempts = outbox.attempts(cursor, row_id) + 1
        dead = reason.startswith(_PERMANENT) or attempts >= max_attempts
        outbox.record_failure(cursor, row_id, reason, dead)
        log.error("broker refused outbox row %s (attempt %d): %s%s", row_id, attempts, reason,
                  "; it is now a dead letter" if dead else "")


def deliver(cursor, outbox, publisher, rows, deadline, max_attempts):
    """Publish ``rows`` (in order) and record the outcome in the outbox through ``cursor``.

    Returns the :class:`~koji_fedoramessaging.publisher.PublishResult`. The caller commits.
    """
    messages, broken = encode_rows(rows)
    park_broken(cursor, outbox, broken)
    result = publisher.publish(messages, deadline)
    if result.suspect is not None and time.monotonic() < deadline:
        # The broker refused one of several messages in flight: find which, one at a time.
        done = set(result.confirmed) | set(result.refused)
        retry = publisher.publish([m for m in messages if m.row_id not in done], deadline,
                                  careful=True)
        result.confirmed += retry.confirmed
        result.refused.update(retry.refused)
        result.error, result.suspect = retry.error, retry.suspect
    record_outcome(cursor, outbox, result, max_attempts)
    return result


class Backoff:
    """After a failure, wait before trying again: min, then doubling up to max."""

    def __init__(self, minimum, maximum):
        self.minimum, self.maximum = minimum, maximum
        self.delay = 0.0
        self.until = 0.0
        self.failures = 0

    def ready(self):
        return time.monotonic() >= self.until

    def failed(self):
        self.failures += 1
        self.delay = min(self.maximum, max(self.minimum, self.delay * 2))
        self.until = time.monotonic() + self.delay

    def succeeded(self):
        self.delay, self.until, self.failures = 0.0, 0.0, 0


class HubSender:
    """What ``postCommit`` does: publish this request's rows within the budget, or leave them.

    One per hub process. It never raises and never waits longer than the budget: rows it does
    not publish stay in the outbox for the drainer, which is told through NOTIFY.
    """

    def __init__(self, settings, publisher_factory=None):
        self.settings = settings
        self.outbox = Outbox(settings.table, settings.keep_sent)
        self.channel = notify_channel(settings.table)
        self.backoff = Backoff(settings.backoff_min, settings.backoff_max)
        self._publisher_factory = publisher_factory or (lambda: Publisher(window=100))
        self._publisher = None
        self._lock = threading.Lock()

    def send(self, cnx, message_ids):
        """Publish the messages ``message_ids`` that survived the commit, on ``cnx``."""
        if not message_ids:
            return
        started = time.monotonic()
        # Keep a little of the budget for recording the outcome and committing, so that the
        # whole of postCommit stays within it.
        budget = self.settings.budget
        deadline = started + budget - min(0.01, budget / 10)
        left = "left for the drainer"
        if budget <= 0 or not self.backoff.ready():
            self._notify(cnx)
            return
        if not self._lock.acquire(blocking=False):
            self._notify(cnx)  # another thread of this process is publishing
            return
        try:
            if self._publisher is None:
                self._publisher = self._publisher_factory()
            cursor = cnx.cursor()
            oldest, rows = self.outbox.claim(cursor, message_ids)
            if not rows:
                # A drainer holds the lock, or they were rolled back with a multicall
                # sub-call, or a drainer published them already: tell the drainer to look.
                left = "left for the drainer (it holds the publish lock, or nothing to send)"
            elif oldest < rows[0][0]:
                left = "left for the drainer (older messages wait)"
            else:
                result = deliver(cursor, self.outbox, self._publisher, rows, deadline,
                                 self.settings.max_attempts)
                if result.error:
                    self._failed(result.error, len(rows) - len(result.confirmed))
                else:
                    self._succeeded()
                    left = None
            if left:
                cursor.execute(f"NOTIFY {self.channel}")
            cnx.commit()
        except Exception as exc:
            self._failed(f"{exc!r}", len(message_ids))
            try:
                cnx.rollback()
                self._notify(cnx)
            except Exception:  # the database itself is failing; the rows are safe
                pass
        finally:
            self._lock.release()
        log.debug("postCommit: %d message(s) handled in %.1f ms%s", len(message_ids),
                  (time.monotonic() - started) * 1000, f", {left}" if left else "")

    def close(self):
        """Drop the broker connection (it is opened again when needed)."""
        if self._publisher is not None:
            self._publisher.close()

    def _notify(self, cnx):
        try:
            cnx.cursor().execute(f"NOTIFY {self.channel}")
            cnx.commit()
        except Exception as exc:
            log.debug("cannot notify the drainer: %r", exc)

    def _failed(self, reason, count):
        first = self.backoff.failures == 0
        self.backoff.failed()
        # One line per burst of failures, not one per request.
        if first:
            log.warning("cannot publish to the broker (%s); %d message(s) left in the outbox "
                        "for the drainer; not trying again for %.0f s", reason, count,
                        self.backoff.delay)
        else:
            log.debug("still cannot publish (%s); backing off %.0f s", reason,
                      self.backoff.delay)

    def _succeeded(self):
        if self.backoff.failures:
            log.warning("publishing to the broker works again after %d failed attempt(s)",
                        self.backoff.failures)
        self.backoff.succeeded()


class _RowReader(threading.Thread):
    """Reads pending rows ahead of the publisher on its own connection and encodes them.

    It runs while the drainer's main thread waits for the broker (psycopg2 and the poll
    both release the GIL), so reading the next rows costs the pass little time.
    """

    EXHAUSTED = object()

    def __init__(self, connect, outbox, batch, depth=2):
        super().__init__(name="koji-fedoramessaging-reader", daemon=True)
        self.connect = connect
        self.outbox = outbox
        self.batch = batch
        self.chunks = queue.Queue(maxsize=depth)
        self.stopping = threading.Event()

    def run(self):
        cnx = None
        try:
            cnx = self.connect()
            cnx.autocommit = True
            last = 0
            with cnx.cursor() as cursor:
                while not self.stopping.is_set():
                    rows = self.outbox.pending(cursor, limit=self.batch, after=last)
                    if not rows:
                        self._put(self.EXHAUSTED)
                        return
                    last = rows[-1][0]
                    self._put(encode_rows(rows))
        except Exception as exc:
            self._put(exc)
        finally:
            if cnx is not None:
                cnx.close()

    def _put(self, item):
        while not self.stopping.is_set():
            try:
                self.chunks.put(item, timeout=0.1)
                return
            except queue.Full:
                continue

    def next_chunk(self, wait):
        """The next (messages, broken rows), EXHAUSTED, or None when none is ready within
        ``wait`` seconds. Re-raises what the reader failed with."""
        try:
            item = self.chunks.get(timeout=wait) if wait else self.chunks.get_nowait()
        except queue.Empty:
            return None
        if isinstance(item, Exception):
            raise item
        return item

    def stop(self):
        self.stopping.set()
        if self.is_alive():
            self.join(timeout=5)


class Drainer:
    """Publishes the outbox backlog in id order, in batches, under the publish lock.

    ``connect`` returns a new psycopg2 connection to Koji's database.
    """

    def __init__(self, connect, settings, publisher=None, confirm_timeout=30.0, name="drain"):
        self.connect = connect
        self.settings = settings
        self.outbox = Outbox(settings.table, settings.keep_sent)
        self.publisher = publisher or Publisher(window=settings.window)
        self.confirm_timeout = confirm_timeout
        self.name = name
        self.cnx = None
        self.backoff = Backoff(max(settings.backoff_min, 1.0), settings.backoff_max)

    def _connection(self):
        if self.cnx is None or self.cnx.closed:
            self.cnx = self.connect()
            with self.cnx.cursor() as cursor:
                cursor.execute("SET application_name = %s", (self.name[:63],))
                # A lost commit here only means rows are published again, with the same id.
                cursor.execute("SET synchronous_commit TO OFF")
            self.cnx.commit()
        return self.cnx

    def close(self):
        self.publisher.close()
        if self.cnx is not None and not self.cnx.closed:
            self.cnx.close()

    def drain_batch(self, batch_size=None):
        """Publish one batch. Returns (published, error); error is "locked" when another
        drainer holds the lock, or the publishing error."""
        cnx = self._connection()
        try:
            with cnx.cursor() as cursor:
                if not self.outbox.begin_publish(cursor):
                    cnx.rollback()
                    return 0, "locked"
                rows = self.outbox.pending(cursor, limit=batch_size or self.settings.batch_size)
                if not rows:
                    cnx.rollback()
                    return 0, None
                deadline = time.monotonic() + self.confirm_timeout
                result = deliver(cursor, self.outbox, self.publisher, rows, deadline,
                                 self.settings.max_attempts)
            cnx.commit()
        except Exception:
            cnx.rollback()
            raise
        return len(result.confirmed) + len(result.refused), result.error

    def drain_stream(self, batch_size=None, progress=None, stop=None):
        """One pass over the backlog with messages flowing continuously: a reader thread
        reads and encodes the next rows while earlier ones await their confirms, and
        confirmed rows are deleted as confirms arrive. The publish lock is held (at session
        level) for the whole pass, so reading ahead is safe.

        Returns (settled, error, suspect): settled counts confirmed and refused rows;
        error is "locked" when another drainer holds the lock; suspect is true when the
        broker refused one of several messages in flight without saying which.
        """
        cnx = self._connection()
        batch = batch_size or self.settings.batch_size
        cursor = cnx.cursor()
        locked = self.outbox.lock_session(cursor)
        cnx.commit()
        if not locked:
            return 0, "locked", False
        total, exhausted = 0, False
        reader = _RowReader(self.connect, self.outbox, batch)
        try:
            self.publisher.open_stream(time.monotonic() + self.confirm_timeout)
            reader.start()
            while not (stop and stop()):
                if not exhausted and self.publisher.unsent < batch:
                    chunk = reader.next_chunk(
                        wait=self.confirm_timeout if self.publisher.idle else 0)
                    if chunk is _RowReader.EXHAUSTED:
                        exhausted = True
                    elif chunk is not None:
                        messages, broken = chunk
                        park_broken(cursor, self.outbox, broken)
                        self.publisher.add(messages)
                if exhausted and self.publisher.idle:
                    break
                self.publisher.wait(time.monotonic() + self.confirm_timeout,
                                    settled=max(1, batch // 2))
                result = self.publisher.take()
                record_outcome(cursor, self.outbox, result, self.settings.max_attempts)
                cnx.commit()
                settled = len(result.confirmed) + len(result.refused)
                total += settled
                if progress and settled:
                    progress(settled)
                if result.error is None and not settled and not self.publisher.idle:
                    result.error = "deadline reached before the broker confirmed"
                if result.error or result.refused:
                    if result.error:
                        self.publisher.close()
                    return total, (None if result.suspect else result.error), bool(
                        result.suspect)
            return total, None, False
        except ConnectionError as exc:
            return total, str(exc), False
        finally:
            reader.stop()
            cnx.rollback()
            self.outbox.unlock_session(cursor)
            cnx.commit()

    def drain(self, batch_size=None, progress=None, stop=None):
        """Publish until the backlog is empty, an error occurs or ``stop()`` is true.

        Returns (published, error). ``progress(n)`` is called as rows are settled.
        """
        total = 0
        if self.settings.keep_sent:
            cnx = self._connection()
            with cnx.cursor() as cursor:
                pruned = self.outbox.prune_sent(cursor)
            cnx.commit()
            if pruned:
                log.info("forgot %d published message(s) older than %s hour(s)", pruned,
                         self.settings.keep_sent)
        while not (stop and stop()):
            count, error, suspect = self.drain_stream(batch_size, progress, stop)
            if suspect:
                # one batch the careful way, to pin the refusal on its message
                more, error = self.drain_batch(batch_size)
                count += more
                if progress and more:
                    progress(more)
            total += count
            if error == "locked":
                time.sleep(0.05)
                continue
            if error or not count:
                return total, error
        return total, None

    def follow(self, stop, batch_size=None, progress=None):
        """Drain, then wait for NOTIFY (or ``poll_interval``) and drain again, until
        ``stop()``. Broker failures back off; nothing here gives up on a row."""
        listener = self.connect()
        listener.autocommit = True
        channel = notify_channel(self.settings.table)
        with listener.cursor() as cursor:
            cursor.execute(f"LISTEN {channel}")
        try:
            while not stop():
                try:
                    _count, error = self.drain(batch_size, progress, stop)
                except Exception as exc:
                    error = repr(exc)
                    if self.cnx is not None:
                        self.cnx.close()
                if error:
                    if self.backoff.failures == 0:
                        log.warning("drain: %s; retrying with backoff", error)
                    self.backoff.failed()
                    wait = self.backoff.delay
                else:
                    if self.backoff.failures:
                        log.warning("drain: publishing works again")
                    self.backoff.succeeded()
                    wait = self.settings.poll_interval
                self._wait(listener, wait, stop)
        finally:
            listener.close()

    @staticmethod
    def _wait(listener, seconds, stop):
        end = time.monotonic() + seconds
        while not stop():
            remaining = end - time.monotonic()
            if remaining <= 0:
                return
            if select.select([listener], [], [], min(remaining, 0.5))[0]:
                listener.poll()
                if listener.notifies:
                    listener.notifies.clear()
                    return
