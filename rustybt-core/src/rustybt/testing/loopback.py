"""A loopback HTTP receiver for alert channel tests: a real server on 127.0.0.1."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import attrs


@attrs.frozen
class ReceivedRequest:
    """One request the receiver got: its path, headers (looked up case-insensitively) and
    raw body."""

    path: str
    headers: Message
    body: bytes


@attrs.define
class LoopbackHttp:
    """A real HTTP server on 127.0.0.1 that records every POST in ``received`` and answers
    200 ``{"ok": true}``, or 500 for a path under ``/fail``.

    ``url`` is its address (``http://127.0.0.1:PORT``); ``bodies`` the raw bodies so far.
    """

    url: str
    received: list[ReceivedRequest] = attrs.field(factory=list)

    @property
    def bodies(self) -> list[bytes]:
        """The body of every request received so far, in order."""
        return [request.body for request in self.received]

    @classmethod
    @contextlib.contextmanager
    def serving(cls) -> Iterator[LoopbackHttp]:
        """Run a receiver on a free port for the ``with`` block."""
        receiver = cls(url="")

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.received.append(ReceivedRequest(self.path, self.headers, body))
                failing = self.path.startswith("/fail")
                status, answer = (500, b'{"error": "boom"}') if failing else (200, b'{"ok": true}')
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, format: str, *args: object) -> None:
                """Keep the test output clean."""

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        receiver.url = f"http://127.0.0.1:{server.server_port}"
        thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
        thread.start()
        try:
            yield receiver
        finally:
            server.shutdown()
            server.server_close()
            thread.join()
