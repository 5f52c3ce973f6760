"""Find problems in label files before they reach a model (what ``hypefact check`` runs).

Two passes:

* **file checks** (instant): lines that are not JSON objects, empty text, unknown
  labels, exact and near duplicates, and the same text with different labels;
* **likely label errors** (one cross-validation): the confident-learning rule of
  Northcutt et al. (cleanlab's ``find_label_issues(..., filter_by="confident_learning")``)
  applied to out-of-fold probabilities of the full model.

Blocking problems are the ones a model must not be trained on: unreadable lines,
unknown labels, empty text and conflicting labels. Duplicates and likely label
errors are warnings for a person to look at.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import asdict, dataclass, field

import numpy as np

from .corpus import LabeledUnit, LabelFileError, in_document_order, label_files, scan_labels
from .crossval import out_of_fold_proba

BLOCKING = {"json", "empty_text", "unknown_label", "file", "conflict"}


@dataclass
class Finding:
    where: str  # "file:line" (or "file")
    kind: str  # json | empty_text | unknown_label | file | conflict | duplicate | near_duplicate | likely_mislabeled
    message: str
    related: list[str] = field(default_factory=list)  # other "file:line"s involved
    suggested: str | None = None  # for likely_mislabeled: the label the model believes

    @property
    def blocking(self) -> bool:
        return self.kind in BLOCKING

    def to_dict(self) -> dict:
        return {**asdict(self), "blocking": self.blocking}


def _line_of(where: str) -> tuple[str, int]:
    path, _, line = where.rpartition(":")
    return (path, int(line)) if line.isdigit() else (where, 0)


def file_findings(errors: list[LabelFileError]) -> list[Finding]:
    out = []
    for exc in errors:
        where, _, message = str(exc).partition(": ")
        out.append(Finding(where, exc.kind, message))
    return out


def _same_text(text: str) -> str:
    return " ".join(text.split())


def duplicate_findings(units: list[LabeledUnit]) -> list[Finding]:
    """Exact duplicates (whitespace aside), and the same text with different labels.

    Different labels in one document are a blocking ``conflict``. Across documents
    they are a warning (``conflict_across_docs``): LABELING.md labels some units by
    where they stand (this article's headline vs. the same headline in another
    page's related links), and the model reads the neighbours.
    """
    groups: dict[str, list[LabeledUnit]] = defaultdict(list)
    for u in units:
        groups[_same_text(u.text)].append(u)
    out = []
    for group in groups.values():
        for k, u in enumerate(group[1:], 1):
            same_doc = [v for v in group[:k] if v.doc == u.doc]
            other = next((v for v in same_doc if v.label != u.label), None)
            if other is None:
                other = next((v for v in group[:k] if v.label != u.label), None)
            if other is not None:
                kind = "conflict" if other.doc == u.doc else "conflict_across_docs"
                where = "in the same document" if other.doc == u.doc else "in another document"
                out.append(Finding(u.source, kind, f"same text as {other.source} ({where}) but labeled {u.label}, "
                                   f"not {other.label}: {_clip(u.text)}", [other.source]))
            else:
                out.append(Finding(u.source, "duplicate", f"duplicate of {group[0].source} ({u.label}): "
                                   f"{_clip(u.text)}", [group[0].source]))
    return out


def near_duplicate_findings(units: list[LabeledUnit], threshold: float = 0.9) -> list[Finding]:
    """Units whose text differs from an earlier one only in case, punctuation or a few characters.

    Cosine similarity of character-trigram TF-IDF vectors. Texts are sorted by
    length and each block is compared only with texts at most 1/0.6 times as long
    (near-duplicates have similar lengths), which keeps it to seconds for 10,000
    units. Exact duplicates are left to :func:`duplicate_findings`.
    """
    from sklearn.feature_extraction.text import TfidfVectorizer

    first_of: dict[str, LabeledUnit] = {}
    for u in units:
        first_of.setdefault(_same_text(u.text), u)
    reps = list(first_of.values())
    if len(reps) < 2:
        return []
    loose = [_loose(u.text) for u in reps]
    order = np.argsort([len(t) for t in loose], kind="stable")
    lengths = np.array([len(loose[i]) for i in order])
    M = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 3), dtype=np.float32).fit_transform(
        [loose[i] for i in order]).tocsr()
    best: dict[int, tuple[float, int, int]] = {}  # later unit -> (similarity, earlier unit, matches)
    block = 512
    for a in range(0, len(order), block):
        b = min(a + block, len(order))
        hi = int(np.searchsorted(lengths, lengths[b - 1] / 0.6, side="right"))
        S = (M[a:b] @ M[a:hi].T).toarray()
        for r, c in zip(*np.nonzero(S >= threshold)):
            if c <= r:
                continue
            i, j = sorted((int(order[a + r]), int(order[a + c])))  # j: the later one in file order
            sim, prev, n = best.get(j, (0.0, -1, 0))
            best[j] = (float(S[r, c]), i, n + 1) if S[r, c] > sim else (sim, prev, n + 1)
    out = []
    for j, (sim, i, n) in sorted(best.items()):
        u, v = reps[i], reps[j]
        differs = f", labeled {u.label} there but {v.label} here" if u.label != v.label else ""
        more = f" and {n - 1} more" if n > 1 else ""
        out.append(Finding(v.source, "near_duplicate",
                           f"near-duplicate of {u.source}{more} (similarity {sim:.2f}{differs}): {_clip(v.text)}",
                           [u.source]))
    return out


def _loose(text: str) -> str:
    return re.sub(r"[^\w]+", " ", text.casefold()).strip() or text


def _clip(text: str, n: int = 90) -> str:
    text = _same_text(text)
    return text if len(text) <= n else text[: n - 3] + "..."


def blocking_findings(units: list[LabeledUnit], errors: list[LabelFileError]) -> list[Finding]:
    """What ``train`` refuses: unreadable lines, unknown labels, empty text, conflicting labels."""
    return [f for f in file_findings(errors) + duplicate_findings(units) if f.blocking]


def confident_learning_issues(labels: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Indices of likely label errors, most likely first (the confident-learning rule).

    ``labels`` are class indices, ``P`` out-of-fold probabilities. Class ``j``'s
    threshold is the mean probability of ``j`` over the units labeled ``j``; a unit
    is *confidently* of class ``j`` when ``P[i, j]`` reaches that threshold (the
    likeliest such ``j`` if several do). A unit whose confident class differs from
    its label is an off-diagonal entry of the confident joint: a likely error.
    Ranked by self-confidence ``P[i, label]``, lowest first, as cleanlab does.
    """
    n, k = P.shape
    thresholds = np.array([P[labels == j, j].mean() if np.any(labels == j) else 1.0 for j in range(k)])
    above = P >= thresholds - 1e-6
    confident = np.where(above, P, -1.0).argmax(axis=1)
    flagged = np.flatnonzero(above.any(axis=1) & (confident != labels))
    self_conf = P[np.arange(n), labels]
    return flagged[np.argsort(self_conf[flagged], kind="stable")]


def label_issue_findings(units: list[LabeledUnit], classes: list[str], P: np.ndarray) -> list[Finding]:
    index = {c: i for i, c in enumerate(classes)}
    labels = np.array([index[u.label] for u in units])
    out = []
    for i in confident_learning_issues(labels, P):
        u = units[i]
        best = int(np.argmax(P[i]))
        out.append(Finding(u.source, "likely_mislabeled",
                           f"labeled {u.label} ({P[i, labels[i]]:.2f}) but the model says {classes[best]} "
                           f"({P[i, best]:.2f}): {_clip(u.text)}", suggested=classes[best]))
    return out


@dataclass
class CheckReport:
    files: int
    units: int
    findings: list[Finding]
    model_pass: str  # what the label-error pass did, for the summary

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]

    def counts(self) -> dict[str, int]:
        c: dict[str, int] = defaultdict(int)
        for f in self.findings:
            c[f.kind] += 1
        return dict(c)

    def to_dict(self) -> dict:
        return {"files": self.files, "units": self.units, "blocking": len(self.blocking),
                "counts": self.counts(), "model_pass": self.model_pass,
                "findings": [f.to_dict() for f in self.findings]}


