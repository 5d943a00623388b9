"""``endoveil worker``: take received or stale videos from the event store and run the chain.

Workers share nothing but the event store (and the data dir on shared storage). A worker
claims a video by appending to its stream at the expected version: of workers racing for a
video one wins, the others move on. A worker that dies leaves a claim whose lease lapses;
the next worker takes it over (a ``Claimed`` event naming the dead run) and finishes it.
An idle worker on PostgreSQL wakes on the event store's notifications (a new video was
enqueued) and looks at least every ``--poll`` seconds (for lapsed leases).
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Annotated
from uuid import UUID

import typer

from adapters.cli.app import _context, app

if TYPE_CHECKING:
    from adapters.bootstrap import Services
    from projections.follow import LogWatch


@app.command()
def worker(
    ctx: typer.Context,
    poll: Annotated[
        float, typer.Option(min=0.05, help="Seconds between looks (a wake-up on PostgreSQL).")
    ] = 1.0,
    idle_exit: Annotated[
        float | None, typer.Option(help="Stop after this many seconds without work.")
    ] = None,
) -> None:
    """Process queued and interrupted videos until stopped (or idle for --idle-exit s)."""
    from projections.follow import watch_log

    services = _context(ctx).services
    with watch_log(services.library) as log:
        _work(services, log, poll, idle_exit)


def _work(services: Services, log: LogWatch, poll: float, idle_exit: float | None) -> None:
    """The worker's loop: process what is unfinished, then wait for the log to grow.

    A lost database connection does not end it: the round is tried again after a pause
    (growing up to a few seconds) until the event store answers again.
    """
    from projections.follow import Backoff, connection_errors

    idle_since = time.monotonic()
    backoff = Backoff()
    while True:
        try:
            worked = _work_round(services)
        except connection_errors():
            backoff.failed("worker")
            continue
        backoff.succeeded()
        if worked:
            idle_since = time.monotonic()
        elif idle_exit is not None and time.monotonic() - idle_since > idle_exit:
            return
        else:
            log.wait(poll)


def _work_round(services: Services) -> bool:
    """Process every unfinished video another worker does not hold; whether any was."""
    from adapters.cli.text import import_json

    services.catch_up()
    worked = False
    for video_id in services.projections.videos.unfinished():
        report = services.importer.process(video_id, UUID(video_id), duplicate=True)
        if report.in_progress:
            continue  # another worker holds it; its lease will tell if it died
        worked = True
        services.catch_up()
        line = import_json(report, services.store.locate)
        typer.echo(json.dumps({k: line[k] for k in ("video_id", "state", "level", "reason")}))
    return worked
