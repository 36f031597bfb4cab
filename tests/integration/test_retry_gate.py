"""The retry gate (services/retry_gate.py): retrying commands of different
processes take turns, and a gate that cannot be had never stops a command."""

from __future__ import annotations

import threading
import time

from services.bootstrap import Services
from services.database import retry_gate
from services.retry_gate import PostgresGate, RetryGate
from tests.processes import free_port


def _takes_turns(first: RetryGate, second: RetryGate) -> None:
    entered: list[float] = []
    with first.hold():

        def enter() -> None:
            with second.hold():
                entered.append(time.monotonic())

        other = threading.Thread(target=enter)
        other.start()
        time.sleep(0.3)
        released = time.monotonic()
        assert not entered, "the second holder did not wait for the first"
    other.join(10)
    assert entered and entered[0] >= released


def test_two_processes_take_turns_at_the_gate(services: Services) -> None:
    """Two gates on one database stand for two processes."""
    first, second = retry_gate(services.settings.database_url), retry_gate(services.settings.database_url)
    try:
        _takes_turns(first, second)
        with first.hold(), first.hold():  # a nested command re-enters its own gate
            pass
    finally:
        first.close()
        second.close()


def test_a_gate_that_cannot_be_had_lets_the_command_go_ahead() -> None:
    gate = PostgresGate(f"postgresql://postgres@127.0.0.1:{free_port()}/nothing")
    started = time.monotonic()
    with gate.hold():
        pass
    assert time.monotonic() - started < 5
    gate.close()
