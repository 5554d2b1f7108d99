"""Rate limits on signing in and on sign-in links: per address (IPv6 by /64) and per email, through the
same limiter as new comments (in-process, or Redis with ``PORCH_REDIS_URL``). 429 with Retry-After.

The email's bucket is taken whether or not an account has that address, before anything is looked
up, so a refusal says nothing about which addresses exist.
"""

from __future__ import annotations

import hashlib
import logging

from porch.domain.abuse import MAGIC_LINK_LIMITS, SIGN_IN_LIMITS, RateLimit, address_bucket
from porch.errors import RateLimited
from porch.services.context import Context

log = logging.getLogger("porch.abuse")

LIMITS = {"sign-in": SIGN_IN_LIMITS, "magic-link": MAGIC_LINK_LIMITS, "register": MAGIC_LINK_LIMITS}
WHAT = {"sign-in": "sign-in attempts", "magic-link": "sign-in links asked for", "register": "sign-ups"}


def check_sign_in_allowed(ctx: Context, action: str, email: str, remote_addr: str | None) -> None:
    """Take a token from the address's and the email's buckets for ``action``; raise RateLimited if empty."""
    limits: tuple[RateLimit, ...] = LIMITS[action]
    keys = {
        # hashed: the limiter (Redis) need not hold a list of addresses people typed
        "email": f"{action}:email:" + hashlib.sha256(email.encode()).hexdigest()[:32],
        "ip": f"{action}:ip:{address_bucket(remote_addr)}" if remote_addr else None,
    }
    now = ctx.clock().timestamp()
    for limit in limits:
        key = keys[limit.scope]
        if key is None:
            continue  # in-process callers (the CLI, tests of the use case) have no address
        wait = ctx.limiter.take(key, limit, now)
        if wait is not None:
            log.warning("refused %s: too many attempts (%s)", action, limit.scope)
            raise RateLimited(f"too many {WHAT[action]}; try again in {max(1, round(wait))} s", retry_after=wait)
