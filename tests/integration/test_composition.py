"""The composition root builds the adapters from settings and passes them in."""

from __future__ import annotations

from pathlib import Path

from services.bootstrap import build
from services.settings import Settings


def test_the_application_gets_its_adapters_from_the_settings(tmp_path: Path) -> None:
    settings = Settings(
        data_dir=tmp_path, warn_days=5, escalate_days=9, escalate_days_key=2, max_upload_bytes=1234
    )
    services = build(settings)
    try:
        app = services.app
        assert app.files.root == tmp_path / "evidence"
        assert (app.deadline_policy.warn_days, app.deadline_policy.escalate_days) == (5, 9)
        assert app.deadline_policy.escalate_days_key == 2
        assert app.max_upload_bytes == 1234
        assert app.user_watch is None  # SQLite has no notifications
        assert services.projector.names == ["org", "issues"]
    finally:
        services.close()
