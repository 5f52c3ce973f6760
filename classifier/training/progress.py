"""Where a training run is: stages, folds, time elapsed and an estimate of the time left.

:meth:`classifier.model.estimator.UnitClassifier.fit` reports ``(stage, done, total)``
events; :class:`TrainingProgress` turns them into one line each for ``hypefact train``.
The estimate comes from the folds: each fold fits stage 1 on (n-1)/n of the units, so
once a fold has finished, the remaining folds and the final fit on all units (about
n/(n-1) of a fold's work, on one core where the folds shared ``n_jobs``) can be
timed. Before the first fold finishes the time left is not known, and not shown.
"""

from __future__ import annotations

import time
from typing import Callable


def clock(seconds: float) -> str:
    """``m:ss`` (or ``h:mm:ss``)."""
    seconds = max(0, int(round(seconds)))
    h, rest = divmod(seconds, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


class TrainingProgress:
    """A callback for :meth:`UnitClassifier.fit` that says each step as a line through ``say``."""

    STAGES = 3  # stage 1 cross-validated, stage 2 (context), stage 1 on everything

    def __init__(self, say: Callable[[str], None], n_jobs: int | None = None,
                 now: Callable[[], float] = time.monotonic):
        self.say = say
        self.jobs = max(1, n_jobs or 1)
        self.now = now
        self.started = now()
        self.fold_started: float | None = None
        self.fold_seconds: float | None = None  # wall-clock seconds per fold, from the folds so far
        self.folds = 0

    def elapsed(self) -> str:
        return clock(self.now() - self.started)

    def final_fit_estimate(self) -> float | None:
        """Seconds the refit on all units should take, from the folds' pace (None before any fold)."""
        if self.fold_seconds is None or self.folds < 2:
            return None
        cpu_per_fold = self.fold_seconds * min(self.jobs, self.folds)
        return cpu_per_fold * self.folds / (self.folds - 1)

    def __call__(self, stage: str, done: int, total: int) -> None:
        t = self.now()
        if stage == "folds":
            self.folds = total
            if done == 0:
                self.fold_started = t
                self.say(f"stage 1 of {self.STAGES}: sentence model, {total}-fold cross-validation grouped by "
                         f"document ({self.jobs} job{'s' if self.jobs != 1 else ''}) · {self.elapsed()} elapsed")
                return
            self.fold_seconds = (t - self.fold_started) / done
            left = self.fold_seconds * (total - done) + (self.final_fit_estimate() or 0.0)
            self.say(f"  fold {done}/{total} done · {self.elapsed()} elapsed · about {clock(left)} left")
        elif stage == "context" and done == total:
            self.say(f"stage 2 of {self.STAGES}: context model fitted · {self.elapsed()} elapsed")
        elif stage == "final" and done == 0:
            estimate = self.final_fit_estimate()
            left = f"about {clock(estimate)} left" if estimate is not None else "time left not known yet"
            self.say(f"stage 3 of {self.STAGES}: sentence model on all units · {self.elapsed()} elapsed · {left}")
        elif stage == "final" and done == total:
            self.say(f"  model fitted · {self.elapsed()} elapsed")

    def step(self, message: str) -> None:
        """A step outside the estimator (metrics, comparison, saving), with the time so far."""
        self.say(f"{message} · {self.elapsed()} elapsed")
