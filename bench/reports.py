"""Do residents' reports slow the map? The p95 of tiles before, during and after a flood.

The app under uvicorn (2 workers, the default limits) on a throwaway copy of the bundled data;
4 map clients fetch tiles of random views over Karabakh, each tile never asked before, while
20 clients, each from its own address (X-Forwarded-For from a trusted proxy), POST reports
with a 150 kB photo as fast as the server answers: never waiting for Retry-After (a hostile
flood), or waiting as it says (``--polite``). Run: ``python -m bench reports [--polite]``.
"""

import argparse
import io
import random
import statistics
import sys
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import httpx
from PIL import Image

from bench.features import bundled_database
from bench.report import write_section
from bench.webmap import FreshTiles
from tests.servers import free_port, serving

MAP_CLIENTS = 4
FLOOD_CLIENTS = 20
TILE = "/tiles/WebMercatorQuad/{z}/{y}/{x}"


@dataclass
class Phase:
    """Tile latencies of one phase, and the flood's answers during it."""

    name: str
    seconds: list[float]
    answers: Counter[int]

    def line(self) -> str:
        """One row of the results table."""
        ms = sorted(1000 * s for s in self.seconds)
        p95 = ms[int(0.95 * (len(ms) - 1))]
        flood = ", ".join(f"{n} x {code}" for code, n in sorted(self.answers.items())) or "none"
        return (
            f"| {self.name} | {len(ms)} | {statistics.median(ms):.1f} | {p95:.1f} | "
            f"{max(ms):.1f} | {flood} |"
        )


def photo() -> bytes:
    """A noisy 800 x 600 JPEG (about 150 kB), so that accepting one costs a real re-encode."""
    rng = random.Random(7)  # noqa: S311 - pixels, not secrets
    image = Image.frombytes("RGB", (800, 600), rng.randbytes(800 * 600 * 3))
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=70)
    return out.getvalue()


def fetch_tiles(base: str, tiles: list[tuple[int, int, int]]) -> list[float]:
    """Fetch the tiles with MAP_CLIENTS clients; each one's time."""

    def one(tile: tuple[int, int, int], client: httpx.Client) -> float:
        z, x, y = tile
        started = time.perf_counter()
        response = client.get(base + TILE.format(z=z, x=x, y=y))
        if response.status_code not in (200, 204):
            raise RuntimeError(f"tile {tile} answered {response.status_code}")
        return time.perf_counter() - started

    clients = [httpx.Client(timeout=30) for _ in range(MAP_CLIENTS)]
    with ThreadPoolExecutor(MAP_CLIENTS) as pool:
        futures = [pool.submit(one, tile, clients[i % MAP_CLIENTS]) for i, tile in enumerate(tiles)]
        return [future.result() for future in futures]


def flood(
    base: str, stop: threading.Event, answers: Counter[int], image: bytes, polite: bool
) -> None:
    """FLOOD_CLIENTS clients POSTing reports until ``stop``; polite ones wait Retry-After."""
    lock = threading.Lock()

    def client(number: int) -> None:
        headers = {"X-Forwarded-For": f"198.51.100.{number + 1}"}
        with httpx.Client(timeout=30) as http:
            while not stop.is_set():
                response = http.post(
                    base + "/reports",
                    data={"lon": "46.75", "lat": "39.75", "category": "uxo"},
                    files={"photo": ("p.jpg", image, "image/jpeg")},
                    headers=headers,
                )
                with lock:
                    answers[response.status_code] += 1
                if polite and response.status_code == 429:
                    stop.wait(float(response.headers["Retry-After"]))

    threads = [threading.Thread(target=client, args=(n,)) for n in range(FLOOD_CLIENTS)]
    for thread in threads:
        thread.start()
    stop.wait()
    for thread in threads:
        thread.join()


def main(argv: list[str]) -> None:
    """Run the three phases and print the table."""
    parser = argparse.ArgumentParser(prog="python -m bench reports", description=__doc__)
    parser.add_argument("--tiles", type=int, default=400, help="fresh tiles per phase")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument(
        "--contamap-serve",
        action="store_true",
        help="serve by `contamap serve`, as `make run` does (it trusts X-Forwarded-For from "
        "CONTAMAP_FORWARDED_ALLOW_IPS, 127.0.0.1 by default); by default the same app under "
        "plain uvicorn, trusting the loopback proxy too",
    )
    parser.add_argument(
        "--polite", action="store_true", help="flood clients wait as Retry-After says"
    )
    options = parser.parse_args(argv)
    fresh = FreshTiles(random.Random(1), set())  # noqa: S311 - views, not secrets
    image = photo()
    contamap = str(Path(sys.executable).with_name("contamap"))
    with bundled_database() as url:
        port = free_port()
        command = [contamap, "serve", "--port", str(port), "--workers", str(options.workers)]
        if not options.contamap_serve:
            command = [
                sys.executable,
                "-m",
                "uvicorn",
                "app.main:app",
                "--port",
                str(port),
                "--workers",
                str(options.workers),
                "--proxy-headers",
                "--forwarded-allow-ips",
                "127.0.0.1",
                "--log-level",
                "warning",
            ]
        with serving(command, {"DATABASE_URL": url}, port, "/collections") as base:
            fetch_tiles(base, [(t.z, t.x, t.y) for t in fresh.take(40)])  # warm the pools
            phases = []
            for name in ("before", "during the flood", "after"):
                tiles = [(t.z, t.x, t.y) for t in fresh.take(options.tiles)]
                answers: Counter[int] = Counter()
                stop = threading.Event()
                flooding = None
                if name == "during the flood":
                    flooding = threading.Thread(
                        target=flood, args=(base, stop, answers, image, options.polite)
                    )
                    flooding.start()
                    time.sleep(1)  # the flood is under way
                seconds = fetch_tiles(base, tiles)
                stop.set()
                if flooding is not None:
                    flooding.join()
                phases.append(Phase(name, seconds, answers))
    manner = "waiting as Retry-After says" if options.polite else "never waiting"
    text = "\n".join(
        [
            "# Residents' reports flooding in: the map's tiles before, during and after",
            "",
            f"- Command: `{' '.join(['python -m bench reports', *argv])}`",
            f"- {options.workers} workers, {MAP_CLIENTS} map clients fetching fresh tiles, "
            f"{FLOOD_CLIENTS} flood clients each from its own address posting reports with a "
            f"{len(image) // 1000} kB photo ({manner})",
            "",
            "| phase | tiles | p50 ms | p95 ms | max ms | reports answered |",
            "| --- | --- | --- | --- | --- | --- |",
            *(phase.line() for phase in phases),
        ]
    )
    print(text)
    write_section("reports", text)


if __name__ == "__main__":
    main(sys.argv[1:])
