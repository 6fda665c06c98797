"""The HTTP protocol ``contamap serve`` runs: uvicorn's httptools protocol (llhttp, compiled),
with a request's head bounded as uvicorn's h11 protocol bounds it.

h11 cuts a request whose head grows past ``h11_max_incomplete_event_size``; httptools buffers
a head of any size. h11 parses in Python: a cached tile took 10 to 15 % longer under load
(wrk, 8 connections, one worker: 850 to 1,040 tiles a second against 1,015 to 1,190). This
protocol counts the bytes that arrive while a request's head is incomplete, and past the
bound answers 431 and closes the connection.
"""

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

H11_DEFAULT_BYTES = 16 * 1024  # h11's own bound, when uvicorn is given none
MESSAGE = b"Request header fields too large"
TOO_LARGE = b"".join(
    [
        b"HTTP/1.1 431 Request Header Fields Too Large\r\n",
        b"content-type: text/plain; charset=utf-8\r\n",
        b"content-length: %d\r\n" % len(MESSAGE),
        b"connection: close\r\n\r\n",
        MESSAGE,
    ]
)


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """httptools, refusing a request head larger than the configured bound."""

    head_bytes: int | None = 0  # received of the current request's head; None once it is whole

    def data_received(self, data: bytes) -> None:
        """Count the head's bytes before the parser buffers them."""
        if self.head_bytes is not None:
            self.head_bytes += len(data)
            if self.head_bytes > (self.config.h11_max_incomplete_event_size or H11_DEFAULT_BYTES):
                self.transport.write(TOO_LARGE)
                self.transport.close()
                return
        super().data_received(data)

    def on_headers_complete(self) -> None:
        """The head is whole: the body's bytes are not counted."""
        super().on_headers_complete()
        self.head_bytes = None

    def on_message_complete(self) -> None:
        """The next request's head is counted from its first bytes."""
        super().on_message_complete()
        self.head_bytes = 0
