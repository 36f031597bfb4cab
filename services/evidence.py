"""Evidence uploads: checked by content, stored by hash, recorded all-or-nothing."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any
from uuid import UUID

import filetype

from domain.actor import Actor
from domain.errors import DomainError, InvalidInput, NotFound
from domain.lifecycle import Action
from services.files import FileStore
from services.issues import IssueCommands
from services.store import command
from services.views import IssueView

#: What rectification evidence may be: photos, PDF and office documents.
ALLOWED_TYPES = {
    "image/jpeg",
    "image/png",
    "image/gif",
    "image/webp",
    "image/bmp",
    "image/tiff",
    "image/heic",
    "application/pdf",
    "application/msword",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.ms-excel",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.ms-powerpoint",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
    "application/vnd.oasis.opendocument.text",
    "application/vnd.oasis.opendocument.spreadsheet",
}


class UploadTooLarge(DomainError):
    """A file is over the configured size limit (HTTP 413)."""

    default_code = "upload_too_large"


@dataclass(frozen=True)
class Upload:
    """One file: its bytes, or a readable and seekable binary file (the web
    layer passes the temporary file an upload was spooled to, so a large
    file is never held in memory)."""

    name: str
    content: bytes | IO[bytes]

    @property
    def size(self) -> int:
        if isinstance(self.content, bytes):
            return len(self.content)
        self.content.seek(0, os.SEEK_END)
        size = self.content.tell()
        self.content.seek(0)
        return size

    def head(self, n: int = 8192) -> bytes:
        """The first ``n`` bytes (what the content type is judged by)."""
        if isinstance(self.content, bytes):
            return self.content[:n]
        self.content.seek(0)
        head = self.content.read(n)
        self.content.seek(0)
        return head


@dataclass(frozen=True)
class EvidenceFile:
    path: Path
    name: str
    content_type: str
    size: int


def content_type_of(content: bytes) -> str | None:
    """The type the bytes really are (never the name's extension)."""
    kind = filetype.guess(content[:8192])
    if kind is None:
        return None
    mime = str(kind.mime)
    return mime if mime in ALLOWED_TYPES else None


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    if n >= 1024:
        return f"{n / 1024:g} KB"
    return f"{n} bytes"


class EvidenceCommands(IssueCommands):
    files: FileStore
    max_upload_bytes: int = 20 * 1024 * 1024

    @command
    def attach_evidence_files(
        self,
        actor: Actor,
        ref: str | UUID,
        *,
        uploads: list[Upload],
        note: str = "",
        expected_version: int | None = None,
    ) -> tuple[IssueView, list[dict[str, Any]]]:
        """A handler of the lead or a co unit; while the issue is ``reported``,
        its reporter (discovery evidence). Files are checked (size, real
        type), stored, then the event is saved; if saving fails, files this
        call stored are removed again."""
        with self.checked_command(actor, ref, Action.ATTACH_EVIDENCE, expected_version):
            if not uploads:
                raise InvalidInput("attach at least one file", "file", code="file_required")
            checked = []
            for upload in uploads:
                size = upload.size
                if size > self.max_upload_bytes:
                    raise UploadTooLarge(
                        f"{upload.name} is larger than {_size(self.max_upload_bytes)}",
                        params={"name": upload.name, "limit": _size(self.max_upload_bytes)},
                    )
                if not size:
                    raise InvalidInput(
                        f"{upload.name} is empty", "file", code="empty_file", params={"name": upload.name}
                    )
                kind = content_type_of(upload.head())
                if kind is None:
                    raise InvalidInput(
                        f"{upload.name} is not an image, a PDF or an office document",
                        "file",
                        code="file_type_not_allowed",
                        params={"name": upload.name},
                    )
                checked.append((upload, kind))
            stored: list[dict[str, Any]] = []
            created: list[str] = []
            try:
                for upload, kind in checked:
                    meta, is_new = self.files.put_new(upload.content, name=upload.name, content_type=kind)
                    stored.append(meta)
                    if is_new:
                        created.append(meta["storage_key"])
                view = self.attach_evidence(
                    actor, ref, files=stored, note=note, expected_version=expected_version
                )
            except BaseException:
                for key in created:
                    self.files.remove(key)
                raise
        return view, stored

    def open_evidence(self, actor: Actor, ref: str | UUID, evidence_id: str) -> EvidenceFile:
        """Anyone who may see the issue."""
        issue = self._visible_issue(actor, ref)
        for meta in [*issue.discovery_evidence, *issue.evidence]:
            if meta["id"] == evidence_id:
                try:
                    path = self.files.open(meta["storage_key"])
                except FileNotFoundError:
                    raise NotFound(
                        "the evidence file is missing from the file store", code="evidence_file_missing"
                    ) from None
                return EvidenceFile(path, meta["name"], meta.get("content_type", ""), meta["size"])
        raise NotFound(
            f"no evidence {evidence_id} on this issue",
            code="unknown_evidence",
            params={"evidence": evidence_id},
        )
