"""How a batch run reports itself: a Rich progress bar on a terminal, plain log lines otherwise,
and the summary table at the end. Presentation only; the run itself is :mod:`classifier.batch`."""

from __future__ import annotations

import os
import sys
import time
from typing import TextIO

from ..labels import VERDICTS
from .summary import Listener, RunSummary, SourceSummary
from .sources import Problem



def _stamp() -> str:
    return time.strftime("%H:%M:%S")


class LogListener(Listener):
    """One plain line per event worth a line, for logs and cron mail: no colours, no redraws."""

    def __init__(self, stream: TextIO | None = None, every: float = 10.0, warnings: bool = True):
        self.stream = stream or sys.stderr
        self.every = every
        self.warnings = warnings
        self._done = 0
        self._seen = 0  # articles reported, whatever their outcome
        self._total: int | None = None
        self._t0 = time.monotonic()
        self._last = self._t0

    def _line(self, text: str) -> None:
        print(f"[{_stamp()}] {text}", file=self.stream, flush=True)

    def run_started(self, n_sources, engine, workers):
        self._t0 = self._last = time.monotonic()
        self._line(f"scoring {n_sources} source{'s' if n_sources != 1 else ''} "
                   f"({engine} engine, {workers} worker{'s' if workers != 1 else ''})")

    def source_started(self, summary, index, total):
        self._line(f"({index + 1}/{total}) reading {summary.arg}")

    def source_finished(self, summary: SourceSummary):
        state = {"ok": "", "not_modified": " not modified (304);", "failed": " FAILED;"}.get(summary.state, "")
        self._line(f"done {summary.arg}:{state} {summary.new} new, {summary.updated} updated, "
                   f"{summary.skipped} skipped, {summary.failed} failed")

    def article_done(self, summary, status):
        self._seen += 1
        if status in ("new", "updated"):
            self._done += 1
        now = time.monotonic()
        if now - self._last >= self.every:
            self._last = now
            line = f"{self._done} articles scored ({self._done / max(now - self._t0, 1e-9):.1f}/s)"
            if self._total:
                left = time_left(self._seen, self._total, now - self._t0)
                line += f", {self._seen} of {self._total} done" + (f", about {left} left" if left else "")
            self._line(line)

    def articles_known(self, total):
        self._total = total
        self._line(f"all sources read: {total} article{'s' if total != 1 else ''} in this run")

    def problem(self, problem: Problem):
        if problem.level == "error" or self.warnings:
            self._line(f"{problem.level}: {problem}")

    def run_finished(self, summary: RunSummary):
        self._line(f"finished in {summary.elapsed:.1f} s: {summary.total('scored')} scored "
                   f"({summary.rate:.1f} articles/s), {summary.total('skipped')} skipped, "
                   f"{summary.total('failed')} failed" + (" (interrupted)" if summary.interrupted else ""))


class RichListener(Listener):
    """A live progress bar: sources done of all, articles scored, articles per second."""

    def __init__(self, console=None):
        from rich.console import Console
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn,
                                   TimeRemainingColumn)

        self.console = console or Console(stderr=True)
        self.progress = Progress(
            SpinnerColumn(), TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
            TextColumn("{task.fields[detail]}"), TimeElapsedColumn(), TextColumn("left"), TimeRemainingColumn(),
            console=self.console, transient=False,
        )
        self._t0 = time.monotonic()
        self._scored = 0

    def run_started(self, n_sources, engine, workers):
        self._t0 = time.monotonic()
        self.progress.start()
        self.sources = self.progress.add_task("sources", total=n_sources, detail="")
        self.articles = self.progress.add_task("articles", total=None, detail=f"{engine} × {workers}")

    def source_started(self, summary, index, total):
        self.progress.update(self.sources, detail=summary.arg if len(summary.arg) < 60 else "…" + summary.arg[-59:])

    def source_finished(self, summary):
        self.progress.advance(self.sources)

    def article_done(self, summary, status):
        if status in ("new", "updated"):
            self._scored += 1
        rate = self._scored / max(time.monotonic() - self._t0, 1e-9)
        self.progress.update(self.articles, advance=1, detail=f"{self._scored} scored · {rate:.1f}/s")

    def articles_known(self, total):
        # Articles stream in while sources are read; once all are read the bar has a total and a time left.
        done = next(t.completed for t in self.progress.tasks if t.id == self.articles)
        self.progress.update(self.articles, total=max(total, done))

    def problem(self, problem):
        if problem.level == "error":
            self.progress.console.print(f"[red]error[/]: {problem}", highlight=False, markup=True, soft_wrap=True)

    def run_finished(self, summary):
        self.progress.stop()


