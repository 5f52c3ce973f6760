"""Train a model from label files, measure it, describe it, compare it with another.

What ``hypefact train`` runs:

1. read the label files and refuse blocking problems (see :mod:`classifier.training.check`);
2. out-of-fold probabilities of the two-stage model, grouped by document
   (:func:`out_of_fold_proba`), which give the cross-validated metrics;
3. fit on everything and save the model, its sidecar and a Markdown model card;
4. optionally compare it with another model on held-out labels (:func:`compare_models`);
5. promote it to the default model if asked (:func:`retrain` strings these together).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path


from ..about import HypefactError
from ..labels import LABELS
from ..model.card import model_card
from ..model.catalog import default_model, new_model_path, promote
from ..model.estimator import UnitClassifier
from ..model.files import ModelError, card_path, default_data, load_model, save_model
from .._io import atomic_write_text
from .check import blocking_findings
from .corpus import LabeledUnit, data_hash, in_document_order, read_labels, scan_labels
from .crossval import cross_validated_metrics
from .evaluate import evaluate_units
from .progress import TrainingProgress
from .region import simulate_regions


class LabelProblems(HypefactError, ValueError):
    """The label files have blocking problems; ``findings`` lists them (file:line)."""

    def __init__(self, findings: list):
        self.findings = findings
        shown = "\n".join(f"  {f.where}: {f.message}" for f in findings[:10])
        more = f"\n  ... and {len(findings) - 10} more" if len(findings) > 10 else ""
        super().__init__(f"{len(findings)} blocking problem(s) in the label files (run `hypefact check`):\n"
                         f"{shown}{more}")


def load_training_units(data_paths) -> list[LabeledUnit]:
    """The units to train on, in document order; raises :class:`LabelProblems` if any are blocking."""
    units, errors = scan_labels(data_paths)
    problems = blocking_findings(units, errors)
    if problems:
        raise LabelProblems(problems)
    # Units written by `hypefact label` come in the order they were answered; the
    # context features need each document's units together and in reading order.
    # Page documents get a simulated article region (the labeled data has no HTML to extract from).
    return simulate_regions(in_document_order(units))


def fit_model(units: list[LabeledUnit], n_jobs: int | None = None, progress=None, **params):
    """The fitted :class:`UnitClassifier` for these units (``progress``: see :class:`TrainingProgress`)."""
    return UnitClassifier(n_jobs=n_jobs, **params).fit([u.as_input() for u in units], [u.label for u in units],
                                                       progress=progress)


def train(data_paths, cv_folds: int = 5, n_jobs: int | None = None, progress: TrainingProgress | None = None,
          **params) -> tuple[object, dict]:
    """Check, measure and fit; returns the estimator and the metadata for its sidecar (nothing written)."""
    started = time.perf_counter()
    units = load_training_units(data_paths)
    if len(units) < 20 or len({u.label for u in units}) < 2:
        raise ValueError(f"need at least 20 labeled units with 2+ labels to train, got {len(units)}")
    counts = {lab: sum(u.label == lab for u in units) for lab in LABELS}
    if progress:
        progress.step(f"read {len(units)} units from {len({u.doc for u in units})} documents")
    model = fit_model(units, n_jobs, progress, **params)
    # The fit's own out-of-fold stage-1 probabilities serve the metrics when the folds are the
    # same: no second cross-validation of stage 1.
    stage1 = getattr(model, "oof_proba_", None) if cv_folds == model.cv else None
    if progress and cv_folds > 1:
        progress.step("cross-validated metrics" + ("" if stage1 is not None else
                                                   f" ({cv_folds} more folds of stage 1: time left not known)"))
    metrics = (cross_validated_metrics(units, cv_folds, n_jobs, stage1, **params) if cv_folds > 1 else {})
    meta = {
        "training_data": {"paths": [str(Path(p)) for p in data_paths], "units": len(units),
                          "documents": len({u.doc for u in units}), "label_counts": counts,
                          "sha256": data_hash(units)},
        "params": model.get_params(),
        "cv_metrics": metrics,
        "train_seconds": round(time.perf_counter() - started, 1),
    }
    return model, meta


def save_trained(model, meta: dict, output) -> dict:
    """Write model, sidecar and model card; returns the sidecar's content."""
    side = save_model(model, output, meta)
    atomic_write_text(card_path(output), model_card(side))
    return side


