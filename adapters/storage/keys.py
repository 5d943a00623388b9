"""The key that encrypts events at rest."""

from __future__ import annotations

import contextlib
import os
from pathlib import Path

from eventsourcing.cryptography import AESCipher

KEY_FILE = "cipher.key"


def cipher_key(data_dir: Path, configured: str | None) -> str:
    """The configured key, else the data dir's key file, created (mode 0600) on first use.

    The key is written to a private temp file and hard-linked into place, so two processes
    starting at once agree on one key and neither ever reads a half-written file.
    """
    if configured:
        return configured
    path = data_dir / KEY_FILE
    if not path.exists():
        data_dir.mkdir(parents=True, exist_ok=True)
        temp = data_dir / f".{KEY_FILE}.{os.getpid()}"
        fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(AESCipher.create_key(32) + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temp, path)
        temp.unlink()
    return path.read_text().strip()
