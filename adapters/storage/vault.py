"""Per-video data keys: patient metadata sealed with a key of its own, so it can be shredded.

Events are encrypted at rest with the store's key; on top of that, what level 1 read about
the patient is sealed with the video's own AES key (``keys/<video_id>.key``, mode 0600).
Erasing a video deletes its key: the sealed metadata in the (immutable) event history can
then never be read again, while the history itself still tells that the video existed.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from eventsourcing.cryptography import AESCipher
from eventsourcing.utils import Environment

from adapters.storage.atomic import fsync_dir


class KeyFileVault:
    """Implements the ``MetadataVault`` port with one key file per video."""

    def __init__(self, data_dir: Path) -> None:
        self.folder = data_dir / "keys"

    def _path(self, video_id: str) -> Path:
        return self.folder / f"{video_id}.key"

    def _cipher(self, video_id: str, create: bool) -> AESCipher | None:
        path = self._path(video_id)
        if create and not path.exists():
            self.folder.mkdir(mode=0o700, parents=True, exist_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as handle:
                handle.write(AESCipher.create_key(32))
                handle.flush()
                os.fsync(handle.fileno())
            fsync_dir(self.folder)
        try:
            key = path.read_text().strip()
        except FileNotFoundError:
            return None
        return AESCipher(Environment(env={"CIPHER_KEY": key}))

    def seal(self, video_id: str, metadata: dict[str, Any]) -> str:
        """Encrypt ``metadata`` with the video's key (created on first use)."""
        cipher = self._cipher(video_id, create=True)
        assert cipher is not None
        sealed = cipher.encrypt(json.dumps(metadata, sort_keys=True).encode())
        return base64.b64encode(sealed).decode()

    def unseal(self, video_id: str, sealed: str) -> dict[str, Any] | None:
        """The metadata, or None once the video's key was shredded."""
        cipher = self._cipher(video_id, create=False)
        if cipher is None:
            return None
        opened: dict[str, Any] = json.loads(cipher.decrypt(base64.b64decode(sealed)))
        return opened

    def shred(self, video_id: str) -> bool:
        """Delete the video's key for good; return whether there was one."""
        path = self._path(video_id)
        if not path.exists():
            return False
        path.unlink()
        fsync_dir(self.folder)
        return True
