"""How reports, statuses and audit trails are shown: text lines and JSON dicts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from domain.importer import ImportReport
from domain.rulebook import State, next_state
from projections.custody import custody_why
from projections.metrics import Rate, Window
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
        "in_progress": report.in_progress,
    }


def import_line(report: ImportReport, locate: Callable[[str], str]) -> str:
    """One human line for an imported file."""
    level = report.level.value if report.level else "-"
    if report.in_progress:
        return f"{report.video_id}  in progress in another run ({report.state})  [{report.reason}]"
    if report.state is not None and report.state not in ("archived", "failed"):
        return f"{report.video_id}  queued for a worker ({report.state})"
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


def event_line(line: dict[str, Any]) -> str:
    """One human line of the audit trail."""
    versions = ", ".join(f"{k}={v}" for k, v in sorted(line["versions"].items()))
    return (
        f"{line['time']}  {line['event']:<18} state={line['state']:<15} "
        f"level={line['level'] or '-':<15} reason={line['reason']} "
        f"({line['seconds']:.2f}s) {line['detail']}" + (f" [{versions}]" if versions else "")
    )


def _why(event: Any) -> tuple[str, str]:
    """Reason and detail of any event, the claim bookkeeping included."""
    custody = custody_why(event)
    if custody is not None:
        return custody
    if type(event).__name__ == "Erased":
        return "erased", f"Patient metadata shredded, unanonymized files deleted ({event.reason})."
    if hasattr(event, "reason"):
        return event.reason, event.detail
    if hasattr(event, "received_at"):
        return "received", "The video was received."
    if hasattr(event, "lease_seconds"):
        took = " taking over a lapsed claim" if event.taken_over_from else ""
        return "claimed", f"A run claimed the video{took} (lease {event.lease_seconds:.0f} s)."
    return "lease_renewed", "The run working on the video is still alive."


def audit_lines(events: Iterable[Any]) -> list[dict[str, Any]]:
    """Every event in order with the state it led to."""
    state = State.RECEIVED
    lines = []
    for event in events:
        command = getattr(event, "command", None)
        if command is not None:
            state = next_state(command, state)
        reason, detail = _why(event)
        lines.append(
            {
                "time": event.timestamp.isoformat(timespec="seconds"),
                "event": type(event).__name__,
                "version": event.originator_version,
                "state": state.value,
                "level": getattr(event, "level", None),
                "reason": reason,
                "detail": detail,
                "seconds": getattr(event, "seconds", 0.0),
                "versions": getattr(event, "versions", {}),
            }
        )
    return lines


_RATE_NAMES = {
    "anonymization_success": "anonymization success",
    "fallback_usage": "fallback usage",
    "import_failure": "import failure",
}
_WINDOW_NAMES = {
    "all_time": "all time",
    "last_24h": "last 24 hours",
    "last_100": "last 100 imports",
}


def metrics_lines(windows: dict[str, Window]) -> list[str]:
    """Human lines for ``endoveil metrics``."""
    lines = []
    for name, window in windows.items():
        lines.append(f"{_WINDOW_NAMES.get(name, name)} ({window.imports} finished imports)")
        for key, label in _RATE_NAMES.items():
            rate: Rate = getattr(window, key)
            shown = "n/a" if rate.percent is None else f"{rate.percent:6.2f}%"
            lines.append(
                f"  {label:<22} {shown:>8}  {rate.status.upper():<8} ({rate.count}/{rate.total})"
            )
        for row in window.fallbacks:
            lines.append(f"    fallback at {row['level']}: {row['reason']} x{row['count']}")
    return lines
