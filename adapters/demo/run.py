"""``endoveil demo``: synthetic videos with fake patient text, imported with no Ollama needed."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from adapters.bootstrap import Services
from adapters.demo.synthetic import make_video
from domain.importer import ImportReport
from domain.reasons import clause_of
from projections.badge import Colour
from projections.status import fold


@dataclass(frozen=True)
class DemoCase:
    """One synthetic video of the demo and what it shows."""

    file: str
    layout: str
    static: bool
    shows: str


CASES = (
    DemoCase("demo-olympus.mp4", "olympus", False, "Olympus CV-1500 layout: built-in profile"),
    DemoCase("demo-unknown.mp4", "unknown_circle", False, "unknown processor: region detected"),
    DemoCase("demo-frozen.mp4", "full_frame", True, "image fills the frame: level 2 won't guess"),
)


def run_demo(services: Services, seconds: float = 2.0) -> int:
    """Generate the demo videos, import them, print what happened; return an exit code."""
    console = Console()
    inbox = services.settings.data_dir / "demo-inbox"
    inbox.mkdir(parents=True, exist_ok=True)
    reports: list[tuple[DemoCase, ImportReport]] = []
    columns = (TextColumn("{task.description:<34}"), BarColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console) as progress:
        task = progress.add_task("generating synthetic videos", total=2 * len(CASES))
        paths: list[Path] = []
        for seed, case in enumerate(CASES):
            path = inbox / case.file
            if not path.exists():
                make_video(path, case.layout, seconds=seconds, seed=seed, static=case.static)
            paths.append(path)
            progress.advance(task)
        for case, path in zip(CASES, paths, strict=True):
            progress.update(task, description=f"importing {case.file}")
            reports.append((case, services.importer.import_file(str(path))))
            progress.advance(task)
        progress.update(task, description="done")
    for case, report in reports:
        console.print(_summary(case, report, services), highlight=False)
    console.print(
        f"Audit any video with: endoveil --data-dir {services.settings.data_dir} audit ID"
    )
    return 0 if all(report.imported for _, report in reports) else 1


def _summary(case: DemoCase, report: ImportReport, services: Services) -> str:
    assert report.video_id is not None  # every demo case is a real video, so it has a record
    status = fold(str(report.video_id), services.library.history(report.video_id))
    badge = status.badge
    colour = "green" if badge.colour is Colour.GREEN else "dark_orange"
    tried = " -> ".join(f"{a.level}: {clause_of(a.reason)}" for a in status.fallbacks)
    lines = [
        f"[bold]{case.file}[/bold] ({case.shows})",
        f"  video {report.video_id}: [{colour}]{badge.text}[/{colour}]"
        f" at level {status.level} ({clause_of(report.reason)})"
        + (" - already imported" if report.duplicate else ""),
    ]
    if tried:
        lines.append(f"  fell back: {tried}")
    if report.output:
        lines.append(f"  output: {services.store.locate(report.output)}")
    if badge.warning:
        lines.append(f"  [dark_orange]{badge.warning}[/dark_orange]")
    return "\n".join(lines)
