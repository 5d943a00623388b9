"""How reports, statuses and audit trails are shown: text lines and JSON dicts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from domain.importer import ImportReport
from domain.rulebook import State, next_state
from projections.status import VideoStatus


def import_json(report: ImportReport, locate: Callable[[str], str]) -> dict[str, Any]:
    """The ``import --json`` object of one file."""
    return {
        "file": report.source,
        "video_id": str(report.video_id) if report.video_id else None,
        "state": report.state.value if report.state else None,
        "anonymized": report.anonymized,
        "level": report.level.value if report.level else None,
        "output": locate(report.output) if report.output else None,
        "reason": report.reason,
        "detail": report.detail,
        "duplicate": report.duplicate,
    }


def import_line(report: ImportReport, locate: Callable[[str], str]) -> str:
    """One human line for an imported file."""
    level = report.level.value if report.level else "-"
    if report.anonymized and report.output:
        outcome = f"Anonymized ({level}) -> {locate(report.output)}"
    else:
        outcome = "Raw (Not Anonymized): quarantined, never served as anonymized"
    again = " (already imported)" if report.duplicate else ""
    return f"{report.video_id}  {outcome}{again}  [{report.reason}]"


def status_line(status: VideoStatus) -> str:
    """One human line for ``endoveil status``."""
    badge = status.badge
    line = (
        f"{status.video_id}  {status.state.value:<14} level={status.level or '-':<15} "
        f"{badge.text}  [{status.reason}]"
    )
    return f"{line}\n    WARNING: {badge.warning}" if badge.warning else line


def audit_lines(events: Iterable[Any]) -> list[dict[str, Any]]:
    """Every event in order with the state it led to."""
    state = State.RECEIVED
    lines = []
    for event in events:
        command = getattr(event, "command", None)
        if command is not None:
            state = next_state(command, state)
        lines.append(
            {
                "time": event.timestamp.isoformat(timespec="seconds"),
                "event": type(event).__name__,
                "version": event.originator_version,
                "state": state.value,
                "level": getattr(event, "level", None),
                "reason": getattr(event, "reason", "received"),
                "detail": getattr(event, "detail", "The video was received."),
                "seconds": getattr(event, "seconds", 0.0),
                "versions": getattr(event, "versions", {}),
            }
        )
    return lines
