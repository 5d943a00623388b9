"""``endoveil canary``: a synthetic video with fake patient text through the real chain."""

from __future__ import annotations

import json
from dataclasses import asdict
from typing import Annotated

import typer

from adapters import logs
from adapters.cli.app import _context, app


@app.command()
def canary(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Prove anonymization works: fake patient text in, judged by Tesseract, result recorded.

    Runs in a scratch area with its own event store (never in the clinic's metrics); the
    result goes to canary.json in the data dir and to /metrics. Exit 1 when it failed.
    """
    from adapters.canary.run import run_canary  # imported here: it pulls in the video generator

    context = _context(ctx)
    logs.configure(context.settings.data_dir, context.verbose, context.settings.log_format)
    result = run_canary(context.settings)
    if as_json:
        typer.echo(json.dumps(asdict(result)))
    else:
        verdict = "PASSED" if result.passed else "FAILED"
        read = ", ".join(result.leaks) or "nothing"
        typer.echo(
            f"canary {verdict}: level {result.level or '-'} ({result.reason}), "
            f"{result.judge} read {read} of the fake patient text, {result.seconds:.1f} s"
        )
    raise typer.Exit(0 if result.passed else 1)
