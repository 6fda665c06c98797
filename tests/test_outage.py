"""The database stopped and started under a running app: 503s with Retry-After, never a 500,
and 200s again without restarting the app."""

import sys
import threading
from pathlib import Path

import httpx

from tests.cluster import disposable_cluster, wait_until
from tests.servers import SERVER_LOG, free_port, serving

URLS = (
    "/collections/incidents/items?limit=3",
    "/stats/summary",
    "/health",
    "/collections/districts/tiles/WebMercatorQuad/7/48/80",  # the asyncio pool's reads
)


def test_a_database_restart_is_answered_and_recovered_from() -> None:
    with disposable_cluster() as cluster:
        port = free_port()
        contamap = str(Path(sys.executable).with_name("contamap"))
        command = [contamap, "serve", "--workers", "1", "--port", str(port)]
        env = {"DATABASE_URL": cluster.url, "CONTAMAP_CONNECT_TIMEOUT_S": "1"}
        with serving(command, env, port, "/health") as base:
            answers: list[httpx.Response] = []
            running = threading.Event()
            running.set()

            def keep_asking() -> None:
                while running.is_set():
                    for url in URLS:
                        answers.append(httpx.get(base + url, timeout=10))

            asker = threading.Thread(target=keep_asking)
            asker.start()
            try:
                wait_until(lambda: len(answers) > 6)
                cluster.stop()
                down = len(answers)
                wait_until(lambda: len(answers) > down + 6)
                outage = answers[down:]
                cluster.start()
                # Every pool recovers: the asyncio one (a page, a tile) and the threads (statistics).
                recovery = wait_until(
                    lambda: all(
                        httpx.get(base + url, timeout=10).status_code == 200 for url in URLS
                    )
                )
            finally:
                running.clear()
                asker.join()
    statuses = [answer.status_code for answer in answers]
    print(  # the timeline, for the record (pytest -s)
        f"outage: {statuses[:down].count(200)} answers of 200 before the stop; during it "
        f"{[answer.status_code for answer in outage]}; 200 again {recovery:.2f} s after the start"
    )
    assert {answer.status_code for answer in answers} <= {200, 503}
    assert 503 in {answer.status_code for answer in outage}
    for answer in answers:
        if answer.status_code == 503:
            assert answer.headers["retry-after"] == "2"
            body = answer.json()  # an error, or /health saying so
            assert body.get("code") == "DatabaseUnavailable" or body["status"] == "unavailable"
    assert recovery < 10
    assert "Traceback" not in SERVER_LOG.read_text()
