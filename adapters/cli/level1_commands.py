"""Level-1 commands of the ``endoveil`` CLI: ``circuit`` and ``reprocess``.

Importing this module registers them on the one app (``adapters.cli.app``).
Output names videos by id only; patient metadata is never printed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Annotated, Any
from uuid import UUID

import typer

from adapters.cli.app import _context, _parse_id, app
from domain.errors import VideoNotFound
from domain.reasons import Reason, clause_of, sentence_of

if TYPE_CHECKING:
    from adapters.cleaning.circuit import CircuitBreaker


def circuit_json(breaker: CircuitBreaker) -> dict[str, Any]:
    """The circuit breaker's state as a JSON-ready dict."""
    state = breaker.state()
    mode, wait = breaker.describe()
    return {
        "state": mode,
        "consecutive_failures": state.failures,
        "threshold": breaker.threshold,
        "cooldown_s": breaker.cooldown_s,
        "retry_in_s": round(wait, 1),
        "last_reason": state.last_reason,
    }


def circuit_line(breaker: CircuitBreaker) -> str:
    """One line on the Ollama circuit for the top of ``endoveil status``."""
    info = circuit_json(breaker)
    failures = f"{info['consecutive_failures']}/{info['threshold']} consecutive Ollama failures"
    if info["state"] == "closed":
        return f"Ollama circuit: closed ({failures})"
    why = f", last: {clause_of(info['last_reason'])}" if info["last_reason"] else ""
    if info["state"] == "open":
        wait = f"{info['retry_in_s']:.0f} s"
        return f"Ollama circuit: OPEN, level 1 skipped for {wait} more ({failures}{why})"
    return f"Ollama circuit: half-open, the next import probes Ollama ({failures}{why})"


@app.command()
def circuit(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Show the Ollama circuit breaker: closed, open (level 1 skipped) or half-open."""
    from adapters.bootstrap import circuit_of  # the composition root, once a command runs

    # The composition root's breaker, without the rest of it: reading a file needs no event
    # store, and this command must not create one (and a cipher key) in a mistyped data dir.
    breaker = circuit_of(_context(ctx).settings)
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
) -> None:
    """Run level 1 again on videos archived at fallback_basic or raw_copied."""
    if bool(video_ids) == degraded:
        typer.echo("endoveil: give VIDEO_ID... or --degraded (not both)", err=True)
        raise typer.Exit(2)
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
    raise typer.Exit(1 if worse else 0)
