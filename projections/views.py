"""Materialised views: tables beside the events, each with its own tracking position.

A view is an eventsourcing tracking recorder on the application's own datastore. It is
written a page of events at a time, view rows and tracking position in one transaction, so
it is never ahead of or behind what it says it has processed. A ``prefix`` gives a second,
independent copy of the same tables (used by ``replay`` to rebuild from position 0).
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, ClassVar, TypeGuard

from eventsourcing.persistence import IntegrityError, OperationalError, ProgrammingError, Tracking
from eventsourcing.sqlite import SQLiteDatastore, SQLiteTrackingRecorder

from domain.video import VideoEvent

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresDatastore, PostgresTrackingRecorder

#: A page of the event log: (notification position, decoded domain event).
Page = Sequence[tuple[int, VideoEvent]]


def is_postgres(datastore: object) -> TypeGuard[PostgresDatastore]:
    """Whether ``datastore`` is PostgreSQL's; a SQLite one is told without loading psycopg."""
    if isinstance(datastore, SQLiteDatastore):
        return False
    from eventsourcing.postgres import PostgresDatastore  # imports psycopg: only when needed

    return isinstance(datastore, PostgresDatastore)


def timestamp(moment: datetime) -> str:
    """A fixed-width UTC text timestamp, so that text order is time order in any database."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class View(ABC):
    """Base of the materialised views, on SQLite or PostgreSQL (the event store's database).

    SQL is written once with ``?`` placeholders and portable statements (``ON CONFLICT``
    upserts, ``CASE`` sums); :meth:`sql` adapts it to the backend.
    """

    #: The view's name: its tracking key and the stem of its tables.
    name: ClassVar[str]
    #: Its tables, for rebuilds and comparisons: ``{table: order-by columns}``.
    tables: ClassVar[dict[str, str]]

    def __init__(self, datastore: SQLiteDatastore | PostgresDatastore, prefix: str = "") -> None:
        self.prefix = prefix
        self.datastore = datastore
        self.tracker: SQLiteTrackingRecorder | PostgresTrackingRecorder
        if isinstance(datastore, SQLiteDatastore):
            self.tracker = SQLiteTrackingRecorder(datastore)
            self._schema = ""
            self._tracking_table = "tracking"
        else:
            from eventsourcing.postgres import PostgresTrackingRecorder  # psycopg: only here

            self.tracker = PostgresTrackingRecorder(datastore)
            self._schema = f'"{datastore.schema}".' if datastore.schema else ""
            self._tracking_table = f"{self._schema}{self.tracker.tracking_table_name}"
        self._create_tables()

    @property
    def postgres(self) -> bool:
        """Whether the view lives in PostgreSQL."""
        return is_postgres(self.datastore)

    def sql(self, statement: str) -> str:
        """``statement`` with the backend's placeholders."""
        return statement.replace("?", "%s") if self.postgres else statement

    def _create_tables(self, attempts: int = 20) -> None:
        """Create the tables, tolerating other processes doing the same at the same moment.

        The library checks, then creates and seeds the tracking table in two transactions;
        a process that loses that race sees "database is locked" or a refused seed row, and
        simply tries again (the tables then exist).
        """
        for attempt in range(attempts):
            try:
                self.tracker.create_table()
                with self.datastore.transaction(commit=True) as cursor:
                    for statement in self.schema():
                        cursor.execute(statement)
                self._seed_position()
                return
            except (OperationalError, IntegrityError, ProgrammingError):
                if attempt == attempts - 1:
                    raise
                time.sleep(0.05 * (attempt + 1))

    @property
    def tracking_name(self) -> str:
        """The key of this view's row in the tracking table."""
        return f"{self.prefix}{self.name}"

    def table(self, name: str) -> str:
        """The real (qualified) name of one of this view's tables."""
        return f"{self._schema}{self.prefix}{name}"

    def index(self, table: str, suffix: str) -> str:
        """An index name (unqualified: an index lives in its table's schema)."""
        return f"{self.prefix}{table}_{suffix}"

    @abstractmethod
    def schema(self) -> list[str]:
        """CREATE TABLE / CREATE INDEX statements (IF NOT EXISTS) of this view."""

    @abstractmethod
    def project(self, cursor: Any, page: Page) -> None:
        """Apply a page of events (already filtered to those after this view's position)."""

    def position(self) -> int:
        """The last event position this view has processed (0 when none)."""
        return self.tracker.max_tracking_id(self.tracking_name) or 0

    def process(self, page: Page) -> None:
        """Apply ``page`` and move the tracking position, in one transaction."""
        if not page:
            return
        with self.datastore.transaction(commit=True) as cursor:
            # Lock this view's tracking row before reading anything: another process catching
            # up at the same moment waits here, then reads the position this one committed.
            # (Reading the position outside the lock let two processes apply overlapping
            # pages twice; a read first would also make SQLite refuse the later write with
            # "database is locked" when its snapshot went stale.)
            cursor.execute(
                self.sql(
                    f"UPDATE {self._tracking_table} SET notification_id = notification_id "
                    "WHERE application_name = ?"
                ),
                [self.tracking_name],
            )
            cursor.execute(
                self.sql(
                    f"SELECT notification_id FROM {self._tracking_table} WHERE application_name = ?"
                ),
                [self.tracking_name],
            )
            row = cursor.fetchone()
            position = row["notification_id"] if row else 0
            fresh = [item for item in page if item[0] > position]
            if not fresh:
                return
            self.project(cursor, fresh)
            tracker: Any = self.tracker  # the cursor is the tracker's own backend's
            tracker._insert_tracking(cursor, Tracking(self.tracking_name, fresh[-1][0]))

    def rows(self) -> dict[str, list[tuple[Any, ...]]]:
        """Every row of every table, in a stable order (for comparing two copies)."""
        found: dict[str, list[tuple[Any, ...]]] = {}
        with self.datastore.transaction(commit=False) as cursor:
            for name, order in self.tables.items():
                cursor.execute(f"SELECT * FROM {self.table(name)} ORDER BY {order}")
                # sqlite3.Row iterates over values, dict_row over keys: keys() suits both
                rows = cursor.fetchall()
                found[name] = [tuple(row[k] for k in row.keys()) for row in rows]  # noqa: SIM118
        return found

    def _seed_position(self) -> None:
        """Make sure the tracking row exists (at 0), so that ``process`` can always lock it."""
        with self.datastore.transaction(commit=True) as cursor:
            cursor.execute(
                self.sql(
                    f"INSERT INTO {self._tracking_table} (application_name, notification_id) "
                    "VALUES (?, 0) ON CONFLICT DO NOTHING"
                ),
                [self.tracking_name],
            )

    def reset(self) -> None:
        """Empty this view's tables and forget its position (before a rebuild)."""
        with self.datastore.transaction(commit=True) as cursor:
            for name in self.tables:
                cursor.execute(f"DELETE FROM {self.table(name)}")
            cursor.execute(
                self.sql(f"DELETE FROM {self._tracking_table} WHERE application_name = ?"),
                [self.tracking_name],
            )
        self._seed_position()

    def drop(self) -> None:
        """Remove this view's tables and position altogether."""
        with self.datastore.transaction(commit=True) as cursor:
            for name in self.tables:
                cursor.execute(f"DROP TABLE IF EXISTS {self.table(name)}")
            cursor.execute(
                self.sql(f"DELETE FROM {self._tracking_table} WHERE application_name = ?"),
                [self.tracking_name],
            )

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        """Run a read-only query on this view's tables (``{t}`` names the main table)."""
        with self.datastore.transaction(commit=False) as cursor:
            cursor.execute(self.sql(sql), list(params))
            return list(cursor.fetchall())
