"""Short-lived signed media URLs, so that a ``<video>`` element streams with Range requests.

A player cannot send the bearer token, and downloading a 2 GB exam as a blob before it plays
is unusable. The API (with a token) hands out ``/media/{id}?type=...&who=...&exp=...&sig=...``:
an HMAC of the video, the file kind, the holder's name and the expiry, keyed by a secret
derived from the event store's cipher key (every API process of one installation agrees).
The link names its holder, so who saw a raw file is still recorded from the signed name.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Callable
from urllib.parse import urlencode

#: Seconds a link stays valid; the page asks for a fresh one when a player's link expires.
LINK_SECONDS = 600


class MediaSigner:
    """Signs and checks media links.

    Args:
        key: the installation's secret (any bytes; only a derived key is used).
        lifetime_s: how long a link is valid.
        clock: seconds since the epoch (tests move it instead of waiting).
    """

    def __init__(
        self, key: bytes, lifetime_s: float = LINK_SECONDS, clock: Callable[[], float] = time.time
    ) -> None:
        self._key = hmac.new(key, b"endoveil media links v1", hashlib.sha256).digest()
        self._lifetime = lifetime_s
        self._clock = clock

    def _signature(self, video_id: str, kind: str, who: str, expires: int) -> str:
        message = f"{video_id}\n{kind}\n{who}\n{expires}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()

    def link(self, video_id: str, kind: str, who: str) -> str:
        """A path with query that serves ``kind`` of ``video_id`` to ``who`` for a while."""
        expires = int(self._clock() + self._lifetime)
        query = {"type": kind, "who": who, "exp": expires,
                 "sig": self._signature(video_id, kind, who, expires)}  # fmt: skip
        return f"/media/{video_id}?{urlencode(query)}"

    def valid(self, video_id: str, kind: str, who: str, expires: int, signature: str) -> bool:
        """Whether the link is genuine and has not expired (compared in constant time)."""
        expected = self._signature(video_id, kind, who, expires)
        return hmac.compare_digest(expected, signature) and self._clock() <= expires
