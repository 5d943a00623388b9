"""Level-1 commands of the ``endoveil`` CLI: ``circuit`` and ``reprocess``.

Importing this module registers them on the one app (``adapters.cli.app``).
Output names videos by id only; patient metadata is never printed.
"""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Annotated
from uuid import UUID

import typer

from adapters.cli.app import _context, _parse_id, app
from adapters.cli.progress import MaskingProgress
from adapters.cli.status_text import circuit_json, circuit_line
from domain.errors import VideoNotFound
from domain.reasons import Reason, sentence_of


@app.command()
def circuit(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    reset: Annotated[
        bool, typer.Option("--reset", help="Close the circuit now (Ollama is back).")
    ] = False,
) -> None:
    """Show the Ollama circuit breaker (of this host and model): closed, open or half-open."""
    from adapters.bootstrap import circuit_of  # the composition root, once a command runs

    # The composition root's breaker, without the rest of it: reading a file needs no event
    # store, and this command must not create one (and a cipher key) in a mistyped data dir.
    breaker = circuit_of(_context(ctx).settings)
    if reset:
        breaker.reset()
    if as_json:
        typer.echo(json.dumps(circuit_json(breaker), indent=2))
    else:
        typer.echo(circuit_line(breaker))


@app.command()
def reprocess(
    ctx: typer.Context,
    video_ids: Annotated[
        list[str] | None, typer.Argument(help="Videos to reprocess (or use --degraded).")
    ] = None,
    degraded: Annotated[
        bool, typer.Option("--degraded", help="Every video archived at fallback_basic/raw_copied.")
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per video.")] = False,
    progress: Annotated[
        bool, typer.Option("--progress", help="Show a progress bar on stderr (default: on a TTY).")
    ] = False,
) -> None:
    """Run level 1 again on videos archived at fallback_basic or raw_copied."""
    if bool(video_ids) == degraded:
        typer.echo("endoveil: give VIDEO_ID... or --degraded (not both)", err=True)
        raise typer.Exit(2)
    with contextlib.ExitStack() as stack:
        if progress or sys.stderr.isatty():
            _context(ctx).on_progress = stack.enter_context(MaskingProgress())
        worse = _reprocess(ctx, video_ids, degraded, as_json)
    raise typer.Exit(1 if worse else 0)


def _reprocess(
    ctx: typer.Context, video_ids: list[str] | None, degraded: bool, as_json: bool
) -> bool:
    """Reprocess the videos; return whether one of them was not found."""
    reprocessor = _context(ctx).services.reprocessor
    ids: list[UUID] = (
        reprocessor.degraded() if degraded else [_parse_id(v, ctx) for v in video_ids or []]
    )
    if not ids and not as_json:
        typer.echo("No degraded videos to reprocess.")
    worse = False
    for vid in ids:
        try:
            video = reprocessor.reprocess(vid)
        except VideoNotFound as missing:
            typer.echo(f"endoveil: {missing}", err=True)
            worse = True
            continue
        reason = video.reason if video else Reason.NOT_DEGRADED
        row = {
            "video_id": str(vid),
            "reprocessed": video is not None,
            "level": video.level.value if video and video.level else None,
            "anonymized": bool(video and video.anonymized),
            "reason": reason,
        }
        if as_json:
            typer.echo(json.dumps(row))
        elif video is None:
            typer.echo(f"{vid}  not reprocessed: not archived at fallback_basic or raw_copied")
        else:
            typer.echo(f"{vid}  level={row['level']}  [{sentence_of(reason)}]")
    return worse
