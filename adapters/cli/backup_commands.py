"""``endoveil backup`` and ``endoveil restore``: the events and their keys, proven restorable."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

from adapters.cli.app import _context, app


@app.command()
def backup(
    ctx: typer.Context,
    to: Annotated[Path, typer.Option("--to", help="A new folder for the backup.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Copy the event store (online, consistent), the cipher key and every video key."""
    from adapters.storage.backup import BackupRefused, back_up

    settings = _context(ctx).settings
    try:
        summary = back_up(
            settings.data_dir, settings.event_store == "sqlite", bool(settings.cipher_key), to
        )
    except BackupRefused as refused:
        typer.echo(f"endoveil: backup refused: {refused}", err=True)
        raise typer.Exit(2) from None
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "folder": str(summary.folder),
                    "events": summary.events,
                    "video_keys": summary.video_keys,
                    "cipher_key_included": summary.cipher_key_included,
                }
            )
        )
        return
    events = (
        f"{summary.events} events"
        if summary.event_store == "sqlite"
        else "no events (PostgreSQL: back them up with pg_dump)"
    )
    key = "the cipher key" if summary.cipher_key_included else "no cipher key (set by environment)"
    typer.echo(f"Backed up {events}, {key} and {summary.video_keys} video keys to {summary.folder}")


@app.command()
def restore(
    ctx: typer.Context,
    source: Annotated[Path, typer.Option("--from", help="A folder made by `endoveil backup`.")],
) -> None:
    """Check a backup against its manifest and restore it into an empty data directory."""
    from adapters.storage.backup import BackupRefused
    from adapters.storage.restore import restore as restore_backup

    settings = _context(ctx).settings
    try:
        summary = restore_backup(source, settings.data_dir, settings.cipher_key)
    except BackupRefused as refused:
        typer.echo(f"endoveil: restore refused: {refused}", err=True)
        raise typer.Exit(2) from None
    typer.echo(
        f"Restored {summary.events} events and {summary.video_keys} video keys into "
        f"{settings.data_dir}; run `endoveil replay` to rebuild and check the views."
    )
