"""Domain errors: a rule of the domain was broken (the caller's bug, not a fallback)."""

from domain.reasons import Reason


class DomainError(Exception):
    """Base class of every error the domain raises on purpose."""


class TransitionNotAllowed(DomainError):
    """A command was given to a video in a state the rulebook does not allow it from."""

    def __init__(self, command: str, state: str) -> None:
        super().__init__(f"command {str(command)!r} is not allowed in state {state!r}")
        self.command = str(command)
        self.state = state


class VideoNotFound(DomainError):
    """No video with this id was ever imported."""

    def __init__(self, video_id: object) -> None:
        super().__init__(f"no video with id {video_id}")
        self.video_id = video_id


class InputRejected(DomainError):
    """A path given to import is not something that can be imported (missing, a directory...).

    No video record exists for it: there were no bytes to derive an id from.
    """

    def __init__(self, reason: Reason, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


class ClaimHeld(DomainError):
    """Another run is working on this video and its lease has not lapsed."""

    def __init__(self, video_id: str, expires: object) -> None:
        super().__init__(
            f"video {video_id} is being processed by another run (lease until {expires})"
        )
        self.video_id = video_id


class ClaimLost(DomainError):
    """The claim of a run on the video was taken over; the run must stop working on it."""

    def __init__(self, video_id: str) -> None:
        super().__init__(f"the claim on video {video_id} was taken over by another run")
        self.video_id = video_id
