"""``.ci/ensure-browser`` (run by ``make test``): nothing to do when Chromium
is there; one clear line on stderr and a non-zero exit when it cannot install it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / ".ci" / "ensure-browser"


def run(tmp_path: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(SCRIPT)],
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )


def test_a_browser_that_cannot_be_installed_fails_with_one_line(tmp_path: Path) -> None:
    failing_apt = tmp_path / "apt-get"
    failing_apt.write_text("#!/bin/sh\nexit 100\n")
    failing_apt.chmod(0o755)
    done = run(
        tmp_path, ENSURE_BROWSER_PATH=str(tmp_path / "no-chromium"), ENSURE_BROWSER_APT=str(failing_apt)
    )
    assert done.returncode != 0
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith("ensure-browser: ")
    assert "cannot install" in lines[0] or "needs root" in lines[0]


@pytest.mark.skipif(not Path("/usr/bin/chromium").exists(), reason="Chromium is not installed here")
def test_nothing_happens_when_chromium_is_there(tmp_path: Path) -> None:
    done = run(tmp_path, ENSURE_BROWSER_APT=str(tmp_path / "never-called"))
    if "fonts-wqy-microhei" in done.stdout + done.stderr:
        pytest.skip("the screenshot font is missing here: the script would install it")
    assert done.returncode == 0 and done.stdout == "" and done.stderr == ""
