"""Password hashing (scrypt, through Werkzeug)."""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

from domain.errors import InvalidInput

MIN_LENGTH = 8
#: Checked instead when the username is unknown, so that a guess costs the same
#: (about 0.1 s of CPU) and takes as long whether or not the account exists.
_PLACEHOLDER_HASH = (
    "scrypt:32768:8:1$5ffXAFyXm2XrVCYk$0889ac901dddf30a3b41e8ce8f4a26c4ecdd52a0c73f2e0f95446835216d2658"
    "f3ab46b9e6fa005af1eedc87719f59e39630d26177d1f4bda38c286b813ba479"
)


def hash_password(password: str) -> str:
    if len(password or "") < MIN_LENGTH:
        raise InvalidInput(
            f"a password has at least {MIN_LENGTH} characters",
            "password",
            code="password_too_short",
            params={"min": MIN_LENGTH},
        )
    return generate_password_hash(password, method="scrypt")


def password_matches(password_hash: str, password: str) -> bool:
    return bool(password_hash) and check_password_hash(password_hash, password or "")


def check_against_nothing(password: str) -> None:
    """Spends a password check on no account (an unknown username)."""
    check_password_hash(_PLACEHOLDER_HASH, password or "")
