"""What level 1 may keep readable: never a name-like word, never a box on another line."""

from __future__ import annotations

import pytest

from adapters.cleaning.rules import keep_visible, patient_tokens, rule_category
from adapters.cleaning.tracking import Tracker
from adapters.cleaning.verify import _leaks

FRAME = (0, 0, 1280, 720)


@pytest.mark.parametrize("text", ["jurgen", "JURGEN", "Jürgen", "SCHRÖDER", "mueller erika"])
def test_a_name_like_word_is_never_kept_whatever_its_case(text: str) -> None:
    assert rule_category(text) == "patient_name"
    assert not keep_visible("other", text)
    assert not keep_visible("device_info", text)


@pytest.mark.parametrize("text", ["EPK-i7000", "EG-2990i", "PENTAX", "CV-1500", "EVIS EXERA III"])
def test_device_labels_may_stay(text: str) -> None:
    assert keep_visible("device_info", text)


def test_patient_tokens_fold_umlauts_and_keep_years() -> None:
    assert patient_tokens("Schröder, Jürgen") == {"schroder", "jurgen"}
    assert patient_tokens("14.10.2025 16:11:05") == {"2025"}


def test_a_kept_box_is_where_every_sighting_agrees() -> None:
    tracker = Tracker()
    tracker.add_sample(0, FRAME, [((30, 124, 209, 167), "EPK-i7000")], FRAME)
    tracker.add_sample(10, FRAME, [((28, 120, 200, 170), "EPK-i7000")], FRAME)
    tracker.tracks[0].masked = False
    (kept,) = tracker.kept_spans()
    assert kept.rect == (30, 124, 200, 167)
    assert (kept.start, kept.end) == (0, 10)


def test_a_kept_box_touching_another_line_is_not_kept() -> None:
    tracker = Tracker()
    tracker.add_sample(
        0, FRAME, [((30, 124, 209, 170), "EPK-i7000"), ((27, 168, 152, 219), "Jurgen")], FRAME
    )
    device, name = tracker.tracks
    device.masked, name.masked = False, True
    assert tracker.kept_spans() == []  # the device box reaches into the name line


def test_a_line_cut_by_the_edge_of_a_crop_is_never_kept() -> None:
    tracker = Tracker()
    crop = (0, 150, 500, 260)
    tracker.add_sample(5, crop, [((20, 150, 114, 200), "en")], FRAME)  # top edge of the crop
    assert tracker.tracks[0].unsure
    tracker.tracks[0].masked = False
    assert tracker.kept_spans() == []


def test_verification_flags_names_dates_and_tokens_outside_kept_lines() -> None:
    kept = [(30, 124, 200, 167)]
    tokens = patient_tokens("Jürgen") | patient_tokens("12.03.1955")
    assert _leaks((27, 171, 152, 219), "jurgen", tokens, kept)  # a token, anywhere
    assert _leaks((40, 130, 190, 160), "EPK-Jurgen", tokens, kept)  # even inside a kept line
    assert _leaks((500, 10, 600, 40), "Anna", set(), kept)  # a name-like word not kept
    assert _leaks((500, 10, 600, 40), "01.02.2003", set(), kept)  # any date
    assert not _leaks((40, 130, 190, 160), "EPK-i70O0", tokens, kept)  # the kept line, misread
    assert not _leaks((500, 10, 600, 40), "PENTAX", tokens, kept)


def test_a_device_word_does_not_lend_its_verdict_to_a_name() -> None:
    assert rule_category("EVIS Jurgen") == "patient_name"
    assert rule_category("EXERA Müller") == "patient_name"


def test_a_name_in_capitals_is_not_a_device_label() -> None:
    # The leak of #15: "SCHRÖDER" kept readable as "4 device lines" on a Pentax-like screen.
    assert not keep_visible("other", "SCHRODER")
    assert not keep_visible("device_info", "SCHRÖDER JÜRGEN")
