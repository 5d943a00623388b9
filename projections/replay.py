"""Replay: rebuild every view from position 0 into fresh tables and compare with the live ones."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from eventsourcing.application import Application

from projections.catalog import Projections

REPLAY_PREFIX = "replay_"


@dataclass(frozen=True)
class Comparison:
    """One table, live against rebuilt."""

    view: str
    table: str
    live_rows: int
    rebuilt_rows: int
    equal: bool
    first_difference: str | None


def rebuild_and_compare(app: Application[UUID], live: Projections) -> list[Comparison]:
    """Catch the live views up, rebuild fresh copies from 0, compare them table by table.

    The fresh tables are dropped afterwards; the live views are left as they were.
    """
    fresh = Projections.open(app, prefix=REPLAY_PREFIX)
    try:
        for view in fresh.views:
            view.reset()
        while True:  # imports may land meanwhile: compare at one position
            live.catch_up(app)
            fresh.catch_up(app)
            if [v.position() for v in live.views] == [v.position() for v in fresh.views]:
                break
        return [
            _compare(live_view.name, table, rows, fresh_view.rows()[table])
            for live_view, fresh_view in zip(live.views, fresh.views, strict=True)
            for table, rows in live_view.rows().items()
        ]
    finally:
        for view in fresh.views:
            view.drop()


def _compare(
    view: str, table: str, live: list[tuple[object, ...]], rebuilt: list[tuple[object, ...]]
) -> Comparison:
    difference = None
    if live != rebuilt:
        pairs = zip(live, rebuilt, strict=False)
        first = next((f"live {a} != rebuilt {b}" for a, b in pairs if a != b), None)
        difference = first or f"{len(live)} live rows, {len(rebuilt)} rebuilt"
    return Comparison(view, table, len(live), len(rebuilt), live == rebuilt, difference)
