"""``rectify``: set up, load, project and read the store from a terminal."""

from __future__ import annotations

import json
import sys
from datetime import date

import click

from domain.actor import system_actor
from domain.vocabulary import UnitKind
from services.bootstrap import Services
from services.settings import WeakSecretKey
from web.cli.context import CliState, command, fail, parse_instant, progress_bar


def main() -> None:
    """Entry point: usage errors too are one line on stderr, never a traceback."""
    try:
        code = cli.main(standalone_mode=False)
    except click.ClickException as e:
        fail(e.format_message(), 2)
    except click.Abort:
        fail("aborted")
    except WeakSecretKey as e:
        fail(str(e), 2)
    sys.exit(code if isinstance(code, int) else 0)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.pass_context
def cli(ctx: click.Context) -> None:
    """rectify (整改): an event-sourced workflow for issue rectification."""
    state = CliState()
    ctx.obj = state
    ctx.call_on_close(state.close)


def _project(services: Services, names: list[str] | None = None, *, rebuild: bool = False) -> int:
    """Catches up (or rebuilds) the named projections, default all, one after
    the other; a progress bar per projection on a terminal."""
    projector = services.projector
    selected = projector.names if names is None else names
    bar = progress_bar("rebuilding" if rebuild else "projecting")
    if bar is None:
        return projector.rebuild(selected) if rebuild else projector.catch_up(selected)
    moved = 0
    with bar:
        head = projector.head()
        for name in selected:
            task = bar.add_task(name, total=max(1, head))

            def report(position: int, target: int, task: int = task) -> None:
                bar.update(task, completed=position, total=max(1, target))

            if rebuild:
                moved = max(moved, projector.rebuild([name], progress=report))
            else:
                moved = max(moved, projector.catch_up([name], until=head, progress=report))
            bar.update(task, completed=max(1, head))
    return moved


def _init(services: Services) -> None:
    """Creates the stores; projects from the start of the log whatever
    projection was new or had its schema changed."""
    created = services.init()
    if created and services.projector.head():
        click.echo(f"projecting from events: {', '.join(created)} (new or schema changed)", err=True)
        _project(services, created)


@cli.command()
@command
def init(services: Services) -> None:
    """Create the stores (event store, read model, file store); safe to run twice."""
    _init(services)
    click.echo(f"stores ready: {services.settings.database_url} · data in {services.settings.data_dir}")


@cli.group()
def unit() -> None:
    """Org units."""


@unit.command("add")
@click.argument("code")
@click.option("--name", required=True, help="Chinese name, e.g. 运城市")
@click.option("--kind", required=True, type=click.Choice([k.value for k in UnitKind]))
@click.option("--parent", default=None, help="code of the parent unit (none for the root)")
@command
def unit_add(services: Services, code: str, name: str, kind: str, parent: str | None) -> None:
    """Add an org unit; the first one, with no parent, is the root."""
    services.init()
    view = services.app.add_unit(system_actor(), code=code, name=name, kind=kind, parent=parent)
    click.echo(f"unit {view.code} {view.name} ({view.kind}) added under {view.parent or '(root)'}")


@cli.group()
def user() -> None:
    """User accounts."""


@user.command("add")
@click.argument("username")
@click.option("--role", required=True)
@click.option("--unit", "unit_code", required=True)
@click.option("--password", required=True)
@click.option("--name", default="")
@command
def user_add(services: Services, username: str, role: str, unit_code: str, password: str, name: str) -> None:
    """Create a user."""
    services.init()
    view = services.app.create_user(
        system_actor(), username=username, role=role, unit=unit_code, password=password, name=name
    )
    click.echo(f"user {view.username} ({view.role} at {view.unit}) created")


