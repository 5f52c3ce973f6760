"""Annotate an article: segment it, classify every unit, roll the labels up into a verdict.

This is the Python API the CLI wraps::

    from classifier.annotate import Annotator
    annotator = Annotator.load()                 # shipped model, blank-English splitter
    result = annotator.annotate_text(text, path="story.md")
    result.verdict, result.shares, result.sentences[0].label

An :class:`Annotator` loads the model and the spaCy pipeline once; reuse it.
"""

from __future__ import annotations

import bisect
import time
from array import array
from collections.abc import Sequence
from dataclasses import dataclass, field, fields

from .about import __version__
from .labels import CLAIM_LABELS, DEFAULT_MIN_CLAIMS, summarize
from .read import DEFAULT_MAX_BYTES, InputError, SourceText, read_source
from .segment import iter_units, load_pipeline

# NumPy, the model and the source ledger are imported when an Annotator is made or used, not with
# this module: the result objects below are also what the thin client of ``hypefact serve`` renders
# (classifier.client), which must start without them.

#: More units than this in one text is not an article (a word list, a log): it is refused as soon
#: as the limit is crossed, before anything is classified. A unit costs about 700 bytes at the peak
#: (measured: a million one-word lines, 675 MB; its text and offsets, then compact arrays, see
#: SentenceList), so the limit bounds memory near 700 MB whatever the input; real articles run to a
#: few hundred units, a 50 MB file of news to ~600,000.
MAX_UNITS = 1_000_000


class ArticleRefused(InputError):
    """A text refused while it was being split: too many units, or over its time budget.

    ``index`` is its position among the texts of one :meth:`Annotator.annotate_many` call.
    """

    def __init__(self, message: str, index: int = 0):
        super().__init__(message)
        self.index = index


class NotEnglishError(InputError):
    """A document in a language the model was not trained on (refused unless ``any_language``)."""


@dataclass(slots=True)
class Sentence:
    index: int
    start: int
    end: int
    text: str
    label: str
    confidence: float
    scores: dict[str, float]
    in_article: bool = True  # inside the page's article region (always, for plain text)
    why: list[dict] | None = None  # with explain on: what pushed it towards its label (classifier.explain)
    sources: list[dict] | None = None  # what the claim rests on (classifier.ledger); None: not asked for

    def to_dict(self) -> dict:
        """The sentence as JSON-ready data (``dataclasses.asdict`` without its deep copy); ``why`` only
        when it was asked for."""
        d = {"index": self.index, "start": self.start, "end": self.end, "text": self.text, "label": self.label,
             "confidence": self.confidence, "scores": dict(self.scores), "in_article": self.in_article}
        if self.sources is not None:
            d["sources"] = self.sources
        if self.why is not None:
            d["why"] = self.why
        return d


