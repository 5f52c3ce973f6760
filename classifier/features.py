"""Features of a unit of text, as scikit-learn transformers.

Three views of one sentence, joined in a FeatureUnion:

* word n-grams (TF-IDF): what the sentence is about and its stock phrases;
* character n-grams (TF-IDF): morphology, punctuation and markup shapes;
* cue features (:class:`CueFeatures`): counts from the lexicons in
  ``classifier/lexicons/`` (hedges, reporting verbs, record frames, evaluative
  words, page furniture, imperatives) plus the shape of the line (quotes,
  numbers, dates, money, URLs, pipes, markdown markers, length, case).

Hedges and evaluative words are counted separately inside and outside quotation
marks: "could" inside a quote is the speaker's hedge (an attributed claim),
outside it is the writer's (speculation).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from importlib import resources

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin

LEXICONS = ("hedges", "reporting", "records", "evaluative", "boilerplate", "imperatives")


@lru_cache(maxsize=None)
def load_lexicon(name: str) -> tuple[str, ...]:
    """Entries of ``lexicons/<name>.txt`` (one per line, ``#`` starts a comment)."""
    text = resources.files("classifier").joinpath("lexicons", f"{name}.txt").read_text(encoding="utf-8")
    entries = [line.strip().lower() for line in text.splitlines()]
    return tuple(e for e in entries if e and not e.startswith("#"))


@lru_cache(maxsize=None)
def _lexicon_regex(name: str) -> re.Pattern:
    words = sorted(load_lexicon(name), key=len, reverse=True)
    return re.compile(r"(?<![\w-])(?:" + "|".join(re.escape(w) for w in words) + r")(?![\w-])", re.I)


_QUOTED = re.compile(r"\"[^\"]*\"?|\u201c[^\u201d]*\u201d?|(?<!\w)\u2018[^\u2019]*\u2019(?!\w)|\u00ab[^\u00bb]*\u00bb?")
_QUOTE_CHARS = re.compile(r"[\"\u201c\u201d\u00ab\u00bb]|(?<!\w)[\u2018']|[\u2019'](?!\w)")
_MONTH_MAY = re.compile(r"(?<!^)\bMay\b|\bMay(?= \d)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_PERCENT = re.compile(r"\d\s?(?:%|per ?cent|pct)", re.I)
_MONEY = re.compile(r"[$£€¥]\s?\d|\d\s?(?:million|billion|trillion|bn|mln|m\b)|\b(?:dollars|euros|pounds|yuan)\b", re.I)
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_MONTHS = re.compile(
    r"\b(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|Jun(?:e)?|Jul(?:y)?|Aug(?:ust)?|Sept?(?:ember)?|"
    r"Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b\.?|\bMay\b(?=\s+\d|\s*,|\s+(?:19|20)\d\d)"
)
_WEEKDAY = re.compile(r"\b(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today|last week|last year)\b", re.I)
_TIME = re.compile(r"\b\d{1,2}[:.]\d\d\s?(?:[ap]\.?m\.?|GMT|UTC|ET|EST|EDT|BST)?\b|\b\d{1,2}\s?[ap]\.m\.", re.I)
_URL = re.compile(r"https?://|www\.|\.com\b|\.md\)|\]\(", re.I)
_TICKER = re.compile(r"\b[A-Z]{1,5}\.[A-Z]{1,2}\b|\([A-Z]{2,6}:[A-Z.]{1,6}\)|\b(?:NYSE|NASDAQ|Nasdaq|LSE)\b|[+-]\d+(?:\.\d+)?%")
_FIRST_PERSON = re.compile(r"\b(?:I|I'm|I've|I'd|me|my|we|we're|we've|our|us)\b")
_SECOND_PERSON = re.compile(r"\b(?:you|your|you're|you'll|yourself)\b", re.I)
_FUTURE = re.compile(r"\b(?:will|won't|is set to|are set to|is expected to|are expected to|is poised to|going to|plans? to|aims? to)\b", re.I)
_CONDITIONAL = re.compile(r"\b(?:if|unless|whether|as long as|provided that)\b", re.I)
_STRONG_MODAL = re.compile(r"\b(?:could|might|may|would|should|must|ought)\b")
_SAID_END = re.compile(r"(?:,|\u201d|\")\s*(?:[\w.'\u2019-]+\s){0,6}(?:said|says|told|added|wrote|noted|explained|argued|warned|insisted|stated|claimed|asked|replied|according to)\b[^.!?]*[.!?]?[\"\u201d]?$", re.I)
_WORD = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*")
_MARKUP_START = re.compile(r"^\s*(?:#{1,6}\s|[-*+]\s|\d+[.)]\s|>\s|\||---|\*\*)")
_COMPARATIVE = re.compile(r"\b(?:more|most|less|least|\w+est|\w+er than)\b", re.I)


def _quote_split(text: str) -> tuple[str, str]:
    """(text outside quotation marks, text inside them)."""
    inside = " ".join(m.group(0) for m in _QUOTED.finditer(text))
    outside = _QUOTED.sub(" ", text)
    return outside, inside


def cue_vector(text: str) -> list[float]:
    """The cue features of one unit (see :data:`CUE_NAMES` for their order)."""
    stripped = text.strip()
    words = _WORD.findall(stripped)
    n_words = len(words) or 1
    outside, inside = _quote_split(stripped)
    outside_nomonth = _MONTH_MAY.sub("MONTH", outside)
    lex = {name: _lexicon_regex(name) for name in LEXICONS}
    first = words[0].lower() if words else ""
    last_char = stripped[-1:] if stripped else ""
    titled = sum(1 for w in words if w[:1].isupper())
    upper = sum(1 for w in words if len(w) > 1 and w.isupper())
    n_quote_chars = len(_QUOTE_CHARS.findall(stripped))
    return [
        len(lex["hedges"].findall(outside_nomonth)),
        len(lex["hedges"].findall(inside)),
        len(_STRONG_MODAL.findall(outside_nomonth)),
        1.0 if _lexicon_regex("hedges").match(stripped.lstrip("\"\u201c")) and not stripped.startswith("May ") else 0.0,
        len(lex["reporting"].findall(outside)),
        1.0 if _SAID_END.search(stripped) else 0.0,
        1.0 if re.search(r"\baccording to\b", stripped, re.I) else 0.0,
        len(lex["records"].findall(stripped)),
        len(lex["evaluative"].findall(outside)),
        len(lex["evaluative"].findall(inside)),
        len(lex["boilerplate"].findall(stripped)),
        1.0 if first in load_lexicon("imperatives") and not stripped.endswith("?") else 0.0,
        n_quote_chars,
        len(inside) / max(len(stripped), 1),
        1.0 if stripped[:1] in "\"\u201c\u2018'" else 0.0,
        1.0 if last_char in "\"\u201d\u2019" else 0.0,
        len(_FIRST_PERSON.findall(outside)),
        len(_SECOND_PERSON.findall(outside)),
        len(_FUTURE.findall(outside)),
        len(_CONDITIONAL.findall(outside)),
        len(_COMPARATIVE.findall(outside)),
        1.0 if last_char == "?" else 0.0,
        1.0 if "!" in outside else 0.0,
        1.0 if last_char in ".!?\"\u201d\u2019)" else 0.0,
        1.0 if last_char == ":" else 0.0,
        len(_NUMBER.findall(stripped)),
        len(_PERCENT.findall(stripped)),
        len(_MONEY.findall(stripped)),
        len(_YEAR.findall(stripped)),
        len(_MONTHS.findall(stripped)) + len(_WEEKDAY.findall(stripped)),
        len(_TIME.findall(stripped)),
        len(_URL.findall(stripped)),
        len(_TICKER.findall(stripped)),
        stripped.count("|"),
        stripped.count("/") + stripped.count("\u00b7") + stripped.count("\u2022"),
        1.0 if _MARKUP_START.match(stripped) else 0.0,
        math.log1p(len(words)),
        math.log1p(len(stripped)),
        1.0 if len(words) <= 4 else 0.0,
        titled / n_words,
        upper / n_words,
        sum(ch.isdigit() for ch in stripped) / max(len(stripped), 1),
        1.0 if stripped.count(",") >= 1 else 0.0,
    ]


CUE_NAMES = (
    "hedge_out", "hedge_in_quote", "modal_out", "starts_with_hedge", "reporting", "said_at_end",
    "according_to", "record_frame", "evaluative_out", "evaluative_in_quote", "boilerplate_words",
    "imperative_start", "quote_chars", "quoted_share", "starts_with_quote", "ends_with_quote",
    "first_person", "second_person", "future", "conditional", "comparative", "question",
    "exclamation", "ends_with_punct", "ends_with_colon", "numbers", "percent", "money", "year",
    "date_words", "clock_time", "url", "ticker", "pipes", "slashes_bullets", "markup_start",
    "log_words", "log_chars", "short", "title_case_share", "upper_share", "digit_share", "has_comma",
)


class CueFeatures(BaseEstimator, TransformerMixin):
    """Hand-picked linguistic and layout cues, one dense row per text."""

    def fit(self, X, y=None):
        return self

    def transform(self, X):
        return np.array([cue_vector(t) for t in X], dtype=np.float64).reshape(len(X), len(CUE_NAMES))

    def get_feature_names_out(self, input_features=None):
        return np.array([f"cue__{n}" for n in CUE_NAMES], dtype=object)


def text_features():
    """The sentence-level feature union: word n-grams + character n-grams + scaled cues."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import FeatureUnion, make_pipeline
    from sklearn.preprocessing import StandardScaler

    return FeatureUnion(
        [
            ("words", TfidfVectorizer(ngram_range=(1, 2), min_df=2, sublinear_tf=True, max_features=60000,
                                      token_pattern=r"(?u)\b\w[\w'\u2019]*\b|[\"\u201c\u201d?!:|#>%$]")),
            ("chars", TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 5), min_df=3, sublinear_tf=True,
                                      max_features=80000)),
            ("cues", make_pipeline(CueFeatures(), StandardScaler())),
        ]
    )
