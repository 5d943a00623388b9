"""``endoveil retention``: originals and raw copies past their deadline, listed or erased."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from adapters.cli.app import _context, app
from domain.errors import ClaimHeld


@app.command()
def retention(
    ctx: typer.Context,
    apply: Annotated[bool, typer.Option("--apply", help="Erase what is overdue.")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per video.")] = False,
) -> None:
    """List (with --apply: erase) originals and raw copies older than ENDOVEIL_RAW_RETENTION_DAYS.

    Each erasure is an ``Erased`` event naming the retention rule; anonymized outputs stay.
    """
    services = _context(ctx).services
    days = services.settings.raw_retention_days
    if days is None:
        typer.echo("endoveil: no retention set (ENDOVEIL_RAW_RETENTION_DAYS); nothing is due")
        return
    services.catch_up()
    now = datetime.now(UTC)
    data = services.settings.data_dir
    overdue = services.projections.releases.overdue(now - timedelta(days=days))
    due = [r for r in overdue if _has_raw_files(data, r.video_id)]
    busy = False
    for record in due:
        row = {
            "video_id": record.video_id,
            "imported_at": record.imported_at,
            "level": record.level,
            "release": record.release,
            "erased": False,
        }
        if apply:
            try:
                services.eraser.erase(UUID(record.video_id), f"retention: {days:g} days")
                row["erased"] = True
            except ClaimHeld:
                busy = True
        if as_json:
            typer.echo(json.dumps(row))
        else:
            done = "erased" if row["erased"] else ("overdue" if not apply else "busy, kept")
            typer.echo(f"{record.video_id}  imported {record.imported_at}  {done}")
    services.catch_up()
    if not as_json:
        verb = "erased" if apply else "overdue (run with --apply to erase)"
        typer.echo(f"retention {days:g} days: {len(due)} video(s) {verb}")
    raise typer.Exit(1 if busy else 0)


def _has_raw_files(data: Path, video_id: str) -> bool:
    """Whether the video's original or a quarantined raw copy is still on disk."""
    return any(data.glob(f"raw/{video_id}.*")) or any(data.glob(f"quarantine/{video_id}.*"))
