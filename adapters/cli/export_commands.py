"""``endoveil export``: released videos out, with a manifest, atomically and idempotently."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Annotated

import typer

from adapters.cli.app import _context, app
from adapters.cli.report_commands import _day
from adapters.cli.review_commands import cli_reviewer


@app.command()
def export(
    ctx: typer.Context,
    to: Annotated[Path, typer.Option("--to", help="Destination folder (new or empty).")],
    start: Annotated[str | None, typer.Option("--from", help="First import day.")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Last import day.")] = None,
    exporter: Annotated[str | None, typer.Option("--as", help="Who exports.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Copy released videos as <video_id>.mp4 with manifest.json and manifest.csv.

    Never a raw copy, never an unreleased output, never a patient name; each video exported
    is an ``Exported`` event. Run again with the same folder: nothing is copied twice.
    """
    from adapters.export.exporter import ExportRefused, export_released

    first = datetime.combine(_day(start, "--from"), clock_time.min, UTC) if start else None
    last = _day(until, "--until") if until else None
    begin = first or datetime.min.replace(tzinfo=UTC)
    finish = datetime.combine(last + timedelta(days=1), clock_time.min, UTC) if last else None
    services = _context(ctx).services
    try:
        done = export_released(services, to, begin, finish or datetime.max.replace(tzinfo=UTC),
                               cli_reviewer(exporter), datetime.now(UTC))  # fmt: skip
    except ExportRefused as refused:
        typer.echo(f"endoveil: {refused}", err=True)
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps({"export_id": done.export_id, "already_done": done.already_done,
                               "videos": done.entries, "skipped": done.skipped}))  # fmt: skip
        return
    again = " (already exported: nothing copied)" if done.already_done else ""
    typer.echo(f"export {done.export_id}: {len(done.entries)} video(s) in {to}{again}")
    for video_id in done.skipped:
        typer.echo(f"endoveil: {video_id} skipped: its output is not the released bytes", err=True)
