"""``endoveil verify VIDEO_ID [--json]``: re-check a published anonymized output."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer

from adapters.cli.app import _context, _history, _parse_id, app


@app.command()
def verify(
    ctx: typer.Context,
    video_id: Annotated[str, typer.Argument(help="The id of an imported video.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object.")] = False,
) -> None:
    """Re-check the anonymized output of VIDEO_ID: black and unreadable outside, no text inside.

    Exits 0 when it passes, 1 when it fails or the video has no anonymized output.
    """
    from adapters.masking.recheck import recheck  # imported here: it loads OpenCV and OCR
    from adapters.video.ocr import RapidOcr

    uid = _parse_id(video_id)
    _history(ctx, uid)  # an unknown id is a clear error
    store = _context(ctx).services.store
    output = store.locate(store.anonymized_location(str(uid)))
    if not Path(output).is_file():
        typer.echo(f"endoveil: video {uid} has no anonymized output", err=True)
        raise typer.Exit(1)
    found = recheck(output, RapidOcr())
    if as_json:
        typer.echo(json.dumps({"video_id": str(uid), "passed": found.passed, **asdict(found)}))
    else:
        verdict = "passed" if found.passed else f"FAILED: {found.problem}"
        images = f" of {found.segments} images" if found.segments > 1 else ""
        typer.echo(
            f"{uid}: {verdict} ({found.keyframes} keyframes checked outside the image{images}, "
            f"{found.outside_areas_read} area(s) read; {found.inside_keyframes_read} read "
            f"inside, {found.inside_lines} line(s) of text, {found.faces} face(s))"
        )
    raise typer.Exit(0 if found.passed else 1)
