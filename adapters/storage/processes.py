"""The processes of this host: which one we are, and whether the one behind a claim is gone."""

from __future__ import annotations

import os
import socket

from adapters.storage.atomic import pid_alive


class LocalProcesses:
    """Implements the ``Processes`` port with this host's name and ``kill(pid, 0)``."""

    def __init__(self) -> None:
        self.host = socket.gethostname()

    @property
    def pid(self) -> int:
        """The pid of the running process (a property: a forked child is another process)."""
        return os.getpid()

    def gone(self, host: str | None, pid: int | None) -> bool:
        """Whether ``pid`` is a process of this host that no longer runs.

        Another host's process cannot be seen from here: that claim waits for its lease.
        """
        if host != self.host or pid is None:
            return False
        return pid != os.getpid() and not pid_alive(pid)
