"""Rate limits on sending reports: per client address and for everyone, with `limits`.

The counters live in memory in each worker process (``limits``' MemoryStorage, a moving
window): a server of N workers lets through up to N times the configured figures, and a
restart forgets them. That is enough to keep one person or a script from flooding the
queue; a shared storage would be needed for exact figures across workers.
"""

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter

from app.errors import TooManyRequests

EVERYONE = "everyone"


@dataclass(frozen=True)
class ReportLimits:
    """The per-address and the global limits, and this worker's counters."""

    per_address: tuple[RateLimitItem, ...]
    overall: tuple[RateLimitItem, ...]
    limiter: MovingWindowRateLimiter

    @classmethod
    def from_settings(cls, per_address: str, overall: str) -> "ReportLimits":
        """Limits written as ``5/minute;30/day``, each counted in a moving window."""
        return cls(
            tuple(parse_many(per_address)),
            tuple(parse_many(overall)),
            MovingWindowRateLimiter(MemoryStorage()),
        )

    def hit(self, address: str) -> None:
        """Count one report from ``address``, or a 429 with Retry-After when a limit is full.

        Every limit is tested before any is counted, so a refused report uses up nothing.
        """
        checks: list[tuple[RateLimitItem, tuple[str, ...]]] = [
            (item, ("address", address)) for item in self.per_address
        ]
        checks += [(item, (EVERYONE,)) for item in self.overall]
        for item, keys in checks:
            if not self.limiter.test(item, *keys):
                reset, _ = self.limiter.get_window_stats(item, *keys)
                wait = math.ceil(reset - time.time())
                whose = "from this address" if keys[0] == "address" else "from everyone"
                raise TooManyRequests(
                    f"too many reports {whose}: at most {item}; try again in {max(1, wait)} s",
                    wait,
                )
        for item, keys in checks:
            self.limiter.hit(item, *keys)
