"""The one ``typer`` app of the ``endoveil`` command line, its global options and helpers."""

from __future__ import annotations

import contextlib
import errno
import sqlite3
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from adapters import logs
from adapters.cli.status_text import id_prefix
from adapters.storage.keys import StartRefused
from domain.errors import VideoNotFound

# The composition root, the settings (pydantic) and the event store are imported when a
# command first needs them, so that ``endoveil --help`` starts without them (issue #13); the
# command modules import what only their command uses inside it, for the same reason.
if TYPE_CHECKING:
    from adapters.bootstrap import Services
    from adapters.masking.masker import OnProgress
    from adapters.settings import Settings
    from domain.video import VideoEvent

# Plain (click-style) help and usage errors: typer's rich formatting imports rich, markdown-it
# and pygments, half of what ``endoveil --help`` spent starting up (issue #13: under 0.3 s).
app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


class Context:
    """What the global options decided, built lazily so ``--help`` touches nothing."""

    #: The context of the command running in this process (for the top-level error handler).
    current: Context | None = None

    def __init__(self, data_dir: Path | None, verbose: bool) -> None:
        from adapters.settings import Settings

        self.settings: Settings = Settings() if data_dir is None else Settings(data_dir=data_dir)
        self.verbose = verbose
        self.on_progress: OnProgress | None = None  # set before ``services`` is first used
        self._services: Services | None = None

    @property
    def services(self) -> Services:
        """The wired application (opens the event store on first use)."""
        if self._services is None:
            from eventsourcing.persistence import OperationalError

            from adapters.bootstrap import build

            try:
                logs.configure(self.settings.data_dir, self.verbose, self.settings.log_format)
                self._services = build(self.settings, on_progress=self.on_progress)
            except StartRefused as refused:
                typer.echo(f"endoveil: {refused}", err=True)
                raise typer.Exit(2) from None
            except (OSError, sqlite3.Error, OperationalError) as error:
                cause = _unwritable_cause(error)
                if cause is None:
                    raise
                where = self.settings.data_dir
                typer.echo(f"endoveil: data directory {where} is not writable ({cause})", err=True)
                raise typer.Exit(2) from None
        return self._services


_UNWRITABLE_ERRNOS = {errno.EACCES, errno.EPERM, errno.EROFS}
_UNWRITABLE_SQLITE = ("readonly", "read-only", "unable to open database")


def _unwritable_cause(error: Exception) -> str | None:
    """The short cause if ``error`` says the data dir cannot be written, else None."""
    if isinstance(error, OSError):
        return error.strerror if error.errno in _UNWRITABLE_ERRNOS else None
    text = str(error)
    return text if any(words in text.lower() for words in _UNWRITABLE_SQLITE) else None


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
    ctx.obj = Context.current = Context(data_dir, verbose)


def _parse_id(text: str, ctx: typer.Context | None = None) -> UUID:
    """A full video id, or (with ``ctx``) the unique video whose id starts with ``text``.

    A prefix (:func:`id_prefix`) is enough, unless two videos share it (then the command
    refuses and asks for more).
    """
    with contextlib.suppress(ValueError):
        return UUID(text)
    prefix = id_prefix(text)
    if ctx is None or prefix is None:
        typer.echo(
            f"endoveil: {text!r} is not a video id (give the id or its first 8 characters)",
            err=True,
        )
        raise typer.Exit(2)
    matches = []
    for video_id in _context(ctx).services.library.video_ids():
        if str(video_id).startswith(prefix):
            matches.append(video_id)
            if len(matches) > 1:
                typer.echo(
                    f"endoveil: {text!r} is the start of several video ids; give more of it",
                    err=True,
                )
                raise typer.Exit(2)
    if not matches:
        typer.echo(f"endoveil: no video with an id starting {prefix!r}", err=True)
        raise typer.Exit(1)
    return matches[0]


def _history(ctx: typer.Context, video_id: UUID) -> list[VideoEvent]:
    try:
        return list(_context(ctx).services.library.history(video_id))
    except VideoNotFound as missing:
        typer.echo(f"endoveil: {missing}", err=True)
        raise typer.Exit(1) from None
