"""Annotate an article: segment it, classify every unit, roll the labels up into a verdict.

This is the Python API the CLI wraps::

    from classifier.annotate import Annotator
    annotator = Annotator.load()                 # shipped model, blank-English splitter
    result = annotator.annotate_text(text, path="story.md")
    result.verdict, result.shares, result.sentences[0].label

An :class:`Annotator` loads the model and the spaCy pipeline once; reuse it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields

from .labels import summarize
from .read import DEFAULT_MAX_BYTES, InputError, read_source
from .segment import load_pipeline, segment

# NumPy and the model are imported when an Annotator is made, not with this module: the result
# objects below are also what the thin client of ``hypefact serve`` renders (classifier.client).


@dataclass(slots=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str
    label: str
    confidence: float
    scores: dict[str, float]

    def to_dict(self) -> dict:
        """The sentence as JSON-ready data (what ``dataclasses.asdict`` gives, without its deep copy)."""
        return {"index": self.index, "start": self.start, "end": self.end, "text": self.text, "label": self.label,
                "confidence": self.confidence, "scores": dict(self.scores)}


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
             "sentences": [s.to_dict() for s in self.sentences]}
        if self.notes:
            d["notes"] = self.notes
        if with_text:
            d["text"] = self.text
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "DocumentResult":
        """The inverse of :meth:`to_dict` (what a server's answer is turned back into)."""
        known = {f.name for f in fields(cls)}
        doc = cls(**{k: v for k, v in d.items() if k in known and k != "sentences"}, sentences=[])
        doc.sentences = [Sentence(**s) for s in d.get("sentences", ())]
        return doc


class Annotator:
    """A loaded model plus a segmentation pipeline, ready to annotate many texts."""

    def __init__(self, model, nlp=None, model_info: dict | None = None):
        self.model = model
        self.nlp = nlp
        self.model_info = model_info or {}
        self.classes = [str(c) for c in model.classes_]

    @classmethod
    def load(cls, model_path=None, spacy_model: str | None = None) -> "Annotator":
        from .model.files import load_predictor

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
        import numpy as np

        paths = paths or [f"<text {i}>" for i in range(len(texts))]
        segmented = [segment(text, self.nlp) for text in texts]
        X = [(f"#{i}", u.text) for i, units in enumerate(segmented) for u in units]  # (doc, text) pairs
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
        """Read (txt/md/html or ``-``) and annotate; raises :class:`~classifier.read.InputError`."""
        src = read_source(path, max_bytes or DEFAULT_MAX_BYTES, encoding)
        return self.annotate_text(src.text, src.path, src.notes)


def annotate_text(text: str, model_path=None, path: str = "<text>") -> DocumentResult:
    """One-off convenience: load the default model and annotate ``text``."""
    return Annotator.load(model_path).annotate_text(text, path)


def annotate_file(path: str, model_path=None) -> DocumentResult:
    return Annotator.load(model_path).annotate_file(path)


@dataclass
class Failure:
    """An input that could not be annotated, and why (the message names it)."""

    path: str
    message: str


def annotate_paths(annotator: "Annotator", paths: list[str], max_bytes: int | None = None,
                   encoding: str | None = None) -> tuple[list[DocumentResult], list[Failure]]:
    """Annotate many inputs; a bad one (binary, empty, too big, missing) is reported and skipped.

    This is what ``hypefact annotate`` runs: one bad file never stops the others.
    """
    results, failures = [], []
    for path in paths:
        try:
            results.append(annotator.annotate_file(path, max_bytes, encoding))
        except InputError as exc:
            failures.append(Failure(path, str(exc)))
    return results, failures
