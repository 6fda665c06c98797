"""The HTTP protocol ``contamap serve`` runs: uvicorn's httptools protocol (llhttp, compiled),
with a request's head bounded in size, as uvicorn's h11 protocol bounds it, and a request's
head and body bounded in time.

h11 cuts a request whose head grows past ``h11_max_incomplete_event_size``; httptools buffers
a head of any size. h11 parses in Python: a cached tile took 10 to 15 % longer under load
(wrk, 8 connections, one worker: 850 to 1,040 tiles a second against 1,015 to 1,190). This
protocol counts the bytes of a request's head (up to its blank line: body bytes that arrive
in the same read are not the head's) and past the bound answers 431 and closes the connection.

Neither parser bounds the time a client takes to send a request, so a client sending one byte
at a time held its connection for ever. As Apache's mod_reqtimeout does, the head must arrive
within ``CONTAMAP_REQUEST_HEAD_TIMEOUT_S`` of its first byte (of the connection, for its first
request), and the body within ``CONTAMAP_REQUEST_BODY_TIMEOUT_S``, a time that grows by one
second for every ``CONTAMAP_REQUEST_BODY_MIN_RATE`` bytes received, so an upload at any
reasonable speed is never cut. Past either, the client gets a 408 and the connection is
closed. While the application does not read the body (uvicorn stops reading past 64 KiB), the
client is not to blame: its clock starts again when reading resumes.
"""

import asyncio
import logging
from typing import Literal

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from app.core.config import get_settings

H11_DEFAULT_BYTES = 16 * 1024  # h11's own bound, when uvicorn is given none
HEAD_END = b"\r\n\r\n"
logger = logging.getLogger("uvicorn.error")


def _answer(status: bytes, message: bytes) -> bytes:
    """A whole plain-text response that closes the connection."""
    return b"".join(
        [
            b"HTTP/1.1 %s\r\n" % status,
            b"content-type: text/plain; charset=utf-8\r\n",
            b"content-length: %d\r\n" % len(message),
            b"connection: close\r\n\r\n",
            message,
        ]
    )


TOO_LARGE = _answer(b"431 Request Header Fields Too Large", b"Request header fields too large")
TOO_SLOW = _answer(b"408 Request Timeout", b"The request was not received in time")


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """httptools, refusing a request head larger than the configured bound, and a request
    whose head or body arrives too slowly."""

    head_bytes: int | None = 0  # received of the current request's head; None once it is whole
    head_tail: bytes = b""  # the head's last bytes, where its blank line may have begun
    phase: Literal["head", "body", "idle"] = "idle"
    phase_started = 0.0
    phase_bytes = 0
    timer: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """A connection's first request is timed from the connection itself."""
        super().connection_made(transport)  # type: ignore[arg-type]
        settings = get_settings()
        self.head_timeout = settings.request_head_timeout_s
        self.body_timeout = settings.request_body_timeout_s
        self.body_min_rate = settings.request_body_min_rate
        self._begin("head")

    def connection_lost(self, exc: Exception | None) -> None:
        """No timer outlives its connection."""
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        """Count the head's bytes before the parser buffers them, and every byte's arrival."""
        if self.head_bytes is not None:
            self.head_bytes += self._head_part(data)
            if self.head_bytes > (self.config.h11_max_incomplete_event_size or H11_DEFAULT_BYTES):
                self._disarm()
                self.transport.write(TOO_LARGE)
                self.transport.close()
                return
            self.head_tail = (self.head_tail + data)[-(len(HEAD_END) - 1) :]
        self.phase_bytes += len(data)
        super().data_received(data)

    def _head_part(self, data: bytes) -> int:
        """How many of these bytes are the head's: up to its blank line, else all of them."""
        end = (self.head_tail + data).find(HEAD_END)
        return len(data) if end < 0 else end + len(HEAD_END) - len(self.head_tail)

    def on_message_begin(self) -> None:
        """A request's first byte: its head is timed from here (or from the connection)."""
        super().on_message_begin()
        if self.phase == "idle":
            self._begin("head")

    def on_headers_complete(self) -> None:
        """The head is whole: the body's bytes are not counted, but they are timed."""
        super().on_headers_complete()
        self.head_bytes = None
        self.head_tail = b""
        self._begin("body")

    def on_message_complete(self) -> None:
        """The next request's head is counted from its first bytes; the application's own
        time is not bounded here."""
        super().on_message_complete()
        self.head_bytes = 0
        self.phase = "idle"
        self._disarm()

    def _begin(self, phase: Literal["head", "body"]) -> None:
        self.phase = phase
        self.phase_started = self.loop.time()
        self.phase_bytes = 0
        self._arm(self._deadline())

    def _deadline(self) -> float:
        if self.phase == "head":
            return self.phase_started + self.head_timeout
        return self.phase_started + self.body_timeout + self.phase_bytes / self.body_min_rate

    def _arm(self, when: float) -> None:
        self._disarm()
        self.timer = self.loop.call_at(when, self._check)

    def _disarm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _check(self) -> None:
        """At the deadline: a 408 unless the bytes received since moved it later."""
        self.timer = None
        if self.phase == "idle" or self.transport.is_closing():
            return
        if self.phase == "body" and self.flow.read_paused:
            self._begin("body")  # the application is not reading: the client waits for it
            return
        deadline = self._deadline()
        if self.loop.time() < deadline:
            self._arm(deadline)
            return
        logger.warning(
            "closed a connection: the request's %s was not received in time (%d bytes)",
            self.phase,
            self.phase_bytes,
        )
        if self.phase == "head" or not (self.cycle and self.cycle.response_started):
            self.transport.write(TOO_SLOW)
        self.transport.close()
