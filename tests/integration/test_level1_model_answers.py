"""Level 1 accepts any answer that fits its schema, and trusts none of it beyond the OCR."""

from __future__ import annotations

from typing import Any

import httpx

from adapters.cleaning.classify import Classifier
from tests.fake_ollama import FakeOllama
from tests.fake_ollama import fake_ollama as fake_ollama

OCR_LINES = ["EPK-i7000", "jurgen", "12.03.1955"]


def _sloppy(_: str) -> dict[str, Any]:
    """Fits the schema: lines reordered, one never asked about, one said twice, invented names."""
    return {
        "lines": [
            {"text": "12.03.1955", "category": "birth_date"},
            {"text": "jurgen", "category": "other"},
            {"text": "jurgen", "category": "patient_name"},
            {"text": "Schroder", "category": "other"},  # never asked about
            {"text": "EPK-i7000", "category": "device_info"},
        ],
        "patient": {
            "first_name": "Jurgen",
            "last_name": "Schmidt",  # the OCR read no such word: invented
            "birth_date": "1955-03-12",  # another notation of what was read
            "exam_date": None,
            "device": "EPK-i7000",
        },
    }


def test_the_patient_category_wins_and_invented_identifiers_are_dropped(
    fake_ollama: FakeOllama,
) -> None:
    fake_ollama.answer = _sloppy
    classifier = Classifier(fake_ollama.host, fake_ollama.model, httpx.Timeout(5.0))
    try:
        categories = classifier.categories(OCR_LINES)
        assert categories == {
            "EPK-i7000": "device_info",
            "jurgen": "patient_name",
            "12.03.1955": "birth_date",
        }
        assert classifier.categories(["Schroder"]) == {"Schroder": "other"}  # asked itself
        assert classifier.calls == 2
    finally:
        classifier.close()
    assert classifier.metadata["first_name"] == "Jurgen"
    assert classifier.metadata["last_name"] is None
    assert classifier.metadata["birth_date"] == "1955-03-12"


def test_a_line_the_model_skips_is_unknown(fake_ollama: FakeOllama) -> None:
    fake_ollama.answer = lambda _: {
        "lines": [],
        "patient": dict.fromkeys(("first_name", "last_name", "birth_date", "exam_date", "device")),
    }
    classifier = Classifier(fake_ollama.host, fake_ollama.model, httpx.Timeout(5.0))
    try:
        assert classifier.categories(["CV-1500"]) == {"CV-1500": None}
    finally:
        classifier.close()
