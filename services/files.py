"""The evidence file store: files kept by content hash under the data dir."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
import unicodedata
from pathlib import Path
from typing import Any
from uuid import NAMESPACE_URL, uuid5


def safe_name(name: str) -> str:
    """A file name with no path, control characters or leading dots."""
    name = unicodedata.normalize("NFC", name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = re.sub(r"[\x00-\x1f\x7f<>:\"|?*]", "_", name).strip().lstrip(".")
    return name[:120] or "file"


class FileStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, sha256: str) -> Path:
        return self.root / sha256[:2] / sha256[2:4] / sha256

    def put(self, content: bytes, *, name: str, content_type: str) -> dict[str, Any]:
        """Stores the bytes (once per content) and returns the evidence metadata."""
        return self.put_new(content, name=name, content_type=content_type)[0]

    def put_new(self, content: bytes, *, name: str, content_type: str) -> tuple[dict[str, Any], bool]:
        """Like :meth:`put`; also says whether this call wrote the file."""
        sha256 = hashlib.sha256(content).hexdigest()
        path = self._path(sha256)
        is_new = not path.exists()
        if is_new:
            path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=path.parent)
            with os.fdopen(fd, "wb") as f:
                f.write(content)
            Path(tmp).replace(path)
        clean = safe_name(name)
        meta = {
            "id": str(uuid5(NAMESPACE_URL, f"rectify:evidence:{sha256}:{clean}")),
            "name": clean,
            "size": len(content),
            "sha256": sha256,
            "content_type": content_type,
            "storage_key": f"{sha256[:2]}/{sha256[2:4]}/{sha256}",
        }
        return meta, is_new

    def remove(self, storage_key: str) -> None:
        path = self.root / storage_key
        path.unlink(missing_ok=True)

    def open(self, storage_key: str) -> Path:
        path = (self.root / storage_key).resolve()
        if self.root.resolve() not in path.parents or not path.is_file():
            raise FileNotFoundError(storage_key)
        return path
