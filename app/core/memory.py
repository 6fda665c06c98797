"""The C allocator of a worker: memory a request frees stays in the heap for the next one.

glibc returns freed memory at the top of the heap to the system once more than 128 kB of it
is free, and serves a block of 128 kB or more with a fresh ``mmap``. A page of 1,000 features
is about 570 kB, copied a few times on its way out (the driver's buffer, its text, the body),
and each copy landed in fresh pages: the kernel zeroed and mapped 140 of them, about 0.3 ms a
copy against 0.03 ms in pages the process already holds. Measured by timing those copies in
a worker serving the page, before and after.

So blocks below ``MMAP_BYTES`` come from the heap, and up to ``KEPT_BYTES`` of free heap is
kept at the top of each of the allocator's arenas; larger blocks are still mapped and
returned at once. glibc gives threads arenas of their own, up to eight per core; a worker's
are capped at ``ARENAS`` (the event loop's, and one for the threads that read large pages,
files and statistics). What a worker keeps is the price: 16 threads each freeing thirty
900 kB blocks left 92 to 225 MB resident, where glibc's defaults leave 14 MB (4 MB blocks:
14 MB either way, mapped). Measured with a script that frees them all and reads VmRSS.
"""

import ctypes

M_TRIM_THRESHOLD = -1  # mallopt's parameters, from glibc's malloc.h
M_MMAP_THRESHOLD = -3
M_ARENA_MAX = -8
ARENAS = 2
MMAP_BYTES = 1024 * 1024  # a 1,000-feature page is about 570 kB
KEPT_BYTES = 32 * 1024 * 1024


def keep_freed_memory() -> bool:
    """Set this process's allocator as above; False where it is not glibc's (nothing set)."""
    libc = ctypes.CDLL(None)  # the process's own symbols, the C library's among them
    if not hasattr(libc, "gnu_get_libc_version"):  # musl has a mallopt that does nothing
        return False
    settings = (
        (M_ARENA_MAX, ARENAS),
        (M_MMAP_THRESHOLD, MMAP_BYTES),
        (M_TRIM_THRESHOLD, KEPT_BYTES),
    )
    done = [libc.mallopt(parameter, value) for parameter, value in settings]  # every one set
    return all(done)
