"""The key that encrypts events at rest: read, checked for shape, created only for a new store.

Light on purpose: reading the key and opening the key check load no event store, so that
``endoveil status`` can answer from the views without it (``adapters/cli/quick_status.py``).
"""

from __future__ import annotations

import binascii
import contextlib
import os
from base64 import b64decode
from pathlib import Path

KEY_FILE = "cipher.key"

#: The key check (``adapters.storage.keycheck``): the one row of this table holds this constant,
#: encrypted with the store's key.
KEY_CHECK_TABLE = "endoveil_key_check"
KEY_CHECK_CANARY = b"endoveil key check: the events of this store are encrypted with this key"


class StartRefused(Exception):
    """endoveil must not start: the message is the one line the user sees (no patient data)."""


def configured_key(data_dir: Path, configured: str | None) -> str | None:
    """The configured key, else the data dir's key file; None when there is neither.

    Raises:
        StartRefused: the key is not base64 of 16, 24 or 32 bytes.
    """
    key = configured
    where = "ENDOVEIL_CIPHER_KEY"
    if not key:
        where = str(data_dir / KEY_FILE)
        try:
            key = (data_dir / KEY_FILE).read_text().strip()
        except FileNotFoundError:
            return None
    check_shape(key, where)
    return key


def check_shape(key: str, where: str) -> None:
    """Refuse a key that is not base64 of 16, 24 or 32 bytes (AES-128/192/256)."""
    try:
        size = len(b64decode(key.encode(), validate=True))
    except (binascii.Error, ValueError):
        size = -1
    if size not in (16, 24, 32):
        raise StartRefused(
            f"the cipher key in {where} is malformed: expected base64 of 16, 24 or 32 bytes"
        )


def new_key() -> str:
    """A fresh random AES-256 key (base64), not yet stored anywhere."""
    from eventsourcing.cryptography import AESCipher  # the event store's cipher, loaded here

    return AESCipher.create_key(32)


def opens_key_check(key: str, token: str) -> bool:
    """Whether ``key`` decrypts the key check's ``token`` (base64) to the canary.

    AES-GCM in the layout of eventsourcing's ``AESCipher`` (nonce, tag, ciphertext), without
    loading the event store. True cannot happen without the store's key; False only means this
    shortcut cannot tell, and :func:`adapters.storage.keycheck.verify_key` (the library's own
    cipher) has the last word.
    """
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        sealed = b64decode(token.encode(), validate=True)
        nonce, tag, encrypted = sealed[:12], sealed[12:28], sealed[28:]
        cipher = AESGCM(b64decode(key.encode(), validate=True))
        opened = cipher.decrypt(nonce, encrypted + tag, None)
    except (InvalidTag, ValueError):  # binascii.Error is a ValueError
        return False
    return opened == KEY_CHECK_CANARY


def save_key(data_dir: Path, key: str) -> str:
    """Store ``key`` as the data dir's key file (mode 0600) unless one appeared meanwhile.

    The key is written to a private temp file and hard-linked into place, so two processes
    starting at once agree on one key and neither ever reads a half-written file.

    Returns:
        The key now in the file: ``key``, or the one a concurrent process stored first.
    """
    path = data_dir / KEY_FILE
    data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    temp = data_dir / f".{KEY_FILE}.{os.getpid()}"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(key + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    with contextlib.suppress(FileExistsError):
        os.link(temp, path)
    temp.unlink()
    return path.read_text().strip()
