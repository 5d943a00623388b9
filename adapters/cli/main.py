"""The ``endoveil`` command line: one composition root, thin commands."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from adapters.cli import level1_commands  # noqa: F401  (registers circuit and reprocess)
from adapters.cli.app import Context, _context, _history, _parse_id, app
from adapters.cli.progress import MaskingProgress
from adapters.cli.status_text import DEFAULT_LIMIT, status_output
from domain.review import review_mermaid
from domain.rulebook import mermaid

if TYPE_CHECKING:
    from adapters.bootstrap import Services
    from domain.importer import ImportReport


@app.command("import")
def import_videos(
    ctx: typer.Context,
    files: Annotated[list[str], typer.Argument(help="Video files to import.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file.")] = False,
    progress: Annotated[
        bool, typer.Option("--progress", help="Show a progress bar on stderr (default: on a TTY).")
    ] = False,
    enqueue: Annotated[
        bool, typer.Option("--enqueue", help="Only record the files as received, for workers.")
    ] = False,
) -> None:
    """Import video files through the fallback chain (or queue them for `endoveil worker`)."""
    with contextlib.ExitStack() as stack:
        if progress or sys.stderr.isatty():
            _context(ctx).on_progress = stack.enter_context(MaskingProgress())
        services = _context(ctx).services
        if not enqueue:  # the files are processed next: load what that needs while copying
            from adapters.bootstrap import load_processing_modules

            services.store.work_beside_copies(load_processing_modules)
        failed = False
        for source in files:
            report = services.importer.enqueue(source, then_process=not enqueue)
            services.catch_up()  # the views follow the events after every import
            failed |= _print_report(services, report, as_json)
    raise typer.Exit(1 if failed else 0)


def _print_report(services: Services, report: ImportReport, as_json: bool) -> bool:
    """Print one report; return whether the file failed to import."""
    from adapters.cli.text import import_json, import_line

    if as_json:
        typer.echo(json.dumps(import_json(report, services.store.locate)))
    elif not report.failed:
        typer.echo(import_line(report, services.store.locate))
    if report.failed:
        typer.echo(f"endoveil: {report.source}: {report.detail} ({report.reason})", err=True)
    return report.failed


@app.command()
def resume(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per video.")] = False,
) -> None:
    """Finish every video an interrupted run left unfinished (taking over lapsed claims)."""
    services = _context(ctx).services
    services.catch_up()
    unfinished = [UUID(video_id) for video_id in services.projections.videos.unfinished()]
    failed = False
    for report in services.importer.resume(unfinished):
        services.catch_up()
        failed |= _print_report(services, report, as_json)
    if not as_json:
        typer.echo(f"resume: {len(unfinished)} unfinished video(s) looked at")
    raise typer.Exit(1 if failed else 0)


@app.command()
def status(
    ctx: typer.Context,
    video_id: Annotated[str | None, typer.Argument(help="One video id; all when omitted.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
    limit: Annotated[
        int, typer.Option(min=1, help="At most this many videos, newest first.")
    ] = DEFAULT_LIMIT,
) -> None:
    """Show videos with their state, level and badge (from the status view)."""
    services = _context(ctx).services
    services.catch_up()
    if video_id:
        one = services.projections.videos.get(str(_parse_id(video_id, ctx)))
        if one is None:
            typer.echo(f"endoveil: no video with id {video_id}", err=True)
            raise typer.Exit(1)
        statuses = [one]
    else:
        statuses = services.projections.videos.page(limit)
    for line in status_output(statuses, services.circuit, one=bool(video_id), as_json=as_json):
        typer.echo(line)


@app.command()
def audit(
    ctx: typer.Context,
    video_id: Annotated[str, typer.Argument(help="The video id.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Why a video is (not) anonymized in plain words, then every event in order."""
    from adapters.cli.text import audit_lines, event_line
    from projections.audit import explain

    vid = _parse_id(video_id, ctx)
    events = _history(ctx, vid)
    story = explain(str(vid), events)
    lines = audit_lines(events)
    if as_json:
        typer.echo(json.dumps({"explanation": story, "events": lines}, indent=2))
        return
    for sentence in story:
        typer.echo(sentence)
    typer.echo("\nEvents:")
    for line in lines:
        typer.echo(event_line(line))


@app.command()
def diagram(
    review: Annotated[bool, typer.Option("--review", help="The review rulebook.")] = False,
) -> None:
    """Print the rulebook as a mermaid state diagram (the README picture)."""
    typer.echo(review_mermaid() if review else mermaid())


@app.command()
def demo(ctx: typer.Context) -> None:
    """Make synthetic endoscopy videos with fake patient text and import them."""
    from adapters.demo.run import run_demo  # imported here: it pulls in the video generator

    raise typer.Exit(run_demo(_context(ctx).services))


def main() -> None:
    """Console entry point: every command module registers on the one ``app``."""
    from adapters.cli import (  # noqa: F401
        backup_commands,
        canary_command,
        erase_command,
        export_commands,
        report_commands,
        retention_command,
        review_commands,
        service_commands,
        verify_command,
        worker_command,
    )

    logging.raiseExceptions = False  # a log write failing (disk full) must not print a traceback
    os.umask(0o077)  # the data dir is private whatever the caller's umask (ffmpeg inherits it)
    try:
        app(prog_name="endoveil")
    except Exception as error:  # the last line of defence: one line, never a traceback
        from adapters.cli.failures import describe

        context = Context.current
        data_dir = context.settings.data_dir if context else Path("endoveil-data")
        line, code = describe(error, data_dir)
        typer.echo(f"endoveil: {line}", err=True)
        sys.exit(code)


if __name__ == "__main__":
    main()