def time_left(done: int, total: int, elapsed: float) -> str | None:
    """``m:ss`` left at the pace so far, or None before anything is done."""
    if done <= 0 or total <= done:
        return None if done <= 0 else "0:00"
    seconds = int(elapsed / done * (total - done))
    return f"{seconds // 60}:{seconds % 60:02d}"


def make_listener(interactive: bool | None = None, stream: TextIO | None = None) -> Listener:
    stream = stream or sys.stderr
    if interactive is None:
        interactive = hasattr(stream, "isatty") and stream.isatty()
    return RichListener() if interactive else LogListener(stream)


def display_name(s: SourceSummary) -> str:
    """What the table shows: URLs in full, files and folders by name (the full path is in the database)."""
    if s.kind in ("feed_url", "unsupported"):
        return s.arg
    name = os.path.basename(s.arg.rstrip("/\\")) or s.arg
    return name + "/" if s.kind == "folder" else name


def print_summary(summary: RunSummary, console=None, max_problems: int = 40) -> None:
    """The per-source table (new / updated / skipped / failed, verdict counts), then the problems."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = console or Console(highlight=False)
    plain = not console.is_terminal
    if plain and console.width < 160:
        console.width = 160  # a log file has no edge: do not squeeze the table
    table = Table(title=f"run {summary.run_id} · model {summary.model.name} {summary.model.sha256[:12]} · "
                        f"{summary.engine} × {summary.workers} · {summary.elapsed:.1f} s · "
                        f"{summary.rate:.1f} articles/s",
                  box=box.ASCII if plain else box.SIMPLE_HEAVY, show_footer=True)
    table.add_column("source", footer="total", overflow="fold", min_width=24)
    table.add_column("status")
    for col in ("new", "updated", "skipped", "failed"):
        table.add_column(col, justify="right", footer=str(summary.total(col)))
    verdicts = summary.verdicts
    for v in VERDICTS:
        table.add_column(v, justify="right", footer=str(verdicts.get(v, 0)))
    for s in summary.sources:
        status = {"ok": "ok", "not_modified": "304 unchanged", "failed": "failed", "interrupted": "interrupted"}.get(s.state, s.state)
        if s.state == "ok" and s.warnings:
            status = f"ok, {s.warnings} warning{'s' if s.warnings != 1 else ''}"
        table.add_row(display_name(s), status, str(s.new), str(s.updated), str(s.skipped), str(s.failed),
                      *(str(s.verdicts.get(v, 0)) for v in VERDICTS))
    console.print(table)
    problems = summary.problems
    if problems:
        errors = [p for p in problems if p.level == "error"]
        warnings = [p for p in problems if p.level != "error"]
        console.print(f"{len(errors)} error{'s' if len(errors) != 1 else ''} (not scored), "
                      f"{len(warnings)} warning{'s' if len(warnings) != 1 else ''}:")
        for p in (errors + warnings)[:max_problems]:
            console.print(f"  {p.level}: {p}", markup=False, soft_wrap=True)
        if len(problems) > max_problems:
            console.print(f"  ... and {len(problems) - max_problems} more (all of them are in the problems table "
                          f"of the database, run {summary.run_id})")
    if summary.interrupted:
        console.print("interrupted: everything listed as new or updated is stored; run the same command to go on.")
