"""One entry point: ``python -m benchmarks [commands|projection|demo|all] [--quick]``.

Prints a table per benchmark and writes the results (with the machine they
ran on) as JSON to ``benchmarks/results/``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from benchmarks import common

NAMES = ("commands", "projection", "demo")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("which", nargs="?", default="all", choices=[*NAMES, "all"])
    parser.add_argument("--quick", action="store_true", help="small sizes, one minute or so: a smoke run")
    parser.add_argument(
        "--db",
        action="append",
        choices=common.KINDS,
        help="database kind (repeatable); default: sqlite, and postgres when reachable",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="commands, projection, demo: profile afterwards (see their docstrings)",
    )
    parser.add_argument("--size", type=int, default=None, help="projection/demo: override the demo size")
    parser.add_argument(
        "--repeat",
        type=int,
        default=None,
        help="projection/demo: override the repetitions (demo: 0 = no CLI runs)",
    )
    parser.add_argument(
        "--projector-cache",
        type=int,
        action="append",
        help="projection: also rebuild with a projector cache of this many aggregates (repeatable)",
    )
    parser.add_argument(
        "--es-env",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="projection: extra eventsourcing env for the run (repeatable)",
    )
    parser.add_argument(
        "--results-dir", type=Path, default=common.RESULTS, help="where the JSON goes (default: %(default)s)"
    )
    args = parser.parse_args(argv)

    kinds: list[str] = args.db or ["sqlite", "postgres"]
    if "postgres" in kinds and not common.postgres_available():
        if args.db:
            parser.error(f"PostgreSQL is not reachable at {common.PG_SERVER}")
        common.log(f"PostgreSQL is not reachable at {common.PG_SERVER}: SQLite only")
        kinds = [k for k in kinds if k != "postgres"]

    machine = common.machine()
    print(
        f"{machine['date']} · nproc {machine['nproc']} · {machine['cpu']} · Python {machine['python']} · "
        f"eventsourcing {machine['eventsourcing']} · SQLite {machine['sqlite']} · "
        f"PostgreSQL {machine['postgres']} · load {machine['loadavg_at_start'][0]:.2f} · "
        f"git {machine['git_commit']}{' (dirty)' if machine['git_dirty'] else ''}"
    )
    print(f"command: {' '.join([Path(sys.executable).name, '-m', 'benchmarks', *(argv or sys.argv[1:])])}")

    which = NAMES if args.which == "all" else (args.which,)
    for name in which:
        payload: dict[str, Any]
        if name == "commands":
            from benchmarks import commands

            profile_dir = args.results_dir / "profiles" if args.profile else None
            payload = commands.run(kinds, quick=args.quick, profile_dir=profile_dir)
        elif name == "projection":
            from benchmarks import projection

            es_env = dict(item.split("=", 1) for item in args.es_env)
            payload = projection.run(
                kinds,
                quick=args.quick,
                size=args.size,
                repeat=args.repeat,
                cache_sizes=args.projector_cache,
                es_env=es_env,
                profile_dir=args.results_dir / "profiles" if args.profile else None,
            )
        else:
            from benchmarks import demo

            profile_dir = args.results_dir / "profiles" if args.profile else None
            payload = demo.run(
                kinds, quick=args.quick, size=args.size, repeat=args.repeat, profile_dir=profile_dir
            )
        payload["machine"] = machine
        payload["argv"] = sys.argv
        path = common.write_result(name, payload, args.results_dir)
        print(f"results: {path}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
