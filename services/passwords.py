"""Password hashing (scrypt, through Werkzeug)."""

from __future__ import annotations

from werkzeug.security import check_password_hash, generate_password_hash

from domain.errors import InvalidInput

MIN_LENGTH = 8


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
