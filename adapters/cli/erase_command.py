"""``endoveil erase``: crypto-shred a video's patient metadata, after a confirmation.

Importing this module registers the command on the one app (``adapters.cli.app``).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from adapters.cli.app import _context, _parse_id, app
from domain.errors import ClaimHeld, VideoNotFound


@app.command()
def erase(
    ctx: typer.Context,
    video_id: Annotated[str, typer.Argument(help="The video to erase (or its first 8 chars).")],
    reason: Annotated[
        str, typer.Option(help="Why: a request reference, never patient data.")
    ] = "erasure requested",
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Do not ask for confirmation.")] = False,
) -> None:
    """Crypto-shred a video's patient metadata and delete its raw and quarantined files.

    Erasure cannot be undone, so it asks first (in a terminal) unless --yes is given.
    """
    services = _context(ctx).services
    vid = _parse_id(video_id, ctx)
    if not yes:
        if not sys.stdin.isatty():
            typer.echo(
                f"endoveil: erasing video {vid} cannot be undone; confirm with --yes", err=True
            )
            raise typer.Exit(2)
        question = f"Erase video {vid} for good (patient metadata and unanonymized files)?"
        if not typer.confirm(question, err=True):
            typer.echo("endoveil: nothing erased", err=True)
            raise typer.Exit(1)
    try:
        done = services.eraser.erase(vid, reason)
    except VideoNotFound as missing:
        typer.echo(f"endoveil: {missing}", err=True)
        raise typer.Exit(1) from None
    except ClaimHeld:
        typer.echo(f"endoveil: video {vid} is being processed; erase it when it is done", err=True)
        raise typer.Exit(1) from None
    services.catch_up()
    again = " (already erased; leftovers removed)" if done.already_erased else ""
    typer.echo(
        f"{vid} erased{again}: metadata key {'shredded' if done.key_shredded else 'absent'}, "
        f"{len(done.files_deleted)} file(s) deleted; the audit trail keeps the erasure."
    )
