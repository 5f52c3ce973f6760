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
from dataclasses import asdict, dataclass, field

import numpy as np

from .about import __version__
from .labels import CLAIM_LABELS, DEFAULT_MIN_CLAIMS, summarize
from .ledger import ledger_for
from .model.files import load_predictor
from .read import DEFAULT_MAX_BYTES, InputError, SourceText, read_source
from .segment import iter_units, load_pipeline

#: More units than this in one text is not an article (a million one-word lines, a word list): it is
#: refused before it is classified, because memory grows with the number of units (~4 KB each).
MAX_UNITS = 20_000


class ArticleRefused(InputError):
    """A text refused while it was being split: too many units, or over its time budget.

    ``index`` is its position among the texts of one :meth:`Annotator.annotate_many` call.
    """

    def __init__(self, message: str, index: int = 0):
        super().__init__(message)
        self.index = index


class NotEnglishError(InputError):
    """A document in a language the model was not trained on (refused unless ``any_language``)."""


@dataclass
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
    sources: list[dict] = field(default_factory=list)  # what the claim rests on (classifier.ledger)

    def to_dict(self) -> dict:
        d = asdict(self)
        if self.why is None:
            del d["why"]
        return d


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
        self.with_sources = True  # False skips the source ledger (about a fifth of annotate's time)

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
        paths = paths or [f"<text {i}>" for i in range(len(texts))]
        regions = in_article or [None] * len(texts)
        segmented = [self._units(text, i, seconds_per_text) for i, text in enumerate(texts)]
        inside = [_units_in_article(text, units, region) for text, units, region in zip(texts, segmented, regions)]
        X = [{"text": u.text, "doc": f"#{i}", "outside": 0.0 if flag else 1.0}
             for i, units in enumerate(segmented) for u, flag in zip(units, inside[i])]
        whys = None
        if self.explain and X:
            from .explain import explain_units  # the same probabilities, with their reasons

            proba, explanations = explain_units(self.model, X)
            whys = [[r.to_dict() for r in e.why()] for e in explanations]
        else:
            proba = self.model.predict_proba(X) if X else np.zeros((0, len(self.classes)))
        best = np.argmax(proba, axis=1).tolist() if len(X) else []
        rounded = np.round(proba, 4).tolist()
        results, row = [], 0
        for i, (text, units) in enumerate(zip(texts, segmented)):
            rows = rounded[row:row + len(units)]
            labels = [self.classes[j] for j in best[row:row + len(units)]]
            why = whys[row:row + len(units)] if whys is not None else [None] * len(units)
            row += len(units)
            if self.with_sources:
                sources, ledger = ledger_for(self.source_finder, [u.text for u in units], [u.start for u in units],
                                             labels, text)
            else:
                sources, ledger = [[] for _ in units], None
            sentences = [Sentence(k, u.start, u.end, u.text, lab, max(p), dict(zip(self.classes, p)), flag, w, src)
                         for k, (u, lab, p, flag, w, src) in enumerate(zip(units, labels, rows, inside[i], why,
                                                                             sources))]
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

    def _units(self, text: str, index: int, seconds: float | None) -> list:
        deadline = None if seconds is None else time.monotonic() + seconds
        units = []
        for unit in iter_units(text, self.nlp):
            units.append(unit)
            if len(units) > MAX_UNITS:
                raise ArticleRefused(f"over {MAX_UNITS:,} sentences: not one article (split it into articles)", index)
            if deadline is not None and time.monotonic() > deadline:
                raise ArticleRefused(f"took over {seconds:g} s to split into sentences; skipped "
                                     "(--article-seconds raises the limit)", index)
        return units


def _units_in_article(text: str, units, in_article: list[bool] | None) -> list[bool]:
    """Per unit: whether the line it starts on is inside the article region (all True without a region)."""
    if in_article is None:
        return [True] * len(units)
    starts = [0] + [k + 1 for k, ch in enumerate(text) if ch == "\n"]
    out = []
    for u in units:
        line = bisect.bisect_right(starts, u.start) - 1
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
