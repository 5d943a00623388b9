"""The ``endoveil`` command line: one composition root, thin commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from adapters import logs
from adapters.bootstrap import Services, build
from adapters.render import audit_lines, import_json, import_line, status_line
from adapters.settings import Settings
from domain.errors import VideoNotFound
from domain.importer import ImportReport
from domain.rulebook import mermaid
from projections.status import fold

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False)


class Context:
    """What the global options decided, built lazily so ``--help`` touches nothing."""

    def __init__(self, data_dir: Path | None, verbose: bool) -> None:
        self.settings = Settings() if data_dir is None else Settings(data_dir=data_dir)
        self.verbose = verbose
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        """The wired application (opens the event store on first use)."""
        if self._services is None:
            logs.configure(self.settings.data_dir, self.verbose)
            self._services = build(self.settings)
        return self._services


def _context(ctx: typer.Context) -> Context:
    context: Context = ctx.obj
    return context


@app.callback()
def main_options(
    ctx: typer.Context,
    data_dir: Annotated[
        Path | None,
        typer.Option(help="Data directory (default ./endoveil-data or $ENDOVEIL_DATA_DIR)."),
    ] = None,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also log to stderr.")] = False,
) -> None:
    """endoveil: import endoscopy videos and anonymize them, with an audited fallback chain."""
    ctx.obj = Context(data_dir, verbose)


@app.command("import")
def import_videos(
    ctx: typer.Context,
    files: Annotated[list[str], typer.Argument(help="Video files to import.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per file.")] = False,
) -> None:
    """Import video files through the fallback chain."""
    services = _context(ctx).services
    failed = False
    for source in files:
        report = services.importer.import_file(source)
        failed |= _print_report(services, report, as_json)
    raise typer.Exit(1 if failed else 0)


def _print_report(services: Services, report: ImportReport, as_json: bool) -> bool:
    """Print one report; return whether the file failed to import."""
    if as_json:
        typer.echo(json.dumps(import_json(report, services.store.locate)))
    elif report.imported:
        typer.echo(import_line(report, services.store.locate))
    if not report.imported:
        typer.echo(f"endoveil: {report.source}: {report.detail} ({report.reason})", err=True)
    return not report.imported


@app.command()
def status(
    ctx: typer.Context,
    video_id: Annotated[str | None, typer.Argument(help="One video id; all when omitted.")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Show videos with their state, level and badge."""
    library = _context(ctx).services.library
    ids = [_parse_id(video_id)] if video_id else list(library.video_ids())
    statuses = [fold(str(vid), _history(ctx, vid)) for vid in ids]
    if as_json:
        payload = [s.as_json() for s in statuses]
        typer.echo(json.dumps(payload[0] if video_id else payload, indent=2))
        return
    if not statuses:
        typer.echo("No videos imported yet.")
    for one in statuses:
        typer.echo(status_line(one))


@app.command()
def audit(
    ctx: typer.Context,
    video_id: Annotated[str, typer.Argument(help="The video id.")],
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Every event of one video, in order, with time, state, level and reason."""
    vid = _parse_id(video_id)
    lines = audit_lines(_history(ctx, vid))
    if as_json:
        typer.echo(json.dumps(lines, indent=2))
        return
    for line in lines:
        versions = ", ".join(f"{k}={v}" for k, v in sorted(line["versions"].items()))
        typer.echo(
            f"{line['time']}  {line['event']:<18} state={line['state']:<15} "
            f"level={line['level'] or '-':<15} reason={line['reason']} "
            f"({line['seconds']:.2f}s) {line['detail']}" + (f" [{versions}]" if versions else "")
        )


@app.command()
def diagram() -> None:
    """Print the rulebook as a mermaid state diagram (the README picture)."""
    typer.echo(mermaid())


@app.command()
def demo(ctx: typer.Context) -> None:
    """Make synthetic endoscopy videos with fake patient text and import them."""
    from adapters.demo import run_demo  # imported here: it pulls in the video generator

    raise typer.Exit(run_demo(_context(ctx).services))


def _parse_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        typer.echo(f"endoveil: {text!r} is not a video id", err=True)
        raise typer.Exit(2) from None


def _history(ctx: typer.Context, video_id: UUID) -> list[object]:
    try:
        return list(_context(ctx).services.library.history(video_id))
    except VideoNotFound as missing:
        typer.echo(f"endoveil: {missing}", err=True)
        raise typer.Exit(1) from None


def main() -> None:
    """Console entry point."""
    app(prog_name="endoveil")


if __name__ == "__main__":
    sys.exit(main())
