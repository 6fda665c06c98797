"""CPU time from /proc: a server's processes (its workers too), PostgreSQL's, the load's.

So that a row can tell where the machine's cores went while a server took its rounds.
"""

import os
from collections import Counter
from itertools import pairwise
from pathlib import Path
from urllib.parse import urlsplit

TICKS = os.sysconf("SC_CLK_TCK")
SERVER, POSTGRES, LOAD = "server", "PostgreSQL", "load generator"


def _processes() -> dict[int, tuple[int, str, float]]:
    """Every process: its parent, its name and the CPU seconds it has used."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it ended meanwhile
            continue
        name = stat[stat.index("(") + 1 : stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2 :].split()  # state, ppid, ... utime (11), stime (12)
        found[int(entry.name)] = (int(fields[1]), name, (int(fields[11]) + int(fields[12])) / TICKS)
    return found


def server_pid(base: str) -> int:
    """The process serving ``base`` (http://127.0.0.1:PORT): the one run with ``--port PORT``."""
    port = str(urlsplit(base).port)
    for entry in Path("/proc").iterdir():
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if (b"--port", port.encode()) in pairwise(argv):
            return int(entry.name)
    raise RuntimeError(f"no process serves {base}")


def load_time() -> float:
    """CPU seconds so far of this process and of the load generators it ran (wrk), ended."""
    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


def snapshot(server: int) -> Counter[str]:
    """CPU seconds so far of the server's process tree, of PostgreSQL and of the load."""
    processes = _processes()
    tree, grown = {server}, True
    while grown:  # the server's workers, and theirs
        children = {pid for pid, (parent, _, _) in processes.items() if parent in tree}
        grown = not children <= tree
        tree |= children
    return Counter(
        {
            SERVER: sum(processes[pid][2] for pid in tree if pid in processes),
            POSTGRES: sum(cpu for _, name, cpu in processes.values() if name == "postgres"),
            LOAD: load_time(),
        }
    )
