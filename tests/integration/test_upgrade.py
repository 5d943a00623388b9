"""An upgrade reads a data dir written by an earlier version: stored bytes, not regenerated.

``tests/fixtures/data_dir_v2`` is a data dir (``cipher.key``, ``events.sqlite`` with its views)
written on branch clinic at 36f4f26 (after #16 review and release, #13's vocabulary): five
imports through ``tests.serving.record_import`` (anonymized, raw, failed, processing,
anonymized), the views caught up, and ``statuses.json`` with what each video's status was then.
Never regenerate it: it stands for a clinic's data dir from before an upgrade. The older
format (before the vocabulary) is ``tests/unit/test_stored_events.py``'s.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from uuid import UUID

from adapters.bootstrap import build
from adapters.settings import Settings
from projections.replay import rebuild_and_compare

FIXTURE = Path(__file__).parent.parent / "fixtures" / "data_dir_v2"


def test_a_data_dir_of_todays_format_opens_and_replays_equal(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    shutil.copytree(FIXTURE, data_dir, ignore=shutil.ignore_patterns("statuses.json"))
    data_dir.chmod(0o700)
    recorded = json.loads((FIXTURE / "statuses.json").read_text())
    services = build(Settings(data_dir=data_dir))
    try:
        comparisons = rebuild_and_compare(services.library, services.projections)
        assert comparisons and [c for c in comparisons if not c.equal] == []
        live = [v.as_json() for v in services.projections.videos.page(limit=100)]
        assert json.loads(json.dumps(live, sort_keys=True, default=str)) == recorded
        for status in recorded:
            video = services.library.get(UUID(status["video_id"]))
            assert video.state.value == status["state"]
    finally:
        services.library.close()
