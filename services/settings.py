"""The one settings object, read from the environment (see CONTRACT.md)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


class SettingsError(ValueError):
    """A configuration value is unusable; the message names the variable."""


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name, "").strip()
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, not {raw!r}") from None
    if value < 0:
        raise SettingsError(f"{name} must not be negative")
    return value


@dataclass(frozen=True)
class Settings:
    data_dir: Path = Path("var")
    database_url: str = ""
    redis_url: str | None = None
    secret_key: str | None = None
    timezone: str = "Asia/Shanghai"
    warn_days: int = 3
    escalate_days: int = 14
    escalate_days_key: int = 3
    max_upload_bytes: int = 20 * 1024 * 1024
    #: The largest JSON request body (uploads have max_upload_bytes per file).
    max_json_bytes: int = 1024 * 1024
    # The web UI's session cookie: Secure (HTTPS only), and how long an idle session lasts.
    secure_cookies: bool = False
    session_idle_hours: int = 8
    # Extra eventsourcing settings (tests and benchmarks tune the cache with it).
    eventsourcing_env: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.database_url:
            path = (self.data_dir / "rectify.sqlite3").absolute()
            object.__setattr__(self, "database_url", f"sqlite:///{path}")
        try:
            ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError):
            raise SettingsError(f"RECTIFY_TIMEZONE {self.timezone!r} is not a known time zone") from None

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        env = os.environ if environ is None else environ
        settings = cls(
            data_dir=Path(env.get("RECTIFY_DATA_DIR") or "var"),
            database_url=env.get("RECTIFY_DATABASE_URL", "").strip(),
            redis_url=env.get("RECTIFY_REDIS_URL", "").strip() or None,
            secret_key=env.get("RECTIFY_SECRET_KEY") or None,
            timezone=env.get("RECTIFY_TIMEZONE") or "Asia/Shanghai",
            warn_days=_int(env, "RECTIFY_WARN_DAYS", 3),
            escalate_days=_int(env, "RECTIFY_ESCALATE_DAYS", 14),
            escalate_days_key=_int(env, "RECTIFY_ESCALATE_DAYS_KEY", 3),
            max_upload_bytes=_int(env, "RECTIFY_MAX_UPLOAD_BYTES", 20 * 1024 * 1024),
            max_json_bytes=_int(env, "RECTIFY_MAX_JSON_BYTES", 1024 * 1024),
            secure_cookies=env.get("RECTIFY_SECURE_COOKIES", "").strip().lower() in ("1", "true", "yes"),
            session_idle_hours=_int(env, "RECTIFY_SESSION_IDLE_HOURS", 8) or 8,
        )
        return replace(settings, **overrides) if overrides else settings  # type: ignore[arg-type]

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def ensure_secret_key(self) -> str:
        """The configured key, or one generated once and kept in the data dir.
        A configured key that is short or a known placeholder is refused
        (:class:`WeakSecretKey`): the server does not start with it."""
        if self.secret_key:
            check_secret_key(self.secret_key)
            return self.secret_key
        path = self.data_dir / "secret_key"
        if not path.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()


#: Fewer characters than this, and a secret key is refused.
MIN_SECRET_KEY_LENGTH = 32
#: Placeholders found in examples and compose files: refused whatever their length.
PLACEHOLDER_SECRET_KEYS = frozenset(
    {
        "change-me",
        "changeme",
        "change_me",
        "secret",
        "secret-key",
        "secret_key",
        "dev",
        "development",
        "test",
        "default",
        "password",
        "rectify",
        "please-change-me",
        "your-secret-key",
    }
)


class WeakSecretKey(ValueError):
    """``RECTIFY_SECRET_KEY`` is too weak to sign sessions and CSRF tokens."""


def check_secret_key(key: str) -> None:
    """Refuses a placeholder, a key of one repeated character, or one shorter
    than :data:`MIN_SECRET_KEY_LENGTH` characters. The message never
    repeats the key."""
    folded = key.strip().lower()
    if folded in PLACEHOLDER_SECRET_KEYS or len(set(folded)) < 2:
        raise WeakSecretKey(
            "RECTIFY_SECRET_KEY is a placeholder: set a random one (python -c "
            "'import secrets; print(secrets.token_hex(32))')"
        )
    if len(key) < MIN_SECRET_KEY_LENGTH:
        raise WeakSecretKey(
            f"RECTIFY_SECRET_KEY has {len(key)} characters, at least {MIN_SECRET_KEY_LENGTH} are needed: "
            "set a random one (python -c 'import secrets; print(secrets.token_hex(32))'), "
            "or leave it unset to have one generated in the data dir"
        )
