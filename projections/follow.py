"""Waiting for the event log to grow: PostgreSQL's LISTEN/NOTIFY, else a plain timer.

Every append to a PostgreSQL event store sends ``NOTIFY`` on the recorder's channel (in the
same transaction as the insert), so a follower that ``LISTEN``s wakes as soon as new events
are committed, instead of polling. A notification that arrives while the follower is busy
waits on the connection, so none is lost between two waits. SQLite has no notifications:
there a wait is a sleep of the whole timeout.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any, TypeGuard
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.sqlite import SQLiteApplicationRecorder

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresApplicationRecorder


class LogWatch:
    """Block until the log may have grown (or a timeout passed); see ``watch_log``."""

    def __init__(self, connection: Any = None) -> None:
        self._connection = connection

    @property
    def notified(self) -> bool:
        """Whether waits end on notifications (PostgreSQL) rather than only on timeouts."""
        return self._connection is not None

    def wait(self, timeout: float) -> bool:
        """Return ``True`` when woken by new events, ``False`` after ``timeout`` seconds."""
        if self._connection is None:
            time.sleep(timeout)
            return False
        woken = False
        for _ in self._connection.notifies(timeout=timeout, stop_after=1):
            woken = True
        return woken


def _listens(recorder: object) -> TypeGuard[PostgresApplicationRecorder]:
    """Whether ``recorder`` can LISTEN (PostgreSQL); a SQLite one is told without psycopg."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        return False
    from eventsourcing.postgres import PostgresApplicationRecorder

    return isinstance(recorder, PostgresApplicationRecorder)


@contextlib.contextmanager
def watch_log(app: Application[UUID]) -> Iterator[LogWatch]:
    """A ``LogWatch`` on ``app``'s event log, listening for as long as the block runs.

    On PostgreSQL it holds one pooled connection that ``LISTEN``s on the event table's
    channel; the connection goes back to the pool with ``UNLISTEN *``.
    """
    recorder = app.recorder
    if not _listens(recorder):
        yield LogWatch()
        return
    from psycopg.sql import SQL, Identifier

    with recorder.datastore.get_connection() as connection:
        connection.execute(SQL("LISTEN {0}").format(Identifier(recorder.channel_name)))
        try:
            yield LogWatch(connection)
        finally:
            connection.execute("UNLISTEN *")
