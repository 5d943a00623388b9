"""The running API keeps to its own OpenAPI spec: a bounded, seeded schemathesis run.

Every operation is called with generated parameters, valid and invalid, with a reviewer's
token (schemathesis also calls without it): no answer may be a 5xx, and every status,
content type, header and body must be one the spec declares. On both stores.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection

from adapters.bootstrap import build
from adapters.web import create_app
from tests.backends import settings_on
from tests.serving import record_import, serving

STORES = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
REVIEWER = {"Authorization": "Bearer review-token"}
#: Unknown query parameters are ignored, as HTTP servers do (a cache-buster must not fail a
#: call), so "invalid data accepted" is not checked; every answer must still be one declared.
LENIENT = [negative_data_rejection]
#: Examples per operation: enough to reach every parameter's edges, few enough for < 60 s.
EXAMPLES = 20


@pytest.fixture(scope="module", params=STORES)
def live(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    data = tmp_path_factory.mktemp("spec")
    with settings_on(request.param, data) as plain:
        services = build(plain.model_copy(update={
            "viewer_tokens": "view-token", "reviewer_tokens": "review-token",
            "views_max_staleness": 0}))  # fmt: skip
        try:
            for n, outcome in enumerate(("anonymized", "raw", "failed", "processing"), start=1):
                record_import(services.library, n, outcome)
            with serving(create_app(services)) as url:
                yield url
        finally:
            services.library.close()


def _consistent(case: Any) -> bool:
    """Whether the case keeps the one rule the spec can only say in words: 'to' not before
    'from' (a report case that breaks it is answered 422, rightly, and is not generated)."""
    query = case.query or {}
    if not (isinstance(query.get("from"), str) and isinstance(query.get("to"), str)):
        return True
    return bool(query["from"] <= query["to"])  # ISO dates: text order is date order


@pytest.mark.parametrize("mode", list(GenerationMode))
def test_every_answer_is_one_the_spec_declares(live: str, mode: GenerationMode) -> None:
    schema = schemathesis.openapi.from_url(f"{live}/api/openapi.json")
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy(generation_mode=mode).filter(_consistent))
        @settings(max_examples=EXAMPLES, derandomize=True, deadline=None, database=None,
                  suppress_health_check=list(HealthCheck))  # fmt: skip
        def call(case: Any) -> None:
            case.call_and_validate(base_url=live, headers=REVIEWER, excluded_checks=LENIENT)

        call()
