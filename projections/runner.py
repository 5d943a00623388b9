"""Catching views up with the event log, page by page (SQLite has no subscriptions)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import cast
from uuid import UUID

from eventsourcing.application import Application
from eventsourcing.persistence import IntegrityError

from domain.video import VideoEvent
from projections.views import Page, View

PAGE_SIZE = 1000


def catch_up(app: Application[UUID], views: Sequence[View], page_size: int = PAGE_SIZE) -> int:
    """Bring every view up to the end of the log; return how many events were read.

    Each page of notifications is decoded once and handed to every view still behind it.
    Several processes may catch up at once: a page another process applied first is
    refused by the tracking table (the view is left unchanged), and the position re-read.
    """
    start = min((view.position() for view in views), default=0)
    read = 0
    while True:
        notifications = app.recorder.select_notifications(
            start, page_size, inclusive_of_start=False
        )
        if not notifications:
            return read
        # The log holds this application's events only: every one is a video's.
        page = [(n.id, cast(VideoEvent, app.mapper.to_domain_event(n))) for n in notifications]
        for view in views:
            _process(view, page)
        read += len(page)
        start = notifications[-1].id


def _process(view: View, page: Page) -> None:
    """Apply what of ``page`` is past the view's position.

    A refusal means another process moved the position meanwhile: re-read it and retry.
    """
    while True:
        position = view.position()
        try:
            view.process([item for item in page if item[0] > position])
        except IntegrityError:
            continue
        return
