"""Guessing passwords: so many sign-ins per username and client address, and
more per address alone (429 with ``Retry-After`` past either).

Counting per username and address lets an office behind one NAT address sign
in its people without locking each other out, while one guesser stays at 10
a minute per account; the per-address ceiling bounds what one address may
try across accounts. Each guess also costs a password hash (about 0.1 s of
CPU), for unknown usernames too (``services/accounts.py``).

Only ``POST /api/v1/tokens`` is limited, so the check runs there and nowhere
else (a global rate-limit hook cost every API request about 3 % of its CPU).
Counting is the ``limits`` library's (fixed windows), in Redis when
``RECTIFY_REDIS_URL`` is set, else in the database
(``services/sign_in_counts.py``): either way every server process shares
the count. Each attempt is counted first, in every window, and refused when
a count passes its limit, so processes counting at once cannot both slip
through, and refused attempts count towards the address's ceiling too.
"""

from __future__ import annotations

import time

from flask import Flask, current_app, request
from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import FixedWindowRateLimiter
from werkzeug.exceptions import TooManyRequests

#: Per username and client address.
PER_USER = "10 per minute;100 per hour"
#: Per client address, whatever the username.
PER_ADDRESS = "100 per minute;1000 per hour"
NAMESPACE = "rectify-sign-in"


class SignInLimit:
    def __init__(
        self, storage: str | Storage, per_user: str = PER_USER, per_address: str = PER_ADDRESS
    ) -> None:
        self.per_user: list[RateLimitItem] = parse_many(per_user)
        self.per_address: list[RateLimitItem] = parse_many(per_address)
        store = storage_from_string(storage) if isinstance(storage, str) else storage
        self.limiter = FixedWindowRateLimiter(store)
        self.enabled = True

    def check(self, username: str, client: str) -> None:
        """Counts one attempt to sign in as ``username`` from ``client``; 429
        (with Retry-After) when over a limit."""
        if not self.enabled:
            return
        account = str(username or "").strip().lower()[:64]
        counted = ((self.per_user, ("user", account, client)), (self.per_address, ("address", client)))
        waits: list[tuple[int, RateLimitItem]] = []
        for items, key in counted:  # every window counts the attempt, refused or not
            for item in items:
                if not self.limiter.hit(item, NAMESPACE, *key):
                    reset_at, _ = self.limiter.get_window_stats(item, NAMESPACE, *key)
                    waits.append((max(1, int(reset_at - time.time()) + 1), item))
        if waits:
            wait, item = max(waits, key=lambda found: found[0])
            raise TooManyRequests(
                f"too many sign-in attempts: at most {item}; try again in {wait} s", retry_after=wait
            )


def install(app: Flask, storage: str | Storage) -> SignInLimit:
    limit = SignInLimit(storage)
    app.extensions["sign_in_limit"] = limit
    return limit


def check_sign_in(username: str) -> None:
    limit: SignInLimit = current_app.extensions["sign_in_limit"]
    limit.check(username, request.remote_addr or "unknown")
