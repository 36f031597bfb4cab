"""What every command shares: building the services once, and turning user
errors into one line on stderr with a non-zero exit (never a traceback)."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, TypeVar

import click
from eventsourcing.persistence import PersistenceError
from sqlalchemy.exc import OperationalError as SAOperationalError

from domain.errors import DomainError
from services.bootstrap import Services, build
from services.instants import parse_as_of
from services.settings import Settings, SettingsError

F = TypeVar("F", bound=Callable[..., Any])


class CliState:
    def __init__(self) -> None:
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        if self._services is None:
            self._services = build(Settings.from_env())
        return self._services

    def close(self) -> None:
        if self._services is not None:
            self._services.close()


def fail(message: str, code: int = 1) -> None:
    click.echo(f"rectify: {message}", err=True)
    sys.exit(code)


@contextmanager
def user_errors() -> Iterator[None]:
    try:
        yield
    except DomainError as e:
        fail(str(e))
    except SettingsError as e:
        fail(str(e))
    except (PersistenceError, SAOperationalError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        fail(f"cannot use the database: {first}")
    except OSError as e:
        fail(f"{e.strerror or e}: {e.filename}" if e.filename else str(e))


def command(f: F) -> F:
    """Gives the command the services (built on first use) and error handling."""

    @functools.wraps(f)
    @click.pass_obj
    def wrapper(state: CliState, *args: Any, **kwargs: Any) -> Any:
        with user_errors():
            return f(state.services, *args, **kwargs)

    return wrapper  # type: ignore[return-value]


def parse_instant(value: str | None, services: Services) -> datetime | None:
    """ISO 8601; an instant without an offset is read in RECTIFY_TIMEZONE, and
    a date alone is the end of that day there."""
    if not value:
        return None
    try:
        return parse_as_of(value, services.settings.tz, naive_in_tz=True)
    except ValueError:
        raise click.BadParameter(
            f"{value!r} is not an ISO 8601 instant from 0001-01-02 to 9998-12-31 (UTC)"
        ) from None


def progress_bar(label: str) -> Any:
    """A rich progress bar on a terminal, nothing otherwise."""
    if not sys.stderr.isatty():
        return None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        transient=False,
        console=Console(stderr=True),
    )
