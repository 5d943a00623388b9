"""Waiting for the event log to grow: PostgreSQL's LISTEN/NOTIFY, else a plain timer.

Every append to a PostgreSQL event store sends ``NOTIFY`` on the recorder's channel (in the
same transaction as the insert), so a follower that ``LISTEN``s wakes as soon as new events
are committed, instead of polling. A notification that arrives while the follower is busy
waits on the connection, so none is lost between two waits. SQLite has no notifications:
there a wait is a sleep of the whole timeout.

The database may go away (a restart, a failover, an administrator ending sessions): a lost
LISTEN connection is opened again after a pause that grows up to :data:`MOST_PAUSE_S`, and
the wait then reports "woken", since notifications sent meanwhile are lost and the caller
must look for itself. :class:`Backoff` is the same pause for the caller's own reads.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Callable, Iterator
from functools import cache
from typing import TYPE_CHECKING, Any, TypeGuard
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import InterfaceError, OperationalError
from eventsourcing.sqlite import SQLiteApplicationRecorder

if TYPE_CHECKING:
    from eventsourcing.postgres import PostgresApplicationRecorder

log = logging.getLogger(__name__)


@cache
def connection_errors() -> tuple[type[Exception], ...]:
    """What a lost or unreachable database raises (eventsourcing wraps psycopg's errors).

    A function, not a constant, so that importing this module (every CLI command does) does
    not load psycopg: it is imported only once an error has to be matched.
    """
    import psycopg

    return (OperationalError, InterfaceError, psycopg.OperationalError, psycopg.InterfaceError)


#: The first pause after a lost connection, and the longest one (it doubles in between).
FIRST_PAUSE_S, MOST_PAUSE_S = 0.1, 5.0


class Backoff:
    """Pauses after failures: ``first`` seconds, doubling up to ``most``; reset on success.

    Args:
        first: the first pause.
        most: the longest pause (the bound: a follower never waits longer between tries).
        sleep: how to pause (tests pass a fake clock's).
    """

    def __init__(
        self,
        first: float = FIRST_PAUSE_S,
        most: float = MOST_PAUSE_S,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.first, self.most, self._sleep = first, most, sleep
        self.pause = first

    def failed(self, what: str) -> None:
        """Log that ``what`` failed (no ids, no data), pause, and lengthen the next pause."""
        log.warning("%s: the event store is unreachable; trying again in %.1f s", what, self.pause)
        self._sleep(self.pause)
        self.pause = min(self.pause * 2, self.most)

    def succeeded(self) -> None:
        """Start again from the first pause."""
        if self.pause != self.first:
            log.info("the event store is reachable again")
        self.pause = self.first


class LogWatch:
    """Block until the log may have grown (or a timeout passed); see ``watch_log``.

    Args:
        listen: opens a connection that ``LISTEN``s on the log's channel (PostgreSQL), or
            None to wait by sleeping (SQLite).
        backoff: the pauses between attempts to listen again after a lost connection.
        on_lost: called when the connection was lost (to check the pool's connections: the
            server that dropped this one dropped those too).
    """

    def __init__(
        self,
        listen: Callable[[], Any] | None = None,
        backoff: Backoff | None = None,
        on_lost: Callable[[], None] = lambda: None,
    ) -> None:
        self._listen = listen
        self._backoff = backoff or Backoff()
        self._on_lost = on_lost
        self._connection: Any = None

    @property
    def notified(self) -> bool:
        """Whether waits end on notifications (PostgreSQL) rather than only on timeouts."""
        return self._listen is not None

    def wait(self, timeout: float) -> bool:
        """Return ``True`` when woken by new events (or a reconnection), ``False`` on timeout."""
        if self._listen is None:
            time.sleep(timeout)
            return False
        try:
            if self._connection is None:
                self._connection = self._listen()
            woken = False
            for _ in self._connection.notifies(timeout=timeout, stop_after=1):
                woken = True
        except connection_errors():
            self._listen_again()
            return True  # notifications sent while it was gone are lost: the caller must look
        self._backoff.succeeded()
        return woken

    def _listen_again(self) -> None:
        """After a pause, listen on a new connection *before* the caller looks at the log.

        In this order nothing is missed: what was appended before listening again the caller
        finds when it looks; what is appended after wakes the next wait.
        """
        self.close()
        self._backoff.failed("listening for new events")
        assert self._listen is not None
        with contextlib.suppress(*connection_errors()):
            self._on_lost()
        with contextlib.suppress(*connection_errors()):  # still away: the next wait tries again
            self._connection = self._listen()

    def close(self) -> None:
        """Close the listening connection (a later wait opens a new one)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(*connection_errors()):
                connection.close()


def _listener(recorder: PostgresApplicationRecorder) -> Callable[[], Any]:
    """A function that opens a connection of its own, listening on ``recorder``'s channel.

    Not a pooled one: it is held for as long as the follower runs, and replaced, not
    returned, when the database drops it.
    """
    import psycopg
    from psycopg.sql import SQL, Identifier

    pool = recorder.datastore.pool
    # eventsourcing gives the pool a plain conninfo and a dict of settings
    conninfo = pool.conninfo if isinstance(pool.conninfo, str) else pool.conninfo()
    settings = pool.kwargs if isinstance(pool.kwargs, dict) else {}
    statement = SQL("LISTEN {0}").format(Identifier(recorder.channel_name))

    def listen() -> Any:
        connection = psycopg.connect(conninfo, **{**settings, "autocommit": True})
        connection.execute(statement)
        return connection

    return listen


def _listens(recorder: object) -> TypeGuard[PostgresApplicationRecorder]:
    """Whether ``recorder`` can LISTEN (PostgreSQL); a SQLite one is told without psycopg."""
    if isinstance(recorder, SQLiteApplicationRecorder):
        return False
    from eventsourcing.postgres import PostgresApplicationRecorder

    return isinstance(recorder, PostgresApplicationRecorder)


@contextlib.contextmanager
def watch_log(app: Application[UUID]) -> Iterator[LogWatch]:
    """A ``LogWatch`` on ``app``'s event log, listening for as long as the block runs.

    On PostgreSQL it holds one connection of its own that ``LISTEN``s on the event table's
    channel (opened again whenever the database drops it), closed when the block ends.
    """
    recorder = app.recorder
    if not _listens(recorder):
        yield LogWatch()
        return
    # the pool's check replaces the dead connections at once; its pre-ping alone would, but
    # only after a growing pause per dead connection
    watch = LogWatch(_listener(recorder), on_lost=recorder.datastore.pool.check)
    try:
        watch.wait(0)  # listen now: what is appended from here on wakes the first real wait
        yield watch
    finally:
        watch.close()
