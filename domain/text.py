"""Text as the domain keeps it: storable, NFC, and never only invisible.

Every free text a command records (titles, descriptions, notes, reasons,
names) goes through :func:`clean_text`, so each entry point (the API, the
command line, the demo, imports) gets the same rules:

* it can be stored: no NUL (PostgreSQL text cannot hold one) and no lone
  surrogate (``"\\ud800"`` is valid JSON but no UTF-8 encodes it);
* it is in Unicode normalisation form NFC, so a composed and a decomposed
  ``é`` are one text (and one search, ``services/read_model/search.py``);
* invisible characters at its edges (white space, controls, format
  characters such as zero-width spaces and bidi controls, fillers) are
  removed like white space, so a text made only of them is empty. Inside a
  text they stay: a zero-width joiner holds an emoji sequence together.
"""

from __future__ import annotations

import re
import unicodedata
from uuid import UUID

from domain.errors import InvalidInput

#: The bidirectional formatting characters: embeddings and overrides
#: (U+202A-U+202E), isolates (U+2066-U+2069), the implicit marks LRM, RLM
#: (U+200E, U+200F) and ALM (U+061C). A right-to-left override in a file
#: name shows ``evil\u202egpj.exe`` as ``evilexe.jpg``.
BIDI_CONTROLS = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

#: Control (Cc), format (Cf), space (Zs), line and paragraph separators (Zl,
#: Zp) and surrogate (Cs) code points show nothing of themselves.
_INVISIBLE_CATEGORIES = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp", "Cs"})

#: Letters and symbols that fonts draw as nothing: Hangul fillers, the
#: braille blank, the combining grapheme joiner.
_FILLERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u034f")


def is_invisible(ch: str) -> bool:
    """Whether a character shows nothing by itself (white space included)."""
    return ch.isspace() or ch in _FILLERS or unicodedata.category(ch) in _INVISIBLE_CATEGORIES


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (which no UTF-8 can encode)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def check_storable(text: str, field: str) -> str:
    """``text`` unchanged, or 422 naming ``field`` when it cannot be stored."""
    if "\x00" in text:
        raise InvalidInput(f"{field} must not contain NUL characters", field, code="nul_character")
    if has_surrogate(text):
        raise InvalidInput(
            f"{field} is not valid Unicode text (it holds a lone surrogate)",
            field,
            code="unpaired_surrogate",
        )
    return text


def strip_invisible(text: str) -> str:
    """``text`` without the invisible characters at its start and end."""
    start, end = 0, len(text)
    while start < end and is_invisible(text[start]):
        start += 1
    while end > start and is_invisible(text[end - 1]):
        end -= 1
    return text[start:end]


def normalise(text: str | None, field: str) -> str:
    """Storable (:func:`check_storable`), NFC, without invisible edges."""
    text = check_storable(text or "", field)
    return strip_invisible(unicodedata.normalize("NFC", text))


def clean_text(value: str | None, field: str, *, limit: int = 5000, required: bool = True) -> str:
    """A free text to record: :func:`normalise`, then not empty when
    ``required`` (``field_required``) and at most ``limit`` characters of
    the normalised text (``too_long``)."""
    text = normalise(value, field)
    if required and not text:
        raise InvalidInput(f"{field} must not be empty", field, code="field_required")
    if len(text) > limit:
        raise InvalidInput(
            f"{field} has at most {limit} characters", field, code="too_long", params={"limit": limit}
        )
    return text


def id_name(text: str) -> str:
    """``text`` as a name an id is derived from (``uuid5``): unchanged for
    any storable text; a lone surrogate, which no stored code or username
    holds, becomes U+FFFD, so deriving the id of a name nobody could have
    given never fails (the lookup then finds nothing)."""
    return text.encode("utf-8", "surrogatepass").decode("utf-8", "replace") if has_surrogate(text) else text


_UUID = re.compile(
    r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|[0-9a-f]{32}", re.ASCII | re.IGNORECASE
)


def ascii_uuid(text: str) -> UUID:
    """The id ``text`` writes in ASCII hex, hyphenated or not; ``ValueError``
    otherwise. (``uuid.UUID`` also reads other digits, ``"١" * 32``, braces
    and ``urn:uuid:``: such a text names no id here.)"""
    if not _UUID.fullmatch(text):
        raise ValueError(f"not an id: {text!r}")
    return UUID(text)
