"""What a batch run tells its caller: per-source and per-run summaries, and the listener protocol
through which a run reports progress (the CLI's progress bar and log lines implement it)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from .sources import Problem
from .store import ModelId


@dataclass
class SourceSummary:
    arg: str
    key: str
    kind: str
    state: str = "ok"  # ok | not_modified | failed | interrupted
    message: str | None = None
    title: str | None = None
    entries: int = 0
    new: int = 0
    updated: int = 0
    unchanged: int = 0
    old: int = 0
    failed: int = 0
    warnings: int = 0
    verdicts: Counter = field(default_factory=Counter)

    @property
    def skipped(self) -> int:
        return self.unchanged + self.old

    @property
    def scored(self) -> int:
        return self.new + self.updated


@dataclass
class RunSummary:
    run_id: int
    model: ModelId
    engine: str
    workers: int
    sources: list[SourceSummary]
    problems: list[Problem]
    elapsed: float = 0.0
    interrupted: bool = False

    def total(self, attr: str) -> int:
        return sum(getattr(s, attr) for s in self.sources)

    @property
    def verdicts(self) -> Counter:
        c: Counter = Counter()
        for s in self.sources:
            c.update(s.verdicts)
        return c

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]

    @property
    def rate(self) -> float:
        return self.total("scored") / self.elapsed if self.elapsed > 0 else 0.0


class Listener:
    """Progress callbacks of a run (all optional); the CLI draws a progress bar or logs lines from them."""

    def run_started(self, n_sources: int, engine: str, workers: int) -> None: ...
    def source_started(self, summary: SourceSummary, index: int, total: int) -> None: ...
    def source_finished(self, summary: SourceSummary) -> None: ...
    def article_done(self, summary: SourceSummary, status: str) -> None: ...  # new | updated | unchanged | old | failed
    def articles_known(self, total: int) -> None: ...  # every source is read: the run will report this many articles
    def problem(self, problem: Problem) -> None: ...
    def run_finished(self, summary: RunSummary) -> None: ...