@cli.command()
@click.option("--size", default=1000, show_default=True, type=click.IntRange(1, 2_000_000))
@click.option("--seed", default=2023, show_default=True, type=int)
@command
def demo(services: Services, size: int, seed: int) -> None:
    """Load a realistic demo city with SIZE problems into an empty store."""
    from services.demo import LOGIN_PATTERN, play_demo

    services.init()
    if services.has_issues():
        fail("the store already has problems; the demo loads only into an empty store")
    bar = progress_bar("demo city")
    # The demo is played over months on its own clock, ending now.
    if bar is None:
        logins = play_demo(services.settings, size=size, seed=seed)
    else:
        with bar:
            task = bar.add_task("problems", total=size)
            logins = play_demo(
                services.settings,
                size=size,
                seed=seed,
                progress=lambda done: bar.update(task, completed=done),
            )
    _project(services, rebuild=False)
    for role, username, password in logins:
        click.echo(f"{role} {username} {password}")
    click.echo(f"# {LOGIN_PATTERN}")


@cli.command()
@click.argument("name", required=False)
@click.option("--rebuild", is_flag=True, help="empty the projection's tables and project every event again")
@command
def project(services: Services, name: str | None, rebuild: bool) -> None:
    """Bring the read model (or projection NAME) up to date with the event store."""
    names = None
    if name is not None:
        if name not in services.projector.names:
            known = ", ".join(services.projector.names)
            fail(f"no projection {name!r}; the projections are: {known}")
        names = [name]
    _init(services)
    applied = _project(services, names, rebuild=rebuild)
    for n in names or services.projector.names:
        click.echo(f"projection {n} at event {services.projector.position(n)}")
    click.echo(f"read model at event {services.projector.position()} ({applied} applied)")


@cli.command()
@click.argument("issue")
@click.option(
    "--as-of",
    "as_of",
    default=None,
    help="ISO 8601 instant, or a date alone: the end of that day in RECTIFY_TIMEZONE",
)
@click.option("--json", "as_json", is_flag=True, help="one JSON object per event")
@command
def history(services: Services, issue: str, as_of: str | None, as_json: bool) -> None:
    """Print an issue's full history (ISSUE is its id or code)."""
    instant = parse_instant(as_of, services)
    entries = services.app.history(system_actor(), issue, as_of=instant)
    for e in entries:
        if as_json:
            record = {
                "version": e.version,
                "type": e.type,
                "at": e.at.isoformat(timespec="microseconds"),
                "actor": e.actor,
                "data": e.data,
            }
            click.echo(json.dumps(record, ensure_ascii=False))
            continue
        who = e.actor.get("username", "?")
        role = e.actor.get("role", "")
        unit_code = e.actor.get("unit", "")
        details = json.dumps(e.data, ensure_ascii=False, sort_keys=True)
        at = e.at.isoformat(timespec="microseconds")
        click.echo(f"v{e.version:<3} {at}  {e.type:<24} {who} ({role}@{unit_code})  {details}")


@cli.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8000, show_default=True, type=int)
@command
def serve(services: Services, host: str, port: int) -> None:
    """Web UI + API (development server; use gunicorn in production, see README).
    On the embedded default (no Redis) it creates the stores first and runs
    the jobs in-process."""
    from services.embedded import EmbeddedRunner
    from web.app import create_app

    runner = None
    if not services.settings.redis_url:
        _init(services)
        runner = EmbeddedRunner(services)
    app = create_app(services=services)
    if runner is not None:
        runner.start()
    click.echo(f"rectify on http://{host}:{port}/  (API docs: /api/docs)", err=True)
    try:
        app.run(host=host, port=port, threaded=True, use_reloader=False)
    finally:
        if runner is not None:
            runner.stop()


@cli.command()
@click.argument("username")
@click.option("--label", default="cli", show_default=True)
@command
def token(services: Services, username: str, label: str) -> None:
    """Print a new API token for USERNAME."""
    issued = services.app.issue_token(system_actor(), username, label=label)
    click.echo(issued.token)


@cli.group()
def deadlines() -> None:
    """The deadline job."""


@deadlines.command("sweep")
@click.option("--now", default=None, help="ISO 8601 instant to act as if it were")
@command
def deadlines_sweep(services: Services, now: str | None) -> None:
    """Run the deadline job once, synchronously."""
    instant = parse_instant(now, services)
    today: date | None = instant.astimezone(services.settings.tz).date() if instant else None
    r = services.sweep_deadlines(today=today)
    click.echo(
        f"checked {r.checked} · warned {r.warned} · missed {r.missed} · "
        f"{r.letters} supervision letters for {r.escalated} problems"
    )
