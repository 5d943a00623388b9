"""SHA-256 of stored files, hashed in a stream (an approval names the exact bytes)."""

from __future__ import annotations

import hashlib
from pathlib import Path

_CHUNK = 1 << 20


def sha256_of(path: Path) -> str:
    """Hex SHA-256 of ``path``, read a megabyte at a time (never the whole file)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


class StoredFileDigests:
    """Implements ``FileDigests`` on a data directory."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir

    def sha256(self, location: str) -> str | None:
        """Hex SHA-256 of the stored file at ``location`` (relative to the data dir), or None."""
        try:
            return sha256_of(self.data_dir / location)
        except FileNotFoundError:
            return None
