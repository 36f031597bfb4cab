"""Guessing passwords: at most so many sign-ins per client address (429 past it).

Only ``POST /api/v1/tokens`` is limited, so the check runs there and nowhere
else (a global rate-limit hook cost every API request about 3 % of its CPU).
Counting is the ``limits`` library's (fixed windows), in Redis when
``RECTIFY_REDIS_URL`` is set (shared by every server process), else in
memory.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

#: Per client address.
SIGN_IN_LIMIT = "10 per minute;100 per hour"
NAMESPACE = "rectify-sign-in"


class SignInLimit:
    def __init__(self, storage_uri: str, limits: str = SIGN_IN_LIMIT) -> None:
        self.items: list[RateLimitItem] = parse_many(limits)
        self.limiter = FixedWindowRateLimiter(storage_from_string(storage_uri))
        self.enabled = True

    def check(self, client: str) -> None:
        """Counts one attempt by ``client``; 429 (with Retry-After) when over."""
        if not self.enabled:
            return
        for item in self.items:
            if not self.limiter.test(item, NAMESPACE, client):
                reset_at, _ = self.limiter.get_window_stats(item, NAMESPACE, client)
                wait = max(1, int(reset_at - time.time()) + 1)
                raise TooManyRequests(
                    f"too many sign-in attempts: at most {item}; try again in {wait} s",
                    retry_after=wait,
                )
        for item in self.items:
            self.limiter.hit(item, NAMESPACE, client)


def install(app: Flask, storage_uri: str) -> SignInLimit:
    limit = SignInLimit(storage_uri)
    app.extensions["sign_in_limit"] = limit
    return limit


def check_sign_in() -> None:
    limit: SignInLimit = current_app.extensions["sign_in_limit"]
    limit.check(request.remote_addr or "unknown")
