"""The one ``typer`` app of the ``endoveil`` command line, its global options and helpers."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated
from uuid import UUID

import typer

from adapters import logs
from adapters.bootstrap import Services, build
from adapters.settings import Settings
from domain.errors import VideoNotFound

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
            logs.configure(self.settings.data_dir, self.verbose, self.settings.log_format)
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
