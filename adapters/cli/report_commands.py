"""Read-side commands: metrics, the compliance report, replay and the projection runner."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Annotated

import typer

from adapters.cli.app import _context, _history, _parse_id, app


@app.command()
def metrics(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="JSON output.")] = False,
) -> None:
    """Anonymization success, fallback usage and import failure rates, with their statuses."""
    from adapters.cli.text import metrics_lines
    from projections.metrics import as_json as metrics_json

    services = _context(ctx).services
    services.catch_up()
    windows = services.projections.metrics.compute(datetime.now(UTC))
    if as_json:
        typer.echo(json.dumps(metrics_json(windows), indent=2))
        return
    for line in metrics_lines(windows):
        typer.echo(line)


def _day(text: str, option: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        typer.echo(f"endoveil: {option} {text!r} is not a date (YYYY-MM-DD)", err=True)
        raise typer.Exit(2) from None


@app.command()
def report(
    ctx: typer.Context,
    start: Annotated[str, typer.Option("--from", help="First day, YYYY-MM-DD (inclusive).")],
    end: Annotated[str, typer.Option("--to", help="Last day, YYYY-MM-DD (inclusive).")],
    fmt: Annotated[str, typer.Option("--format", help="csv, json or html.")] = "csv",
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write to a file.")] = None,
) -> None:
    """The compliance report of every video imported in a period (no patient data)."""
    from projections.report import FORMATS, build_report, exports_csv, render, summary_csv

    if fmt not in FORMATS:
        typer.echo(f"endoveil: unknown format {fmt!r}; use csv, json or html", err=True)
        raise typer.Exit(2)
    first, last = _day(start, "--from"), _day(end, "--to")
    if last < first:
        typer.echo("endoveil: --to is before --from", err=True)
        raise typer.Exit(2)
    begin = datetime.combine(first, clock_time.min, UTC)
    finish = datetime.combine(last + timedelta(days=1), clock_time.min, UTC)
    services = _context(ctx).services
    services.catch_up()
    views = services.projections
    window = views.metrics.between(begin, finish)
    built = build_report(views.videos, window, begin, finish, datetime.now(UTC), views.releases)
    text = render(built, fmt)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, encoding="utf-8")
    typer.echo(f"wrote {output}")
    if fmt == "csv":  # the CSV is one table of videos; its summary is a table of its own
        summary = output.with_name(f"{output.stem}.summary.csv")
        summary.write_text(summary_csv(built), encoding="utf-8")
        typer.echo(f"wrote {summary}")
        exports = output.with_name(f"{output.stem}.exports.csv")
        exports.write_text(exports_csv(built), encoding="utf-8")
        typer.echo(f"wrote {exports}")


@app.command()
def replay(
    ctx: typer.Context,
    video_id: Annotated[str | None, typer.Argument(help="Re-derive one video only.")] = None,
) -> None:
    """Rebuild every view from position 0 and compare, or re-derive one video from its events."""
    from adapters.cli.text import audit_lines, event_line
    from projections.replay import rebuild_and_compare
    from projections.status import fold

    services = _context(ctx).services
    if video_id:
        vid = _parse_id(video_id, ctx)
        events = _history(ctx, vid)
        derived = fold(str(vid), events)
        services.catch_up()
        live = services.projections.videos.get(str(vid))
        for line in audit_lines(events):
            typer.echo(event_line(line))
        same = live is not None and live.as_json() == derived.as_json()
        typer.echo(
            f"Re-derived from {len(events)} events: {derived.state.value}, "
            f"level {derived.level or '-'}, {derived.badge.text}; "
            f"status view {'agrees' if same else 'DIFFERS'}."
        )
        raise typer.Exit(0 if same else 1)
    started = time.monotonic()
    comparisons = rebuild_and_compare(services.library, services.projections)
    for c in comparisons:
        verdict = "equal" if c.equal else f"DIFFERENT: {c.first_difference}"
        typer.echo(f"{c.table}: {c.live_rows} live rows, {c.rebuilt_rows} rebuilt: {verdict}")
    typer.echo(f"replayed in {time.monotonic() - started:.2f} s")
    raise typer.Exit(0 if all(c.equal for c in comparisons) else 1)


@app.command()
def project(
    ctx: typer.Context,
    follow: Annotated[bool, typer.Option("--follow", help="Keep following the log.")] = False,
    interval: Annotated[
        float, typer.Option(min=0.05, help="Seconds between looks (a wake-up on PostgreSQL).")
    ] = 1.0,
) -> None:
    """Run the projections: catch the views up with the event log (once, or following it).

    Following a PostgreSQL event store wakes on its notifications (LISTEN/NOTIFY) and looks
    at least every --interval seconds; on SQLite it looks every --interval seconds.
    """
    from projections.follow import Backoff, connection_errors, watch_log

    services = _context(ctx).services
    read = services.catch_up()
    if not follow:
        typer.echo(f"caught up: {read} events processed")
        return
    with watch_log(services.library) as log:
        how = "notifications" if log.notified else f"polling every {interval:g} s"
        typer.echo(f"following the event log ({how}); Ctrl-C stops")
        backoff = Backoff()
        while True:
            log.wait(interval)
            try:
                services.catch_up()
            except connection_errors():  # the database went away: keep following once it is back
                backoff.failed("following the event log")
            else:
                backoff.succeeded()
