"""Materialised views: tables beside the events, each with its own tracking position.

A view is an eventsourcing tracking recorder on the application's own datastore. It is
written a page of events at a time, view rows and tracking position in one transaction, so
it is never ahead of or behind what it says it has processed. A ``prefix`` gives a second,
independent copy of the same tables (used by ``replay`` to rebuild from position 0).
"""

from __future__ import annotations

import time
from abc import abstractmethod
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar

from eventsourcing.persistence import IntegrityError, OperationalError, Tracking
from eventsourcing.sqlite import SQLiteCursor, SQLiteDatastore, SQLiteTrackingRecorder

#: A page of the event log: (notification position, decoded domain event).
Page = Sequence[tuple[int, Any]]


def timestamp(moment: datetime) -> str:
    """A fixed-width UTC text timestamp, so that text order is time order in any database."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class View(SQLiteTrackingRecorder):
    """Base of the materialised views on SQLite."""

    #: The view's name: its tracking key and the stem of its tables.
    name: ClassVar[str]
    #: Its tables, for rebuilds and comparisons: ``{table: order-by columns}``.
    tables: ClassVar[dict[str, str]]

    def __init__(self, datastore: SQLiteDatastore, prefix: str = "") -> None:
        self.prefix = prefix
        super().__init__(datastore)
        self._create_tables()

    def _create_tables(self, attempts: int = 20) -> None:
        """Create the tables, tolerating other processes doing the same at the same moment.

        The library checks, then creates and seeds the tracking table in two transactions;
        a process that loses that race sees "database is locked" or a refused seed row, and
        simply tries again (the tables then exist).
        """
        for attempt in range(attempts):
            try:
                self.create_table()
                return
            except (OperationalError, IntegrityError):
                if attempt == attempts - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))

    @property
    def tracking_name(self) -> str:
        """The key of this view's row in the tracking table."""
        return f"{self.prefix}{self.name}"

    def table(self, name: str) -> str:
        """The real name of one of this view's tables."""
        return f"{self.prefix}{name}"

    def construct_create_table_statements(self) -> list[str]:
        """The tracking table plus this view's tables and indexes."""
        return [*super().construct_create_table_statements(), *self.schema()]

    @abstractmethod
    def schema(self) -> list[str]:
        """CREATE TABLE / CREATE INDEX statements (IF NOT EXISTS) of this view."""

    @abstractmethod
    def project(self, cursor: SQLiteCursor, page: Page) -> None:
        """Apply a page of events (already filtered to those after this view's position)."""

    def position(self) -> int:
        """The last event position this view has processed (0 when none)."""
        return self.max_tracking_id(self.tracking_name) or 0

    def process(self, page: Page) -> None:
        """Apply ``page`` and move the tracking position, in one transaction."""
        if not page:
            return
        with self.datastore.transaction(commit=True) as cursor:
            # The tracking row first: its write takes the write lock (waiting for it if need
            # be) before any read, so the transaction never has to upgrade a stale read
            # snapshot, which SQLite refuses at once with "database is locked".
            self._insert_tracking(cursor, Tracking(self.tracking_name, page[-1][0]))
            self.project(cursor, page)

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, in a stable order (for comparing two copies)."""
        found: dict[str, list[tuple[Any, ...]]] = {}
        with self.datastore.transaction(commit=False) as cursor:
            for name, order in self.tables.items():
                cursor.execute(f"SELECT * FROM {self.table(name)} ORDER BY {order}")
                found[name] = [tuple(row) for row in cursor.fetchall()]
        return found

    def reset(self) -> None:
        """Empty this view's tables and forget its position (before a rebuild)."""
        with self.datastore.transaction(commit=True) as cursor:
            for name in self.tables:
                cursor.execute(f"DELETE FROM {self.table(name)}")
            cursor.execute("DELETE FROM tracking WHERE application_name = ?", [self.tracking_name])

    def drop(self) -> None:
        """Remove this view's tables and position altogether."""
        with self.datastore.transaction(commit=True) as cursor:
            for name in self.tables:
                cursor.execute(f"DROP TABLE IF EXISTS {self.table(name)}")
            cursor.execute("DELETE FROM tracking WHERE application_name = ?", [self.tracking_name])

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run a read-only query on this view's tables (``{t}`` names the main table)."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(sql, list(params))
            return list(cursor.fetchall())