def check_labels(paths, model_pass: bool = True, folds: int = 5, n_jobs: int | None = None,
                 near_threshold: float = 0.9, progress=None, **params) -> CheckReport:
    """Run every check on the label files/folders; ``progress`` gets one-line messages."""
    files = label_files(paths)
    units, errors = scan_labels(files)
    findings = file_findings(errors) + duplicate_findings(units) + near_duplicate_findings(units, near_threshold)
    findings.sort(key=lambda f: _line_of(f.where))
    note = "skipped (--no-model)"
    if model_pass:
        ordered = in_document_order(units)
        n_docs = len({u.doc for u in ordered})
        n_labels = len({u.label for u in ordered})
        if n_docs < 2 or n_labels < 2 or len(ordered) < 20:
            note = (f"skipped: needs 20+ units from 2+ documents with 2+ labels (have {len(ordered)} units, "
                    f"{n_docs} documents, {n_labels} labels)")
        else:
            k = min(folds, n_docs)
            if progress:
                progress(f"out-of-fold probabilities: {k} folds over {n_docs} documents, {len(ordered)} units ...")
            classes, P = out_of_fold_proba(ordered, k, n_jobs, **params)
            issues = label_issue_findings(ordered, classes, P)  # most likely first
            findings += issues
            note = f"{len(issues)} likely label errors among {len(ordered)} units ({k}-fold, grouped by document)"
    return CheckReport(len(files), len(units), findings, note)
