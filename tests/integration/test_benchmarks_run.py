"""The benchmarks must not rot: the quick command benchmark runs on SQLite."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_quick_command_benchmark_prints_the_ratio(tmp_path: Path) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks",
            "commands",
            "--quick",
            "--db",
            "sqlite",
            "--results-dir",
            str(tmp_path),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    assert re.search(r"^ratio sqlite: \d+\.\d\d rectify/baseline", done.stdout, re.MULTILINE), done.stdout
    assert "baseline+cache" in done.stdout
    assert len(list(tmp_path.glob("commands-*.json"))) == 1
