"""Service commands of the ``endoveil`` CLI: ``serve`` (HTTP API and web page) and ``watch``.

Importing this module registers them on the one app (``adapters.cli.app``).
"""

from __future__ import annotations

import contextlib
import logging
import signal
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from adapters.cli.app import _context, app
from adapters.cli.progress import MaskingProgress

if TYPE_CHECKING:
    from adapters.bootstrap import Services
    from adapters.settings import Settings

log = logging.getLogger(__name__)
#: What ``serve`` says when it would refuse everyone (the page loads; no data ever does).
NO_TOKENS = (
    "endoveil: no API tokens configured (ENDOVEIL_VIEWER_TOKENS, ENDOVEIL_REVIEWER_TOKENS): "
    "every API call will be answered 401"
)


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port.")] = 8000,
) -> None:
    """Serve the HTTP API, the web page and the Prometheus metrics.

    Tokens come from ENDOVEIL_VIEWER_TOKENS and ENDOVEIL_REVIEWER_TOKENS (comma-separated).
    """
    import uvicorn  # imported here: the other commands do not need the web stack

    from adapters.web import create_app

    application = create_app(_context(ctx).services)
    application.state.read_side.fresh()  # a new view (histograms) replays here, not in a request
    if not application.state.auth.configured:
        typer.echo(NO_TOKENS, err=True)
    typer.echo(f"endoveil: serving http://{host}:{port}/ (API docs at /api/docs)", err=True)
    uvicorn.run(application, host=host, port=port, log_level="warning")


def _catch_up_quietly(services: Services) -> None:
    from eventsourcing.persistence import IntegrityError

    try:
        services.catch_up()
    except IntegrityError:  # another process projected the same events first
        log.info("views caught up by another process")


@app.command()
def watch(
    ctx: typer.Context,
    inbox: Annotated[Path, typer.Argument(help="The inbox folder to watch.")],
    stable_seconds: Annotated[
        float | None,
        typer.Option(min=0, help="Size and mtime unchanged this long (default 2 s)."),
    ] = None,
    done: Annotated[Path | None, typer.Option(help="Imported inputs go here.")] = None,
    failed: Annotated[Path | None, typer.Option(help="Failed inputs go here.")] = None,
    once: Annotated[bool, typer.Option("--once", help="Scan once, then exit.")] = False,
    progress: Annotated[
        bool, typer.Option("--progress", help="Show a progress bar on stderr (default: on a TTY).")
    ] = False,
) -> None:
    """Import every video dropped into INBOX once it is completely written, each exactly once.

    Handled inputs are moved to INBOX/done or INBOX/failed (never deleted); files present
    when the watcher starts are imported too.
    """
    context = _context(ctx)
    with contextlib.ExitStack() as stack:
        if progress or sys.stderr.isatty():
            context.on_progress = stack.enter_context(MaskingProgress())
        _watch(context.services, context.settings, inbox, stable_seconds, done, failed, once)


def _watch(
    services: Services,
    settings: Settings,
    inbox: Path,
    stable_seconds: float | None,
    done: Path | None,
    failed: Path | None,
    once: bool,
) -> None:
    """The body of ``watch``, once the services are built."""
    from adapters.heartbeat import write_heartbeat
    from adapters.watcher import InboxWatcher  # imported here: it pulls in watchdog

    stable = settings.watch_stable_seconds if stable_seconds is None else stable_seconds
    watcher = InboxWatcher(
        inbox,
        services.importer.import_file,
        stable_seconds=stable,
        done=done,
        failed=failed,
        after_import=lambda: _catch_up_quietly(services),
        finish=lambda path, video_id: services.importer.process(path, video_id, duplicate=True),
        heartbeat=lambda: write_heartbeat(settings.data_dir),
    )
    _catch_up_quietly(services)  # first finish what an interrupted run left (issue 8)
    unfinished = [UUID(video_id) for video_id in services.projections.videos.unfinished()]
    for report in services.importer.resume(unfinished):
        log.info("video %s resumed on start: %s", report.video_id, report.reason)
    if once:
        watcher.recover_orphans()
        handled, wait = watcher.scan_once()
        while wait is not None:  # files seen for the first time are stable only once seen again
            time.sleep(wait)
            more, wait = watcher.scan_once()
            handled += more
        typer.echo(f"endoveil: {len(handled)} file(s) handled")
        raise typer.Exit(1 if any(h.destination.parent == watcher.failed for h in handled) else 0)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    typer.echo("endoveil: watching the inbox (Ctrl-C to stop)", err=True)
    try:
        watcher.run(stop)
    except KeyboardInterrupt:
        stop.set()
