"""The reason vocabulary: one code, one sentence, and the sentence is what people read."""

from __future__ import annotations

import re
from uuid import UUID

from adapters.cli.status_text import status_line
from adapters.cli.text import audit_lines, event_line
from domain.application import VideoLibrary
from domain.pipeline import FallbackChain
from domain.ports import LevelResult
from domain.reasons import SENTENCES, Reason, clause_of, reason_of, said, sentence_of
from projections.audit import explain
from projections.status import fold
from tests.fakes import FakeLevel, FakeStore


def test_every_reason_has_one_plain_sentence() -> None:
    assert set(SENTENCES) == set(Reason)
    for reason in Reason:
        sentence = reason.sentence
        assert sentence[0].isupper() and sentence.endswith("."), reason
        assert not re.search(r"\b[a-z]+_[a-z_]+\b", sentence), (reason, sentence)  # no codes
    assert len(set(SENTENCES.values())) == len(SENTENCES)  # no two codes say the same


def test_codes_are_stable_snake_case_strings() -> None:
    for reason in Reason:
        assert re.fullmatch(r"[a-z]+(_[a-z0-9]+)*", reason.value)
        assert reason == reason.value and str(reason) == reason.value  # stored as the string


def test_a_stored_code_reads_back_as_its_reason_and_an_unknown_one_as_itself() -> None:
    assert reason_of("ollama_unavailable") is Reason.OLLAMA_UNAVAILABLE
    assert reason_of("gone_since_v1") == "gone_since_v1"
    assert sentence_of("ollama_unavailable") == "Ollama could not be reached."
    assert sentence_of("gone_since_v1") == "gone_since_v1"


def test_a_clause_keeps_names_and_lowers_the_rest() -> None:
    assert clause_of(Reason.OLLAMA_UNAVAILABLE) == "Ollama could not be reached"
    assert clause_of(Reason.OCR_ENGINE_MISSING) == "the OCR engine could not be loaded"
    assert clause_of(Reason.REPROCESS_REQUESTED).startswith("Level 1 ")


def _raw_video(library: VideoLibrary) -> UUID:
    """Level 1 fails with ollama_timeout, level 2 with roi_uncertain: a quarantined raw copy."""
    video_id, _ = library.register("ab" * 32, 1, "raw/1.mp4")
    timeout = LevelResult.failed(Reason.OLLAMA_TIMEOUT, "Ollama accepted but did not answer.")
    uncertain = LevelResult.failed(Reason.ROI_UNCERTAIN, "No profile matched.")
    FallbackChain(library, FakeLevel(timeout), FakeLevel(uncertain), FakeStore()).run(video_id)
    return video_id


def test_the_audit_says_the_sentences_and_not_the_codes(library: VideoLibrary) -> None:
    video_id = _raw_video(library)
    history = library.history(video_id)
    story = explain(str(video_id), history)
    text = "\n".join(story)
    assert "Ollama did not answer in time" in story[0]
    assert "the endoscope image could not be located with certainty" in story[0]
    assert "ollama_timeout" not in text and "roi_uncertain" not in text
    lines = audit_lines(history)
    human = "\n".join(map(event_line, lines))
    assert "Ollama did not answer in time." in human and "ollama_timeout" not in human
    assert "ollama_timeout" in [line["reason"] for line in lines]  # the code stays in --json


def test_the_status_line_says_the_sentence(library: VideoLibrary) -> None:
    video_id = _raw_video(library)
    line = status_line(fold(str(video_id), library.history(video_id)))
    assert f"[{Reason.RAW_COPY_QUARANTINED.sentence}]" in line
    assert "because Ollama did not answer in time" in line
    assert "raw_copy_quarantined" not in line and "ollama_timeout" not in line


def test_a_detail_is_added_only_where_it_says_more() -> None:
    assert said(Reason.OLLAMA_UNAVAILABLE, "Ollama could not be reached.") == (
        "Ollama could not be reached."
    )
    assert said(Reason.CLAIMED, "A run claimed the video (lease 300 s).") == (
        "A run claimed the video (lease 300 s)."
    )
    assert said(Reason.ROI_UNCERTAIN, "No profile matched.") == (
        "The endoscope image could not be located with certainty. No profile matched."
    )
    assert said("gone_since_v1", "Old detail.") == "gone_since_v1 Old detail."
