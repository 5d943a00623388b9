"""A ``rich`` progress bar on stderr for level 2's encoding (stdout stays for results)."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.progress import TaskID


class MaskingProgress:
    """``on_progress`` callback drawing one bar per video; a context manager.

    Videos are named by the first part of their id, never by file name.
    """

    def __init__(self) -> None:
        # rich is imported here: only ``import`` draws a bar, the other commands start faster.
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

        self._bar = Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeRemainingColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self._tasks: dict[str, TaskID] = {}

    def __enter__(self) -> MaskingProgress:
        self._bar.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._bar.stop()

    def __call__(self, video_id: str, done: int, total: int) -> None:
        """Move the bar of ``video_id`` to ``done`` of ``total`` frames."""
        task = self._tasks.get(video_id)
        if task is None:
            task = self._bar.add_task(f"masking {video_id[:8]}", total=total)
            self._tasks[video_id] = task
        self._bar.update(task, completed=done, total=total)
