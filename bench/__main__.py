"""Run the benchmarks named on the command line, or all of them."""

import sys
from collections.abc import Callable

from bench import features, imports, memory, reports, scale, stats, traffic

BENCHMARKS: dict[str, Callable[[list[str]], None]] = {
    "stats": stats.main,
    "features": features.main,
    "traffic": traffic.main,
    "imports": imports.main,
    "memory": memory.main,
    "scale": scale.main,
    "reports": reports.main,
}


def main(argv: list[str]) -> int:
    """``python -m bench [name [options]]``: one benchmark with its options, or every one."""
    if argv and argv[0] in ("-h", "--help"):
        print(f"usage: python -m bench [{'|'.join(BENCHMARKS)} [options]]")
        return 0
    if argv and argv[0] not in BENCHMARKS:
        print(f"unknown benchmark {argv[0]!r}; known: {', '.join(BENCHMARKS)}", file=sys.stderr)
        return 2
    names = argv[:1] or list(BENCHMARKS)
    for name in names:
        BENCHMARKS[name](argv[1:])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
