"""The evidence file store: files kept by content hash under the data dir."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import IO, Any
from uuid import NAMESPACE_URL, uuid5

from domain.text import BIDI_CONTROLS

#: How much of an uploaded file is in memory at a time while it is stored.
CHUNK = 256 * 1024


#: Bidi controls go (``photo\u202egnp.exe`` shows as ``photoexe.png``).
_BIDI = str.maketrans(dict.fromkeys(map(ord, BIDI_CONTROLS)))
#: Controls (C0, DEL, C1), lone surrogates and what file systems refuse become "_".
_UNSAFE = re.compile('[\x00-\x1f\x7f-\x9f\ud800-\udfff<>:"|?*]')


def safe_name(name: str) -> str:
    """A file name with no path, bidi controls, control characters or
    leading dots, in NFC."""
    name = unicodedata.normalize("NFC", (name or "").translate(_BIDI))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip().lstrip(".")
    return name[:120] or "file"


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, content: bytes, *, name: str, content_type: str) -> dict[str, Any]:
        """Stores the bytes (once per content) and returns the evidence metadata."""
        return self.put_new(content, name=name, content_type=content_type)[0]

    def put_new(
        self, content: bytes | IO[bytes], *, name: str, content_type: str
    ) -> tuple[dict[str, Any], bool]:
        """Like :meth:`put`; also says whether this call wrote the file.
        ``content`` may be a binary file: it is copied in chunks while hashed."""
        if isinstance(content, bytes):
            sha256, size = hashlib.sha256(content).hexdigest(), len(content)
            path = self._path(sha256)
            is_new = not path.exists()
            if is_new:
                path.parent.mkdir(parents=True, exist_ok=True)
                fd, tmp = tempfile.mkstemp(dir=path.parent)
                with os.fdopen(fd, "wb") as f:
                    f.write(content)
                Path(tmp).replace(path)
        else:
            sha256, size, is_new = self._put_stream(content)
        clean = safe_name(name)
        meta = {
            "id": str(uuid5(NAMESPACE_URL, f"rectify:evidence:{sha256}:{clean}")),
            "name": clean,
            "size": size,
            "sha256": sha256,
            "content_type": content_type,
            "storage_key": f"{sha256[:2]}/{sha256[2:4]}/{sha256}",
        }
        return meta, is_new

    def _put_stream(self, content: IO[bytes]) -> tuple[str, int, bool]:
        """Copies ``content`` into the store, hashing it on the way: a
        temporary file first, renamed to its hash (or dropped when the store
        has that content already)."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            content.seek(0)
            with os.fdopen(fd, "wb") as f:
                while chunk := content.read(CHUNK):
                    digest.update(chunk)
                    f.write(chunk)
                    size += len(chunk)
            sha256 = digest.hexdigest()
            path = self._path(sha256)
            is_new = not path.exists()
            if is_new:
                path.parent.mkdir(parents=True, exist_ok=True)
                Path(tmp).replace(path)
        finally:
            Path(tmp).unlink(missing_ok=True)
        return sha256, size, is_new

    def remove(self, storage_key: str) -> None:
        path = self.root / storage_key
        path.unlink(missing_ok=True)

    def open(self, storage_key: str) -> Path:
        path = (self.root / storage_key).resolve()
        if self.root.resolve() not in path.parents or not path.is_file():
            raise FileNotFoundError(storage_key)
        return path
