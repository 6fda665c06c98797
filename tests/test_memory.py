"""A worker's allocator keeps the memory a request frees (app/core/memory.py)."""

import json
import platform
import subprocess
import sys

import pytest

# Run in a process of its own: this one's allocator may already be set by an app's startup.
# mallinfo2 (glibc 2.33) tells the bytes in mapped blocks and the free bytes kept in the heap.
PROBE = """
import ctypes, ctypes.util, json
from app.core.memory import keep_freed_memory

class Info(ctypes.Structure):
    _fields_ = [(name, ctypes.c_size_t) for name in (
        "arena ordblks smblks hblks hblkhd usmblks fsmblks uordblks fordblks keepcost".split())]

libc = ctypes.CDLL(ctypes.util.find_library("c"))
libc.mallinfo2.restype = Info

def block():
    mapped = libc.mallinfo2().hblkhd
    body = bytes(SIZE)
    mapped_while_held = libc.mallinfo2().hblkhd - mapped
    del body
    return {"mapped": mapped_while_held, "free_after": libc.mallinfo2().fordblks}

SIZE = 900_000
before = block()
kept = keep_freed_memory()
print(json.dumps({"before": before, "set": kept, "after": block()}))
"""
SIZE = 900_000


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="the setting is glibc's")
def test_a_freed_block_of_900_kb_stays_in_the_heap() -> None:
    out = subprocess.run(
        [sys.executable, "-c", PROBE], capture_output=True, text=True, check=True
    ).stdout
    probe = json.loads(out)
    # glibc's default: a 900 kB block is mapped on its own, and unmapped when freed.
    assert probe["before"]["mapped"] >= SIZE
    assert probe["before"]["free_after"] < SIZE
    assert probe["set"] is True
    # Set: it comes from the heap, and once freed it is still there for the next request.
    assert probe["after"]["mapped"] == 0
    assert probe["after"]["free_after"] >= SIZE
