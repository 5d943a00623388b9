"""Drive videos through the chain with fakes, to give projections real event histories."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from domain.application import VideoLibrary
from domain.pipeline import FallbackChain
from domain.reasons import Reason
from domain.rulebook import Command
from domain.steps import Step
from tests.fakes import FakeStore, failing, succeeding

OUTCOMES = ("cleaned", "masked", "raw", "failed", "processing", "reprocess_ok", "reprocess_kept")


def play(library: VideoLibrary, n: int, outcome: str, received_at: datetime | None = None) -> UUID:
    """Import fake video ``n`` and give it ``outcome``; return its id."""
    video_id, _ = library.register(f"{n:064x}", n, f"raw/{n}.mp4", received_at)
    store = FakeStore()
    if outcome == "failed":
        library.apply(video_id, Command.FAIL, Step(Reason.NOT_A_VIDEO, "The file is not a video."))
    elif outcome == "processing":
        library.apply(video_id, Command.START_CLEANING, Step(Reason.CHAIN_STARTED, "Started."))
    elif outcome == "cleaned":
        FallbackChain(library, succeeding("cleaned"), failing("unused"), store).run(video_id)
    elif outcome == "masked":
        FallbackChain(library, failing("ollama_unavailable"), succeeding(), store).run(video_id)
    else:  # raw, and the reprocessing outcomes start from a raw copy
        chain = FallbackChain(library, failing("ollama_timeout"), failing("roi_uncertain"), store)
        chain.run(video_id)
        if outcome.startswith("reprocess"):
            library.apply(video_id, Command.REPROCESS, Step("ollama_back", "Ollama is back."))
            cleaner = succeeding("cleaned") if outcome == "reprocess_ok" else failing("no_models")
            FallbackChain(library, cleaner, failing("unused"), store).run(video_id)
    return video_id
