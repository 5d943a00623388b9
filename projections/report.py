"""The compliance report: every video imported in a period, from the views, never by replay.

It holds no patient data: ids, times, states, levels, reason codes and verification only.
"""

from __future__ import annotations

import csv
import html
import io
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from projections.metrics import Rate, Window
from projections.releases import ReleaseView
from projections.video_status import VideoStatusView

FORMATS = ("csv", "json", "html")
FIELDS = (
    "video_id", "imported_at", "state", "anonymized", "level", "reasons", "verification",
    "reprocessed",
)  # fmt: skip
EXPORT_FIELDS = ("video_id", "export_id", "at", "sha256", "exporter")


@dataclass(frozen=True)
class ComplianceReport:
    """One period's imports, their summary counts and the metric statuses."""

    start: datetime
    end: datetime
    generated_at: datetime
    rows: list[dict[str, Any]]
    summary: dict[str, int]
    metrics: Window
    exports: list[dict[str, Any]] = field(default_factory=list)


def build_report(
    videos: VideoStatusView,
    metrics: Window,
    start: datetime,
    end: datetime,
    now: datetime,
    releases: ReleaseView | None = None,
) -> ComplianceReport:
    """The report of imports in ``[start, end)``; ``metrics`` is the window of that period.

    With ``releases``, it also lists every export made in the period, and counts those of a
    video that was never released or is a raw copy (always 0 unless something went around
    the rulebook).
    """
    rows = videos.report_rows(start, end)
    exports = releases.exports_between(start, end) if releases else []
    summary = {
        "videos": len(rows),
        "anonymized": sum(1 for r in rows if r["anonymized"] == "yes"),
        "raw_not_anonymized": sum(1 for r in rows if r["level"] == "raw_copied"),
        "failed": sum(1 for r in rows if r["state"] == "failed"),
        "processing": sum(1 for r in rows if r["state"] not in ("archived", "failed")),
        "reprocessed": sum(1 for r in rows if r["reprocessed"]),
        "exports": len(exports),
        "exports_of_unreleased_videos": _unreleased(releases, exports),
    }
    return ComplianceReport(start, end, now, rows, summary, metrics, exports)


def _unreleased(releases: ReleaseView | None, exports: list[dict[str, Any]]) -> int:
    if releases is None:
        return 0
    records = {e["video_id"]: releases.get(e["video_id"]) for e in exports}
    return sum(
        1
        for e in exports
        if (r := records[e["video_id"]]) is None or r.level == "raw_copied" or not r.decided_by
    )


def render(report: ComplianceReport, fmt: str) -> str:
    """The report as ``csv``, ``json`` or ``html`` text."""
    if fmt == "json":
        return json.dumps(_as_dict(report), indent=2)
    if fmt == "csv":
        return _csv(report)
    if fmt == "html":
        return _html(report)
    raise ValueError(f"unknown report format {fmt!r}; use one of {', '.join(FORMATS)}")


def _as_dict(report: ComplianceReport) -> dict[str, Any]:
    return {
        "period": {"from": report.start.isoformat(), "to": report.end.isoformat()},
        "generated_at": report.generated_at.isoformat(),
        "summary": report.summary,
        "metrics": asdict(report.metrics),
        "videos": report.rows,
        "exports": report.exports,
    }


def _rates(window: Window) -> dict[str, Rate]:
    return {
        "anonymization success rate": window.anonymization_success,
        "fallback usage rate": window.fallback_usage,
        "import failure rate": window.import_failure,
    }


def _percent(rate: Rate) -> str:
    return "n/a" if rate.percent is None else f"{rate.percent:.2f}%"


def _csv(report: ComplianceReport) -> str:
    """One table, one row per video: what a spreadsheet or ``csv.DictReader`` expects.

    The summary and the metric statuses are another table (:func:`summary_csv`), and in JSON.
    """
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    writer.writerows([row[field] for field in FIELDS] for row in report.rows)
    return out.getvalue()


def summary_csv(report: ComplianceReport) -> str:
    """The period, the summary counts and the metric statuses as a table of their own."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["summary", "value", "status"])
    writer.writerow(["period", f"{report.start.isoformat()} to {report.end.isoformat()}", ""])
    writer.writerows([key, value, ""] for key, value in report.summary.items())
    writer.writerows([n, _percent(r), r.status] for n, r in _rates(report.metrics).items())
    return out.getvalue()


def exports_csv(report: ComplianceReport) -> str:
    """The period's exports, one row per video exported, as a table of their own."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(EXPORT_FIELDS)
    writer.writerows([e[f] for f in EXPORT_FIELDS] for e in report.exports)
    return out.getvalue()


_COLOURS = {"good": "#2e7d32", "warning": "#ef6c00", "critical": "#c62828", "no_data": "#757575"}


def _html(report: ComplianceReport) -> str:
    e = html.escape
    summary = "".join(f"<tr><th>{e(k)}</th><td>{v}</td></tr>" for k, v in report.summary.items())
    rates = "".join(
        f"<tr><th>{e(name)}</th><td>{_percent(rate)}</td>"
        f'<td style="color:{_COLOURS[rate.status]}">{e(rate.status)}</td></tr>'
        for name, rate in _rates(report.metrics).items()
    )
    head = "".join(f"<th>{e(f)}</th>" for f in FIELDS)
    body = "".join(
        "<tr>" + "".join(f"<td>{e(str(row[f]))}</td>" for f in FIELDS) + "</tr>"
        for row in report.rows
    )
    period = f"{e(report.start.isoformat())} to {e(report.end.isoformat())}"
    exported = "".join(
        "<tr>" + "".join(f"<td>{e(str(x[f]))}</td>" for f in EXPORT_FIELDS) + "</tr>"
        for x in report.exports
    )
    export_head = "".join(f"<th>{e(f)}</th>" for f in EXPORT_FIELDS)
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        "<title>endoveil compliance report</title></head><body>"
        f"<h1>endoveil compliance report</h1><p>Period: {period}. "
        f"Generated {e(report.generated_at.isoformat())}. Contains no patient data.</p>"
        f"<h2>Summary</h2><table>{summary}</table>"
        f"<h2>Metrics</h2><table>{rates}</table>"
        f"<h2>Videos</h2><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
        f"<h2>Exports</h2><table><thead><tr>{export_head}</tr></thead>"
        f"<tbody>{exported}</tbody></table>"
        "</body></html>\n"
    )
