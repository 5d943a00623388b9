"""What ``endoveil status`` prints, and which id prefixes the commands accept.

A video's line, the Ollama circuit's line and the JSON. Light on purpose (no typer, no
settings, no event classes): the full command (``adapters/cli/main.py``) and the quick path
(``adapters/cli/quick_status.py``) print through these same functions, so that the two cannot
drift apart.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from domain.reasons import clause_of, sentence_of

if TYPE_CHECKING:
    from adapters.cleaning.circuit import CircuitBreaker
    from projections.status_rows import VideoStatus

#: How many videos ``status`` shows unless ``--limit`` says otherwise (newest first).
DEFAULT_LIMIT = 100

_ID_PREFIX = re.compile(r"[0-9a-f]{8}(-[0-9a-f-]{0,27})?")


def id_prefix(text: str) -> str | None:
    """The start of a video id that ``text`` gives (at least 8 characters), else None.

    The page and ``status`` show the first 8 characters of an id; those are enough.
    """
    prefix = text.strip().lower()
    return prefix if _ID_PREFIX.fullmatch(prefix) else None


def status_output(
    statuses: Sequence[VideoStatus], breaker: CircuitBreaker, *, one: bool, as_json: bool
) -> list[str]:
    """What ``endoveil status`` prints, one item per echo; ``one``: the status of one video."""
    if as_json:
        payload = [status.as_json() for status in statuses]
        return [json.dumps(payload[0] if one else payload, indent=2)]
    lines = [circuit_line(breaker)]
    if not statuses:
        lines.append("No videos imported yet.")
    lines.extend(status_line(status) for status in statuses)
    return lines


def status_line(status: VideoStatus) -> str:
    """One human line for ``endoveil status``."""
    badge = status.badge
    line = (
        f"{status.video_id}  {status.state.value:<14} level={status.level or '-':<15} "
        f"{badge.text}  [{sentence_of(status.reason)}]"
    )
    return f"{line}\n    WARNING: {badge.warning}" if badge.warning else line


def circuit_json(breaker: CircuitBreaker) -> dict[str, Any]:
    """The circuit breaker's state as a JSON-ready dict."""
    state = breaker.state()
    mode, wait = breaker.describe()
    return {
        "state": mode,
        "consecutive_failures": state.failures,
        "threshold": breaker.threshold,
        "cooldown_s": breaker.cooldown_s,
        "retry_in_s": round(wait, 1),
        "last_reason": state.last_reason,
    }


def circuit_line(breaker: CircuitBreaker) -> str:
    """One line on the Ollama circuit for the top of ``endoveil status``."""
    info = circuit_json(breaker)
    failures = f"{info['consecutive_failures']}/{info['threshold']} consecutive Ollama failures"
    if info["state"] == "closed":
        return f"Ollama circuit: closed ({failures})"
    why = f", last: {clause_of(info['last_reason'])}" if info["last_reason"] else ""
    if info["state"] == "open":
        wait = f"{info['retry_in_s']:.0f} s"
        return f"Ollama circuit: OPEN, level 1 skipped for {wait} more ({failures}{why})"
    return f"Ollama circuit: half-open, the next import probes Ollama ({failures}{why})"
