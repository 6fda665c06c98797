"""Tell an outside system of each new report: a signed POST, retried in the background.

The body is JSON; ``X-Contamap-Signature: sha256=<hex>`` is the HMAC-SHA256 of the raw body
with ``CONTAMAP_REPORT_WEBHOOK_SECRET``. A delivery starts after the report is committed and
runs on the worker's event loop, never in the request: it is tried up to
``CONTAMAP_REPORT_WEBHOOK_ATTEMPTS`` times, waiting ``CONTAMAP_REPORT_WEBHOOK_BACKOFF_S``
seconds, then twice as long after each failure; each failure is logged. The report itself is
in the database whatever the webhook does, and the editors' queue (GET /reports) is the
record: a delivery still waiting when the worker stops is lost, the report is not.
"""

import asyncio
import hashlib
import hmac
import logging
from dataclasses import dataclass
from typing import Any

import httpx
import orjson

logger = logging.getLogger(__name__)
SIGNATURE_HEADER = "X-Contamap-Signature"
TIMEOUT_S = 10.0
_RUNNING: set[asyncio.Task[bool]] = set()  # strong references until each delivery ends


@dataclass(frozen=True)
class Webhook:
    """Where to send, the secret to sign with, how often to try and how long to wait."""

    url: str
    secret: str
    attempts: int
    backoff_s: float


def signature(secret: str, body: bytes) -> str:
    """The header's value: ``sha256=`` and the hex HMAC-SHA256 of the raw body."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def start(webhook: Webhook, payload: dict[str, Any]) -> None:
    """Start delivering ``payload`` in the background on the running event loop."""
    task = asyncio.get_running_loop().create_task(deliver(webhook, payload))
    _RUNNING.add(task)
    task.add_done_callback(_RUNNING.discard)


async def deliver(webhook: Webhook, payload: dict[str, Any]) -> bool:
    """POST the signed payload until a 2xx answers or the attempts are spent."""
    body = orjson.dumps(payload)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: signature(webhook.secret, body),
    }
    wait = webhook.backoff_s
    async with httpx.AsyncClient(timeout=TIMEOUT_S, follow_redirects=False) as client:
        for attempt in range(1, webhook.attempts + 1):
            try:
                response = await client.post(webhook.url, content=body, headers=headers)
                if response.is_success:
                    return True
                problem = f"answered {response.status_code}"
            except httpx.HTTPError as exc:
                problem = f"failed: {exc!r}"
            logger.warning(
                "report webhook: attempt %d of %d for report %s %s",
                attempt,
                webhook.attempts,
                payload.get("id"),
                problem,
            )
            if attempt < webhook.attempts:
                await asyncio.sleep(wait)
                wait *= 2
    logger.error(
        "report webhook: gave up on report %s after %d attempts; it waits in the queue",
        payload.get("id"),
        webhook.attempts,
    )
    return False


async def start_async(webhook: Webhook, payload: dict[str, Any]) -> None:
    """``start``, as a background task of a response: it returns at once."""
    start(webhook, payload)
