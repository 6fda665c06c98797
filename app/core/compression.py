"""gzip by zlib-ng: the same format as zlib's, made faster.

At level 5 a 566 kB page took 3.3 ms and came to 37 kB, where zlib took 5.9 ms for 38 kB; a
62 kB page of 100 zones 0.35 ms against 0.43. A large answer made anew for each request (a page
of 1,000 features) is compressed at level 2: 1.1 ms and 47 kB for the 566 kB page, where level
5's 3.3 ms cost more than a third of the SQL behind it (10.8 ms), on a worker's one core.
"""

from zlib_ng import zlib_ng

# Level 5: on a 1,000-feature page (567 KB) 5 ms and 38 KB with zlib, where 9 (the default)
# took 22 ms for 35 KB: level 9 doubled that page's time.
GZIP_LEVEL = 5
GZIP_LARGE_LEVEL = 2  # from GZIP_LARGE_BYTES on, for an answer compressed as it is sent
GZIP_LARGE_BYTES = 128 * 1024
# Compressed in a thread from this size on, not to hold the event loop: 1 MB takes about 2 ms
# at level 2, as long as a thread's hand-over, which Starlette's 128 KB limit paid on every
# 1,000-feature page.
GZIP_THREAD_BYTES = 1024 * 1024
GZIP_MINIMUM_BYTES = 1024  # smaller answers go as they are: too small to be worth it
GZIP_WINDOW = 16 + zlib_ng.MAX_WBITS  # a gzip header and trailer around the deflate stream


def sent_level(size: int) -> int:
    """The level of an answer compressed as it is sent, by the size of its first body: the
    time of a level grows with the bytes, and a large answer's would hold its worker."""
    return GZIP_LARGE_LEVEL if size >= GZIP_LARGE_BYTES else GZIP_LEVEL


def gzip_compressor(level: int) -> "zlib_ng._Compress":
    """A compressor writing gzip at ``level``, its header without a timestamp."""
    return zlib_ng.compressobj(level, zlib_ng.DEFLATED, GZIP_WINDOW)


def gzip_compress(body: bytes, level: int) -> bytes:
    """The body gzipped in one go: the same bytes every time."""
    compressor = gzip_compressor(level)
    return compressor.compress(body) + compressor.flush()
