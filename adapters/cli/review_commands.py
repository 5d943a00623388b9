"""``endoveil review``: the review queue, and a reviewer's decision on one video."""

from __future__ import annotations

import getpass
import json
from typing import TYPE_CHECKING, Annotated

import typer

from adapters.cli.app import _context, _parse_id, app
from domain.errors import ClaimHeld, DomainError
from domain.review import Decision

if TYPE_CHECKING:
    from projections.releases import ReleaseRecord

_FLAGS = {
    "approve": Decision.APPROVE,
    "reject": Decision.REJECT,
    "retain": Decision.RETAIN,
    "reprocess": Decision.REPROCESS,
    "erase": Decision.ERASE,
}


def cli_reviewer(name: str | None) -> str:
    """Who a decision from the command line is recorded as (``cli:<login>`` by default)."""
    return name or f"cli:{getpass.getuser()}"


@app.command()
def review(
    ctx: typer.Context,
    video_id: Annotated[
        str | None, typer.Argument(help="The video; the queue when omitted.")
    ] = None,
    approve: Annotated[bool, typer.Option("--approve", help="Release the output.")] = False,
    reject: Annotated[bool, typer.Option("--reject", help="Keep it from release.")] = False,
    retain: Annotated[bool, typer.Option("--retain", help="Keep a raw copy, unreleased.")] = False,
    reprocess: Annotated[bool, typer.Option("--reprocess", help="Run level 1 again.")] = False,
    erase: Annotated[bool, typer.Option("--erase", help="Erase its raw files.")] = False,
    reason: Annotated[str, typer.Option(help="Why, in words (never patient data).")] = "",
    reviewer: Annotated[str | None, typer.Option("--as", help="Reviewer name.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Decide whether a video may be released (or list the videos waiting for a decision)."""
    from adapters.review_actions import carry_out

    services = _context(ctx).services
    services.catch_up()
    given = (approve, reject, retain, reprocess, erase)
    chosen = [flag for flag, on in zip(_FLAGS, given, strict=True) if on]
    if video_id is None:
        if chosen:
            typer.echo("endoveil: a decision needs a VIDEO_ID", err=True)
            raise typer.Exit(2)
        _print_queue(services.projections.releases.queue(), as_json)
        return
    if len(chosen) != 1 or not reason.strip():
        typer.echo(
            "endoveil: give one of --approve, --reject, --retain, --reprocess, --erase "
            "and a --reason", err=True,
        )  # fmt: skip
        raise typer.Exit(2)
    vid = _parse_id(video_id, ctx)  # the 8-character prefix the page shows is enough
    try:
        result = carry_out(services, vid, _FLAGS[chosen[0]], reason, cli_reviewer(reviewer))
    except (DomainError, ClaimHeld) as refused:
        typer.echo(f"endoveil: {refused}", err=True)
        raise typer.Exit(1) from None
    services.catch_up()
    if as_json:
        typer.echo(json.dumps(result))
    else:
        typer.echo(f"{vid}  {result['decision']} -> {result['release']}  by {result['reviewer']}")


def _print_queue(records: list[ReleaseRecord], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps([vars(record) for record in records], indent=2))
        return
    if not records:
        typer.echo("Nothing waits for review.")
    for record in records:
        typer.echo(
            f"{record.video_id}  {record.level or '-':<14} {record.release:<16} "
            f"archived {record.archived_at}"
        )
