"""Annotate an article: segment it, classify every unit, roll the labels up into a verdict.

This is the Python API the CLI wraps::

    from classifier.annotate import Annotator
    annotator = Annotator.load()                 # shipped model, blank-English splitter
    result = annotator.annotate_text(text, path="story.md")
    result.verdict, result.shares, result.sentences[0].label

An :class:`Annotator` loads the model and the spaCy pipeline once; reuse it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

from . import LABELS

#: Verdict thresholds on the share of ``speculation`` among non-boilerplate units.
#: At or below REPORTING_MAX the piece is reporting; at or above ANALYSIS_MIN it is
#: analysis; in between it is mixed. Chosen on the project's own data by
#: benchmarks/verdict_thresholds.py (out-of-fold predictions, clear-cut documents).
REPORTING_MAX = 0.35
ANALYSIS_MIN = 0.40


@dataclass
class Sentence:
    index: int
    start: int
    end: int
    text: str
    label: str
    confidence: float
    scores: dict[str, float]


@dataclass
class DocumentResult:
    """One annotated document: the object behind every output format."""

    path: str
    verdict: str
    counts: dict[str, int]
    shares: dict[str, float]
    sentences: list[Sentence]
    text: str = field(default="", repr=False)  # the text that was classified (offsets point into it)
    notes: list[str] = field(default_factory=list)

    def to_dict(self, with_text: bool = False) -> dict:
        d = {"path": self.path, "verdict": self.verdict, "counts": self.counts, "shares": self.shares,
             "sentences": [asdict(s) for s in self.sentences]}
        if self.notes:
            d["notes"] = self.notes
        if with_text:
            d["text"] = self.text
        return d


def verdict_of(shares: dict[str, float], n_claims: int) -> str:
    """reporting / analysis / mixed from the share of speculation among claim-making units."""
    if n_claims == 0:
        return "mixed"
    spec = shares.get("speculation", 0.0)
    if spec <= REPORTING_MAX:
        return "reporting"
    if spec >= ANALYSIS_MIN:
        return "analysis"
    return "mixed"


def summarize(labels: list[str]) -> tuple[dict[str, int], dict[str, float], str]:
    """Counts per label, shares among non-boilerplate units, and the verdict."""
    counts = {lab: 0 for lab in LABELS}
    for lab in labels:
        counts[lab] += 1
    claims = sum(n for lab, n in counts.items() if lab != "boilerplate")
    shares = {lab: round(counts[lab] / claims, 4) if claims else 0.0 for lab in LABELS if lab != "boilerplate"}
    return counts, shares, verdict_of(shares, claims)


class Annotator:
    """A loaded model plus a segmentation pipeline, ready to annotate many texts."""

    def __init__(self, model, nlp=None, model_info: dict | None = None):
        self.model = model
        self.nlp = nlp
        self.model_info = model_info or {}
        self.classes = [str(c) for c in model.classes_]

    @classmethod
    def load(cls, model_path=None, spacy_model: str | None = None) -> "Annotator":
        from .model import load_predictor
        from .segment import load_pipeline

        model, info = load_predictor(model_path)
        return cls(model, load_pipeline(spacy_model), info)

    def annotate_text(self, text: str, path: str = "<text>", notes: list[str] | None = None) -> DocumentResult:
        return self.annotate_many([text], [path], [notes or []])[0]

    def annotate_many(self, texts: list[str], paths: list[str] | None = None,
                      notes: list[list[str]] | None = None) -> list[DocumentResult]:
        """Annotate several texts with one classifier call (what batch scoring uses).

        Each text's units go in under their own document id, so the context
        features never cross from one text into another: the results are the same
        as annotating the texts one by one, only faster.
        """
        from .segment import segment

        paths = paths or [f"<text {i}>" for i in range(len(texts))]
        segmented = [segment(text, self.nlp) for text in texts]
        X = [{"text": u.text, "doc": f"#{i}"} for i, units in enumerate(segmented) for u in units]
        proba = self.model.predict_proba(X) if X else np.zeros((0, len(self.classes)))
        best = np.argmax(proba, axis=1).tolist() if len(X) else []
        rounded = np.round(proba, 4).tolist()
        results, row = [], 0
        for i, (text, units) in enumerate(zip(texts, segmented)):
            rows = rounded[row:row + len(units)]
            labels = [self.classes[j] for j in best[row:row + len(units)]]
            row += len(units)
            sentences = [Sentence(k, u.start, u.end, u.text, lab, max(p), dict(zip(self.classes, p)))
                         for k, (u, lab, p) in enumerate(zip(units, labels, rows))]
            counts, shares, verdict = summarize(labels)
            results.append(DocumentResult(paths[i], verdict, counts, shares, sentences, text,
                                          list(notes[i]) if notes else []))
        return results

    def annotate_file(self, path: str, max_bytes: int | None = None, encoding: str | None = None) -> DocumentResult:
        """Read (txt/md/html or ``-``) and annotate; raises :class:`~classifier.textio.InputError`."""
        from .textio import DEFAULT_MAX_BYTES, read_source

        src = read_source(path, max_bytes or DEFAULT_MAX_BYTES, encoding)
        return self.annotate_text(src.text, src.path, src.notes)


def annotate_text(text: str, model_path=None, path: str = "<text>") -> DocumentResult:
    """One-off convenience: load the default model and annotate ``text``."""
    return Annotator.load(model_path).annotate_text(text, path)


def annotate_file(path: str, model_path=None) -> DocumentResult:
    return Annotator.load(model_path).annotate_file(path)
