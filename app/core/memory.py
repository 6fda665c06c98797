"""The C allocator of a worker: memory a request frees stays in the heap for the next one.

glibc returns freed memory at the top of the heap to the system once more than 128 kB of it
is free, and serves a block of 128 kB or more with a fresh ``mmap``. A page of 1,000 features
is about 570 kB, copied a few times on its way out (the driver's buffer, its text, the body),
and each copy landed in fresh pages: the kernel zeroed and mapped 140 of them, about 0.3 ms a
copy against 0.03 ms in pages the process already holds. Measured by timing those copies in
a worker serving the page, before and after.

So blocks up to ``MMAP_BYTES`` come from the heap, and up to ``KEPT_BYTES`` of free heap is
kept: a worker holds at most that much memory it is not using. Larger bodies (spooled pages,
files) are still mapped and returned at once.
"""

import ctypes
import ctypes.util

M_TRIM_THRESHOLD = -1  # mallopt's parameters, from glibc's malloc.h
M_MMAP_THRESHOLD = -3
MMAP_BYTES = 8 * 1024 * 1024  # a page held whole on the event loop is at most 8 MB
KEPT_BYTES = 32 * 1024 * 1024


def keep_freed_memory() -> bool:
    """Set this process's allocator as above; False where it is not glibc's (nothing set)."""
    name = ctypes.util.find_library("c")
    if name is None:
        return False
    libc = ctypes.CDLL(name)
    if not hasattr(libc, "gnu_get_libc_version"):  # musl has a mallopt that does nothing
        return False
    return bool(
        libc.mallopt(M_MMAP_THRESHOLD, MMAP_BYTES) and libc.mallopt(M_TRIM_THRESHOLD, KEPT_BYTES)
    )
