"""A loopback TCP relay in front of the test PostgreSQL server, to lose the server on purpose.

``stop()`` closes every relayed connection and stops listening: to EffDesk the server is gone
(the open connections die, new ones are refused), exactly as when the server is stopped or the
network cable is pulled. ``start()`` listens again on the same port: the server is back. The
real server is never touched, so any ``EFFDESK_TEST_PG_URL`` works (a TCP host:port).
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading

from sqlalchemy.engine import make_url


def pg_target() -> tuple[str, int] | None:
    """host, port of ``EFFDESK_TEST_PG_URL`` (None: unset, or a Unix socket)."""
    url = os.environ.get("EFFDESK_TEST_PG_URL")
    if not url:
        return None
    u = make_url(url)
    host = u.host or "localhost"
    if host.startswith("/") or "host" in u.query:
        return None
    return host, int(u.port or 5432)


def via(url: str, port: int) -> str:
    """``url`` with its host and port replaced by the relay's."""
    u = make_url(url).set(host="127.0.0.1", port=port)
    return u.render_as_string(hide_password=False)


class PgRelay:
    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = 0
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()

    def start(self) -> None:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(16)
        self.port = listener.getsockname()[1]
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def stop(self) -> None:
        """The server is gone: stop listening and cut every open connection."""
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for s in sockets:
            with contextlib.suppress(OSError):
                s.shutdown(socket.SHUT_RDWR)
            s.close()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _addr = listener.accept()
            except OSError:
                return  # stopped
            try:
                server = socket.create_connection(self.target, timeout=5)
                server.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, server))
            for a, b in ((client, server), (server, client)):
                threading.Thread(target=self._pump, args=(a, b), daemon=True).start()

    def _pump(self, src: socket.socket, dst: socket.socket) -> None:
        try:
            while data := src.recv(65536):
                dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                with contextlib.suppress(OSError):
                    s.shutdown(socket.SHUT_RDWR)
