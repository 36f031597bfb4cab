"""The sign-in limit counts in Redis when one is configured, so every server
process shares one count per client address."""

from __future__ import annotations

from uuid import uuid4

import pytest
from werkzeug.exceptions import TooManyRequests

from tests.support import REDIS_URL, require_redis
from web.sign_in_limit import SignInLimit


def test_two_processes_share_one_count_in_redis() -> None:
    require_redis()
    first, second = SignInLimit(REDIS_URL, "3 per minute"), SignInLimit(REDIS_URL, "3 per minute")
    client = f"test-{uuid4().hex}"  # a fresh address: no count left from other runs
    first.check(client)
    second.check(client)
    first.check(client)
    with pytest.raises(TooManyRequests) as refused:
        second.check(client)
    assert refused.value.retry_after is not None
    first.check(f"test-{uuid4().hex}")  # another address is counted apart


def test_every_limit_counts_and_a_disabled_limit_counts_nothing() -> None:
    limit = SignInLimit("memory://", "2 per minute;3 per hour")
    client = "10.0.0.1"
    limit.enabled = False
    for _ in range(5):
        limit.check(client)
    limit.enabled = True
    limit.check(client)
    limit.check(client)
    with pytest.raises(TooManyRequests):
        limit.check(client)