class SentenceList(Sequence):
    """The sentences of one document, made on access from arrays: a list of :class:`Sentence`
    in every way that reads (``len``, indexing, slicing, iteration, ``==``).

    Why: a ``Sentence`` object with its own scores dict costs about 500 bytes; a document of a
    million units would hold half a gigabyte of them. The arrays cost about 50 bytes a unit.
    The optional per-sentence extras (article-region flags, ``--explain`` reasons, sources) are
    kept as given: a list (or array) with one item per sentence, or None.
    """

    __slots__ = ("_text", "_spans", "_best", "_proba", "_classes", "_inside", "_why", "_sources")

    def __init__(self, text: str, spans, best, proba, classes: list[str], inside=None, why=None, sources=None):
        self._text = text  # the classified text: each sentence's text is a slice of it
        self._spans = spans  # (n, 2) start and end offsets
        self._best = best  # (n,) index of the label in classes
        self._proba = proba  # (n, k) scores, rounded as shown
        self._classes = classes
        self._inside, self._why, self._sources = inside, why, sources

    def __len__(self) -> int:
        return len(self._spans)

    def _make(self, i: int, start: int, end: int, best: int, scores: list[float]) -> Sentence:
        return Sentence(i, start, end, self._text[start:end], self._classes[best], max(scores),
                        dict(zip(self._classes, scores)),
                        True if self._inside is None else bool(self._inside[i]),
                        None if self._why is None else self._why[i],
                        None if self._sources is None else self._sources[i])

    def __getitem__(self, i):
        if isinstance(i, slice):
            return [self[j] for j in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError("sentence index out of range")
        start, end = self._spans[i].tolist()
        return self._make(i, start, end, int(self._best[i]), self._proba[i].tolist())

    def __iter__(self):
        for a in range(0, len(self), 4096):  # arrays to Python values a block at a time, not per row
            rows = zip(self._spans[a:a + 4096].tolist(), self._best[a:a + 4096].tolist(),
                       self._proba[a:a + 4096].tolist())
            for i, ((start, end), best, scores) in enumerate(rows, a):
                yield self._make(i, start, end, best, scores)

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
    #: Fewer claim-making units than the annotator's ``min_claims``: the verdict rests on little.
    low_evidence: bool = False
    language: str = "en"  # ISO 639-1 code of the detected language
    out_of_scope: bool = False  # not English, annotated anyway (``any_language``): the model was not made for it
    model: str = ""  # the model's id: name@short hash
    version: str = __version__  # the hypefact version that annotated it
    ledger: dict | None = None  # claims by source type, anonymous share, named sources (classifier.ledger)

    @property
    def n_claims(self) -> int:
        return sum(self.counts.get(lab, 0) for lab in CLAIM_LABELS)

    def to_dict(self, with_text: bool = False) -> dict:
        d = {"path": self.path, "verdict": self.verdict, "low_evidence": self.low_evidence, "claims": self.n_claims,
             "counts": self.counts, "shares": self.shares, "language": self.language,
             "out_of_scope": self.out_of_scope, "model": self.model, "hypefact_version": self.version,
             "sentences": [s.to_dict() for s in self.sentences]}
        if self.ledger is not None:
            d["ledger"] = self.ledger
        if self.notes:
            d["notes"] = self.notes
        if with_text:
            d["text"] = self.text
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "DocumentResult":
        """The inverse of :meth:`to_dict` (what a server's answer is turned back into)."""
        known = {f.name for f in fields(cls)}
        renamed = {"hypefact_version": "version"}
        doc = cls(**{renamed.get(k, k): v for k, v in d.items() if renamed.get(k, k) in known and k != "sentences"},
                  sentences=[])
        names = {f.name for f in fields(Sentence)}
        doc.sentences = [Sentence(**{k: v for k, v in s.items() if k in names}) for s in d.get("sentences", ())]
        return doc


class Annotator:
    """A loaded model plus a segmentation pipeline, ready to annotate many texts."""

    def __init__(self, model, nlp=None, model_info: dict | None = None, min_claims: int = DEFAULT_MIN_CLAIMS,
                 explain: bool = False):
        self.model = model
        self.nlp = nlp
        self.model_info = model_info or {}
        self.classes = [str(c) for c in model.classes_]
        self.min_claims = min_claims
        self.explain = explain  # add each sentence's reasons ("why"), see classifier/explain.py
        self._source_finder = None
        self.spacy_model: str | None = None  # a trained pipeline whose NER the source ledger may use
        #: Find what each claim rests on (classifier.ledger). It costs about as much as the rest of the
        #: classification (``benchmarks/sources.py --speed``), so bulk output can go without it.
        self.with_sources = True

    @property
    def source_finder(self):
        """The source ledger's rules, over the same spaCy pipeline (built on first use)."""
        if self._source_finder is None:
            from .ledger import SourceFinder, load_ner_pipeline

            ner = load_ner_pipeline(self.spacy_model) if self.spacy_model else None
            self._source_finder = SourceFinder(ner or self.nlp)
        return self._source_finder

    @property
    def model_id(self) -> str:
        """``name@hash12``: which model labeled a result (the SHA-256 its sidecar records)."""
        name = self.model_info.get("name") or "model"
        digest = self.model_info.get("sha256") or ""
        return f"{name}@{digest[:12]}" if digest else str(name)

    @classmethod
    def load(cls, model_path=None, spacy_model: str | None = None, min_claims: int = DEFAULT_MIN_CLAIMS,
             explain: bool = False, allow_pickle: bool = False) -> "Annotator":
        """The model's compiled form and the splitter; ``allow_pickle`` permits a model that has only
        a (hash-checked) joblib file, which runs code when loaded."""
        from .model.files import load_predictor

        model, info = load_predictor(model_path, allow_pickle)
        annotator = cls(model, load_pipeline(spacy_model), info, min_claims, explain)
        annotator.spacy_model = spacy_model
        return annotator

    def annotate_text(self, text: str, path: str = "<text>", notes: list[str] | None = None) -> DocumentResult:
        return self.annotate_many([text], [path], [notes or []])[0]

    def annotate_many(self, texts: list[str], paths: list[str] | None = None,
                      notes: list[list[str]] | None = None,
                      in_article: list[list[bool] | None] | None = None,
                      seconds_per_text: float | None = None) -> list[DocumentResult]:
        """Annotate several texts with one classifier call (what batch scoring uses).

        Each text's units go in under their own document id, so the context
        features never cross from one text into another: the results are the same
        as annotating the texts one by one, only faster. ``in_article`` gives, per
        text, one flag per line (inside the page's article region?); None for
        plain text, where every unit counts as inside. A text with more than
        :data:`MAX_UNITS` units, or still being split after ``seconds_per_text``,
        raises :class:`ArticleRefused` (naming its index), so that one text can never
        hold a batch hostage.
        """
        import numpy as np

        paths = paths or [f"<text {i}>" for i in range(len(texts))]
        regions = in_article or [None] * len(texts)
        # One unit at a time: only its text and offsets are kept (a huge document holds no Unit objects).
        unit_texts, bounds, sizes = [], array("q"), []
        for i, text in enumerate(texts):
            before = len(unit_texts)
            for unit in self._units(text, i, seconds_per_text):
                unit_texts.append(unit.text)
                bounds.extend((unit.start, unit.end))
            sizes.append(len(unit_texts) - before)
        spans = np.frombuffer(bounds, dtype=np.int64).reshape(-1, 2) if bounds else np.zeros((0, 2), dtype=np.int64)
        starts = np.cumsum([0] + sizes)
        inside = [None if regions[i] is None else _units_in_article(text, spans[starts[i]:starts[i + 1], 0].tolist(),
                                                                      regions[i])
                  for i, text in enumerate(texts)]
        whys = None
        if not unit_texts:
            proba = np.zeros((0, len(self.classes)))
        elif self.explain or any(flags is not None for flags in inside):
            X = [{"text": unit_texts[k], "doc": f"#{i}",
                  "outside": 0.0 if inside[i] is None or inside[i][k - starts[i]] else 1.0}
                 for i in range(len(texts)) for k in range(starts[i], starts[i + 1])]
            if self.explain:
                from .explain import explain_units  # the same probabilities, with their reasons

                proba, explanations = explain_units(self.model, X)
                whys = [[r.to_dict() for r in e.why()] for e in explanations]
            else:
                proba = self.model.predict_proba(X)
            del X
        else:  # plain text: (doc, text) pairs made as the model reads them, no dict per unit
            proba = self.model.predict_proba((f"#{i}", unit_texts[k]) for i in range(len(texts))
                                             for k in range(starts[i], starts[i + 1]))
        del unit_texts
        best = np.argmax(proba, axis=1)
        rounded = np.round(proba, 4)
        results = []
        for i, text in enumerate(texts):
            rows = slice(starts[i], starts[i + 1])
            labels = [self.classes[j] for j in best[rows].tolist()]
            sources = ledger = None
            if self.with_sources:
                from .ledger import ledger_for

                doc_spans = spans[rows].tolist()
                sources, ledger = ledger_for(self.source_finder, [text[a:b] for a, b in doc_spans],
                                             [a for a, _ in doc_spans], labels, text)
            sentences = SentenceList(text, spans[rows], best[rows], rounded[rows], self.classes, inside[i],
                                     None if whys is None else whys[rows], sources)
            counts, shares, verdict = summarize(labels)
            result = DocumentResult(paths[i], verdict, counts, shares, sentences, text,
                                    list(notes[i]) if notes else [], model=self.model_id, ledger=ledger)
            result.low_evidence = result.n_claims < self.min_claims
            results.append(result)
        return results

    def annotate_source(self, src: SourceText, any_language: bool = False) -> DocumentResult:
        """Annotate what :func:`~classifier.read.read_source` (or a URL fetch) read.

        Text that is not English is refused with :class:`NotEnglishError`, or, with
        ``any_language``, annotated and marked ``out_of_scope``.
        """
        from .language import document_language

        lang = document_language(src.text, src.in_article)
        notes = list(src.notes)
        if not lang.is_english:
            if not any_language:
                raise NotEnglishError(f"{src.path}: the text is in {lang.name} ({lang.code}), not English; "
                                      "hypefact's model reads English only (--any-language annotates it anyway, "
                                      "marked out of scope)")
            notes.append(f"the text is in {lang.name} ({lang.code}): out of scope, the model reads English only")
        result = self.annotate_many([src.text], [src.path], [notes], [src.in_article])[0]
        result.language, result.out_of_scope = lang.code, not lang.is_english
        return result

    def annotate_file(self, path: str, max_bytes: int | None = None, encoding: str | None = None,
                      any_language: bool = False, allow_private: bool = False,
                      timeout: float | None = None) -> DocumentResult:
        """Read (txt/md/html, an http(s) URL, or ``-``) and annotate; raises :class:`~classifier.read.InputError`."""
        from .fetch import is_http_url, read_url

        if is_http_url(path):
            kwargs = {"timeout": timeout} if timeout else {}
            src = read_url(path, max_bytes or DEFAULT_MAX_BYTES, allow_private=allow_private, **kwargs)
        else:
            src = read_source(path, max_bytes or DEFAULT_MAX_BYTES, encoding)
        return self.annotate_source(src, any_language)

    def _units(self, text: str, index: int, seconds: float | None):
        """The units of ``text``, one at a time, refused (:class:`ArticleRefused`) past
        :data:`MAX_UNITS` or ``seconds``."""
        deadline = None if seconds is None else time.monotonic() + seconds
        for n, unit in enumerate(iter_units(text, self.nlp), 1):
            if n > MAX_UNITS:
                raise ArticleRefused(f"over {MAX_UNITS:,} sentences: not one article (split it into articles)", index)
            if deadline is not None and time.monotonic() > deadline:
                raise ArticleRefused(f"took over {seconds:g} s to split into sentences; skipped "
                                     "(--article-seconds raises the limit)", index)
            yield unit


def _units_in_article(text: str, unit_starts: list[int], in_article: list[bool]) -> list[bool]:
    """Per unit (given by its start offset): whether the line it starts on is inside the article region."""
    starts = [0] + [k + 1 for k, ch in enumerate(text) if ch == "\n"]
    out = []
    for start in unit_starts:
        line = bisect.bisect_right(starts, start) - 1
        out.append(in_article[line] if 0 <= line < len(in_article) else True)
    return out


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
                   encoding: str | None = None, any_language: bool = False, allow_private: bool = False,
                   timeout: float | None = None) -> tuple[list[DocumentResult], list[Failure]]:
    """Annotate many inputs (files, ``-``, http(s) URLs); a bad one (binary, empty, too big,
    missing, unreachable, not English) is reported and skipped.

    This is what ``hypefact annotate`` runs: one bad file never stops the others.
    """
    results, failures = [], []
    for path in paths:
        try:
            results.append(annotator.annotate_file(path, max_bytes, encoding, any_language, allow_private, timeout))
        except InputError as exc:
            failures.append(Failure(path, str(exc)))
    return results, failures
