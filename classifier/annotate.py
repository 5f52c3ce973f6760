"""Annotate an article: segment it, classify every unit, roll the labels up into a verdict.

This is the Python API the CLI wraps::

    from classifier.annotate import Annotator
    annotator = Annotator.load()                 # shipped model, blank-English splitter
    result = annotator.annotate_text(text, path="story.md")
    result.verdict, result.shares, result.sentences[0].label

An :class:`Annotator` loads the model and the spaCy pipeline once; reuse it.
"""

from __future__ import annotations

from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

from .labels import summarize
from .read import DEFAULT_MAX_BYTES, InputError, read_source
from .segment import iter_units, load_pipeline

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


class SentenceList(Sequence):
    """The sentences of one document, made on access from arrays: a list of :class:`Sentence`
    in every way that reads (``len``, indexing, slicing, iteration, ``==``).

    Why: a ``Sentence`` object with its own scores dict costs about 500 bytes; a document of a
    million units would hold half a gigabyte of them. The arrays cost about 50 bytes a unit.
    """

    __slots__ = ("_text", "_spans", "_best", "_proba", "_classes")

    def __init__(self, text: str, spans, best, proba, classes: list[str]):
        self._text = text  # the classified text: each sentence's text is a slice of it
        self._spans = spans  # (n, 2) start and end offsets
        self._best = best  # (n,) index of the label in classes
        self._proba = proba  # (n, k) scores, rounded as shown
        self._classes = classes

    def __len__(self) -> int:
        return len(self._spans)

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("sentence index out of range")
        start, end = self._spans[i].tolist()
        scores = self._proba[i].tolist()
        return Sentence(i, start, end, self._text[start:end], self._classes[self._best[i]], max(scores),
                        dict(zip(self._classes, scores)))

    def __iter__(self):
        text, classes = self._text, self._classes
        for a in range(0, len(self), 4096):  # arrays to Python values a block at a time, not per row
            rows = zip(self._spans[a:a + 4096].tolist(), self._best[a:a + 4096].tolist(),
                       self._proba[a:a + 4096].tolist())
            for i, ((start, end), best, scores) in enumerate(rows, a):
                yield Sentence(i, start, end, text[start:end], classes[best], max(scores), dict(zip(classes, scores)))

    def __eq__(self, other) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    def __repr__(self) -> str:
        return f"SentenceList({len(self)} sentences)"


@dataclass
class DocumentResult:
    """One annotated document: the object behind every output format."""

    path: str
    verdict: str
    counts: dict[str, int]
    shares: dict[str, float]
    sentences: Sequence[Sentence]  # a list, or a SentenceList (the same, from arrays)
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
        # One Unit at a time: only its text and offsets are kept (a huge document holds no Unit objects).
        unit_texts, bounds, sizes = [], array("q"), []
        for text in texts:
            before = len(unit_texts)
            for unit in iter_units(text, self.nlp):
                unit_texts.append(unit.text)
                bounds.extend((unit.start, unit.end))
            sizes.append(len(unit_texts) - before)
        spans = np.frombuffer(bounds, dtype=np.int64).reshape(-1, 2) if bounds else np.zeros((0, 2), dtype=np.int64)

        def units():  # (doc, text) pairs, made as the model reads them
            row = 0
            for i, n in enumerate(sizes):
                doc = f"#{i}"
                for k in range(row, row + n):
                    yield doc, unit_texts[k]
                row += n

        proba = self.model.predict_proba(units()) if unit_texts else np.zeros((0, len(self.classes)))
        del unit_texts
        best = np.argmax(proba, axis=1)
        rounded = np.round(proba, 4)
        results, row = [], 0
        for i, (text, n) in enumerate(zip(texts, sizes)):
            rows = slice(row, row + n)
            row += n
            sentences = SentenceList(text, spans[rows], best[rows], rounded[rows], self.classes)
            counts, shares, verdict = summarize([self.classes[j] for j in best[rows].tolist()])
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
