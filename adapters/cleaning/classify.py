"""Classifying OCR lines with an Ollama model, once per line shape, and extracting metadata.

A line is sent to the model the first time its shape (digits masked) is seen; later lines
of the same shape (a ticking clock) reuse the answer, so a video with static overlays costs
a handful of calls. The deterministic rules (:mod:`adapters.cleaning.rules`) read the digits.
"""

from __future__ import annotations

from typing import Any, Literal

import httpx
import ollama
from pydantic import BaseModel

from adapters.cleaning.ollama_http import expected_errors, explain
from adapters.cleaning.rules import shape

METADATA_FIELDS = ("first_name", "last_name", "birth_date", "exam_date", "device")
SYSTEM_PROMPT = (
    "You read text burned into endoscopy video frames. Classify every line of the user's "
    "message as patient_name, birth_date, exam_datetime, device_info or other, repeating "
    "each line's text exactly. Also extract the patient's first name, last name, birth date, "
    "exam date and the device, using null for anything not present. Answer only with JSON."
)


class Line(BaseModel):
    """One classified line."""

    text: str
    category: Literal["patient_name", "birth_date", "exam_datetime", "device_info", "other"]


class Patient(BaseModel):
    """The patient metadata the model extracted."""

    first_name: str | None
    last_name: str | None
    birth_date: str | None
    exam_date: str | None
    device: str | None


class Answer(BaseModel):
    """What the model must answer (its JSON schema is the chat ``format``)."""

    lines: list[Line]
    patient: Patient


ANSWER_SCHEMA: dict[str, Any] = Answer.model_json_schema()


class Classifier:
    """Asks the model about lines it has not seen the shape of; caches every answer.

    Args:
        host: Ollama base URL.
        model: the model name.
        timeout: connect and read timeouts of every request.

    Attributes:
        calls: chat requests made so far.
        metadata: the first value the model gave for each of :data:`METADATA_FIELDS`.
    """

    def __init__(self, host: str, model: str, timeout: httpx.Timeout) -> None:
        self._client = ollama.Client(host=host, timeout=timeout)
        self._model = model
        self._cache: dict[str, str | None] = {}
        self.calls = 0
        self.metadata: dict[str, str | None] = dict.fromkeys(METADATA_FIELDS)

    def categories(self, texts: list[str]) -> dict[str, str | None]:
        """The model's category of each text (None: the model did not say).

        Raises:
            LevelFailure: Ollama failed (``ollama_timeout``, ``ollama_bad_answer``...).
        """
        new = list(dict.fromkeys(t for t in texts if shape(t) not in self._cache))
        if new:
            answer = self._ask(new)
            for line in answer.lines:
                self._cache.setdefault(shape(line.text), line.category)
            for text in new:  # a line the model skipped is unknown, hence masked
                self._cache.setdefault(shape(text), None)
            for key, value in answer.patient.model_dump().items():
                if value and not self.metadata.get(key):
                    self.metadata[key] = value
        return {text: self._cache[shape(text)] for text in texts}

    def _ask(self, lines: list[str]) -> Answer:
        self.calls += 1
        try:
            reply = self._client.chat(
                self._model,
                messages=[
                    {"role": "system", "content": SYSTEM_PROMPT},
                    {"role": "user", "content": "\n".join(lines)},
                ],
                format=ANSWER_SCHEMA,
                options={"temperature": 0},
                stream=False,
            )
            return Answer.model_validate_json(reply.message.content or "")
        except expected_errors() as err:
            raise explain(err) from None

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()  # type: ignore[no-untyped-call]  # ollama's close() is unannotated
