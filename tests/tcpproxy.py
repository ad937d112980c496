# SPDX-License-Identifier: GPL-3.0-or-later
"""A TCP proxy between the publisher and RabbitMQ that a test can cut or turn into a black hole.

Modes: "pass" forwards bytes both ways; "cut" closes every connection and refuses new ones
(connection refused); "blackhole" accepts connections but never forwards or answers, and
swallows what already-open connections send.
"""

import selectors
import socket
import threading


class TcpProxy:
    def __init__(self, target=("127.0.0.1", 5672)):
        self.target = target
        self.mode = "pass"
        self._lock = threading.Lock()
        self._pairs = {}
        self._listener = None
        self._selector = selectors.DefaultSelector()
        self._stop = False
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self._listen()
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    @property
    def url(self):
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def _listen(self):
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        listener.setblocking(False)
        self._listener = listener
        self._selector.register(listener, selectors.EVENT_READ, "accept")

    def set_mode(self, mode):
        with self._lock:
            self.mode = mode
            if mode == "cut":
                self._close_all()
                if self._listener is not None:
                    self._selector.unregister(self._listener)
                    self._listener.close()
                    self._listener = None
            elif self._listener is None:
                self._listen()

    def cut(self):
        self.set_mode("cut")

    def blackhole(self):
        self.set_mode("blackhole")

    def restore(self):
        # Connections opened during the black hole never saw the broker: drop them.
        with self._lock:
            self._close_all()
        self.set_mode("pass")

    def close(self):
        self._stop = True
        self._thread.join(2)
        with self._lock:
            self._close_all()
            if self._listener is not None:
                self._listener.close()

    def _close_all(self):
        for sock in list(self._pairs):
            try:
                self._selector.unregister(sock)
            except (KeyError, ValueError):
                pass
            sock.close()
        self._pairs.clear()

    def _loop(self):
        while not self._stop:
            events = self._selector.select(timeout=0.05)
            with self._lock:
                for key, _mask in events:
                    if key.data == "accept":
                        self._accept(key.fileobj)
                    elif key.fileobj in self._pairs:
                        self._forward(key.fileobj)

    def _accept(self, listener):
        try:
            client, _ = listener.accept()
        except OSError:
            return
        if self.mode == "blackhole":
            client.setblocking(False)
            self._pairs[client] = None
            self._selector.register(client, selectors.EVENT_READ, "conn")
            return
        try:
            upstream = socket.create_connection(self.target, timeout=2)
        except OSError:
            client.close()
            return
        for sock in (client, upstream):
            sock.setblocking(False)
            self._selector.register(sock, selectors.EVENT_READ, "conn")
        self._pairs[client] = upstream
        self._pairs[upstream] = client

    def _forward(self, sock):
        try:
            data = sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        peer = self._pairs.get(sock)
        if not data:
            for s in (sock, peer):
                if s is not None and s in self._pairs:
                    self._selector.unregister(s)
                    self._pairs.pop(s, None)
                    s.close()
            return
        if self.mode == "blackhole" or peer is None:
            return  # swallowed
        try:
            peer.setblocking(True)
            peer.sendall(data)
            peer.setblocking(False)
        except OSError:
            pass
