"""How reports, statuses and audit trails are shown: text lines and JSON dicts."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import singledispatch
from typing import Any

from domain.importer import ImportReport
from domain.reasons import Reason, clause_of, said, sentence_of
from domain.rulebook import State, next_state
from domain.video import Video, VideoEvent
from projections.custody import custody_why
from projections.metrics import Rate, Window


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
        return (
            f"{report.video_id}  in progress in another run ({report.state})  "
            f"[{sentence_of(report.reason)}]"
        )
    if report.state is not None and report.state not in ("archived", "failed"):
        return f"{report.video_id}  queued for a worker ({report.state})"
    if report.anonymized and report.output:
        outcome = f"Anonymized ({level}) -> {locate(report.output)}"
    else:
        outcome = "Raw (Not Anonymized): quarantined, never served as anonymized"
    again = " (already imported)" if report.duplicate else ""
    return f"{report.video_id}  {outcome}{again}  [{sentence_of(report.reason)}]"


def event_line(line: dict[str, Any]) -> str:
    """One human line of the audit trail: the reason in plain words (the code is in --json)."""
    versions = ", ".join(f"{k}={v}" for k, v in sorted(line["versions"].items()))
    why = said(line["reason"], line["detail"])
    return (
        f"{line['time']}  {line['event']:<18} state={line['state']:<15} "
        f"level={line['level'] or '-':<15} {why} ({line['seconds']:.2f}s)"
        + (f" [{versions}]" if versions else "")
    )


@singledispatch
def _why(event: VideoEvent) -> tuple[str, str]:
    """Reason code and detail of any event, the claim bookkeeping included."""
    return Reason.LEASE_RENEWED, Reason.LEASE_RENEWED.sentence


@_why.register
def _moved(event: Video.Transitioned) -> tuple[str, str]:
    return event.reason, event.detail


@_why.register
def _received(event: Video.Registered) -> tuple[str, str]:
    return Reason.RECEIVED, Reason.RECEIVED.sentence


@_why.register
def _claimed(event: Video.Claimed) -> tuple[str, str]:
    took = " taking over a lapsed claim" if event.taken_over_from else ""
    return Reason.CLAIMED, f"A run claimed the video{took} (lease {event.lease_seconds:.0f} s)."


@_why.register(Video.Reviewed)
@_why.register(Video.MediaServed)
@_why.register(Video.Exported)
def _custody(event: VideoEvent) -> tuple[str, str]:
    told = custody_why(event)
    assert told is not None  # registered for exactly the events custody_why tells
    return told


@_why.register
def _erased(event: Video.Erased) -> tuple[str, str]:
    detail = f"Patient metadata shredded, unanonymized files deleted ({event.reason})."
    return Reason.ERASED, detail


@_why.register
def _reimport_refused(event: Video.ReimportRefused) -> tuple[str, str]:
    return event.reason, event.detail


@_why.register
def _claim_released(event: Video.ClaimReleased) -> tuple[str, str]:
    return event.reason, event.detail


def audit_lines(events: Iterable[VideoEvent]) -> list[dict[str, Any]]:
    """Every event in order with the state it led to, its reason code and that code's sentence."""
    state = State.RECEIVED
    lines = []
    for event in events:
        level, seconds, versions = None, 0.0, {}
        if isinstance(event, Video.Transitioned):
            state = next_state(event.command, state)
            level, seconds, versions = event.level, event.seconds, event.versions
        reason, detail = _why(event)
        lines.append(
            {
                "time": event.timestamp.isoformat(timespec="seconds"),
                "event": type(event).__name__,
                "version": event.originator_version,
                "state": state.value,
                "level": level,
                "reason": str(reason),
                "sentence": sentence_of(reason),
                "detail": detail,
                "seconds": seconds,
                "versions": versions,
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
            why = clause_of(row["reason"])
            lines.append(f"    fallback at {row['level']}: {why} x{row['count']}")
    return lines