def train_model(data_paths, output, cv_folds: int = 5, n_jobs: int | None = None, **params) -> dict:
    """Read labels, cross-validate, fit on everything, save atomically; returns the sidecar."""
    model, meta = train(data_paths, cv_folds, n_jobs, **params)
    return save_trained(model, meta, output)


def compare_models(old, new, units: list[LabeledUnit]) -> dict:
    """Both models scored on the same labeled units, and the units whose predicted label changed."""
    a, b = evaluate_units(old, units), evaluate_units(new, units)  # same document order in both
    changed = [{"source": u.source, "doc": u.doc, "text": u.text, "gold": u.label, "old": po, "new": pn}
               for u, po, pn in zip(a.units, a.predicted, b.predicted) if po != pn]
    return {"old": a.report(), "new": b.report(), "changed": changed,
            "fixed": sum(c["new"] == c["gold"] for c in changed),
            "broken": sum(c["old"] == c["gold"] for c in changed)}


@dataclass
class RetrainResult:
    """What :func:`retrain` did: the new model's sidecar, where it went, the comparison, promotion."""

    path: Path
    meta: dict
    reference: str | None = None  # name of the model compared with
    reference_meta: dict | None = None  # its sidecar (cross-validated metrics on its own data)
    comparison: dict | None = None  # compare_models() on held-out units, when given
    promoted: bool = False
    notes: list[str] = field(default_factory=list)


def retrain(data_paths=None, output=None, *, promote_it: bool = False, compare_with=None, compare: bool = True,
            eval_paths=None, cv_folds: int = 5, n_jobs: int | None = None, progress=None, **params) -> RetrainResult:
    """The whole loop of ``hypefact train``: train, compare with the default (or another) model,
    save beside the default model, and promote the new model if asked.

    The reference model is loaded (and hash-checked) before training, so a bad one fails in a
    second rather than after minutes. Without ``promote_it`` the default model is left as it is.
    """
    say = progress or (lambda message: None)
    paths = list(data_paths or [default_data()])
    default = default_model()
    # Always a model of its own first; promotion then switches the default over atomically.
    target = Path(output) if output else new_model_path()
    eval_units = read_labels(eval_paths) if eval_paths else []
    if eval_paths and not eval_units:
        raise HypefactError("no labeled units in the held-out labels (--eval)")
    old = old_meta = None
    notes = []
    if compare:
        reference = Path(compare_with) if compare_with else default
        if compare_with is not None or reference.exists():
            try:
                old, old_meta = load_model(reference)
            except ModelError as exc:
                raise ModelError(f"{exc} (pass --compare-with another model, or --no-compare)") from None
        else:
            notes.append(f"no default model at {reference} to compare with")
    say(f"training on {', '.join(map(str, paths))} "
        f"({'metrics by ' + str(cv_folds) + '-fold cross-validation, ' if cv_folds > 1 else ''}{n_jobs or 1} jobs) ...")
    reporter = TrainingProgress(say, n_jobs) if progress else None
    model, meta = train(paths, cv_folds=cv_folds, n_jobs=n_jobs, progress=reporter, **params)
    comparison = None
    if old is not None and eval_units:
        if reporter:
            reporter.step(f"comparing with {(old_meta or {}).get('name', 'the reference model')} on "
                          f"{len(eval_units)} held-out units")
        comparison = compare_models(old, model, eval_units)
    if reporter:
        reporter.step(f"saving {target}")
    side = save_trained(model, meta, target)
    promoted = False
    if promote_it:
        if target.resolve() != default.resolve():
            promote(target, default)
        promoted = True
    return RetrainResult(target, side, (old_meta or {}).get("name", "old") if old is not None else None,
                         old_meta, comparison, promoted, notes)
