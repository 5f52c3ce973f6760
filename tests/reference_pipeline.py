"""The straightforward implementation of annotation, as it stood before the speed work of issue 15.

Frozen here on purpose: ``test_predictions.py`` runs it beside the fast path in the same test run
and requires the same units, labels and scores (to 1e-6), so the comparison keeps its meaning
after the shipped model is retrained. It is slow and plain: spaCy's own ``nlp.pipe`` and
``doc.sents``, one Python call per unit for the cue features and the n-gram lookups, a Python loop
per unit for the sequence cues. Only the parts the fast path reimplements are copied; the rest
(lexicons, regexes, the model's arrays) is shared with the package.

If a retrain changes a feature's *definition*, change it here too (and in the fast path).
"""

from __future__ import annotations

import math

import numpy as np

from classifier.features import context as C
from classifier.features.context import SEQ, SEQUENCE_NAMES, _SOURCE_TAG, _doc_slices, _excerpt_distances, _is_heading, _is_tag, _table_regions
from classifier.features.cues import (CUE_NAMES, FIRST_PERSON, LEXICONS, _CAPWORD, _DATE_WORDS, _DIGIT, _HEDGE_STARTS,
                                      _MARKUP_START, _MONEY, _MONTH_MAY, _NUMBER, _OPINION, _PERCENT, _QUOTE_MARKS,
                                      _SAID_END, _SPEAKER_PREFIX, _SPEAKER_VERB, _SPEAKER_VERBS, _SUPERLATIVES, _TICKER,
                                      _TIME, _TOKEN, _URL_MARKS, _YEAR, _CLASS_OF, _OUT_CLASSES, _imperatives, _judging_copula,
                                      _judging_words, _phrase_tables, _QUOTED, _saying_clauses, tokenize)
from classifier.model.compiled import _softmax
from classifier.segment import _chunks


def lexicon_counts(tokens: list[str]) -> list[int]:
    singles, phrases, starts = _phrase_tables()
    counts = [0] * len(LEXICONS)
    for i, tok in enumerate(tokens):
        for k in singles.get(tok, ()):
            counts[k] += 1
        if tok in starts:
            for size in (2, 3, 4):
                if i + size <= len(tokens):  # whole slices only (a phrase at the end is counted once)
                    for k in phrases.get(tuple(tokens[i:i + size]), ()):
                        counts[k] += 1
    return counts


def _class_counts(tokens: list[str]) -> list[int]:
    counts = [0] * len(_OUT_CLASSES)
    for tok in tokens:
        for k in _CLASS_OF.get(tok, ()):
            counts[k] += 1
    return counts


def _quote_split(text: str) -> tuple[str, str]:
    if not any(q in text for q in _QUOTE_MARKS) and "\u2018" not in text:
        return text, ""
    inside = " ".join(m.group(0) for m in _QUOTED.finditer(text))
    outside = _QUOTED.sub(" ", text)
    return outside, inside


def reference_units(text: str, nlp) -> list[tuple[int, int, str]]:
    """(start, end, text) of every unit: spaCy's ``nlp.pipe`` over the chunks, then ``doc.sents``."""
    chunks = list(_chunks(text))
    units = []
    for (offset, _), doc in zip(chunks, nlp.pipe(c for _, c in chunks)):
        t = doc.text
        for sent in doc.sents:
            a, b = sent.start_char, sent.end_char
            while a < b and t[a].isspace():
                a += 1
            while b > a and t[b - 1].isspace():
                b -= 1
            if b > a:
                units.append((offset + a, offset + b, t[a:b]))
    return units


def reference_predict_proba(model, texts: list[str], docs: list[str]) -> np.ndarray:
    """Probabilities of a :class:`~classifier.model.compiled.CompiledModel`, one unit at a time."""
    scores = np.tile(model.intercept, (len(texts), 1)).astype(np.float64)
    for vec in model.vectorizers:
        vocab, idf, analyzer = vec["vocab"], vec["idf"], vec["analyzer"]
        for r, text in enumerate(texts):
            counts: dict[int, int] = {}
            for term in analyzer(text):
                if term in vocab:
                    counts[vocab[term]] = counts.get(vocab[term], 0) + 1
            if not counts:
                continue
            cols = np.array(sorted(counts))
            tf = np.array([counts[c] for c in cols], dtype=np.float64)
            w = (1.0 + np.log(tf) if vec["sublinear"] else tf) * idf[cols]
            w = w / np.sqrt((w * w).sum())
            scores[r] += w @ model.coef_T[vec["offset"] + cols]
    cue_block = (np.array([reference_cue_vector(t) for t in texts], dtype=np.float64).reshape(len(texts), -1)
                 - model.cue_mean) / model.cue_scale
    scores += cue_block @ model.coef_T[model.cue_offset:model.cue_offset + cue_block.shape[1]]
    P = _softmax(scores)
    if not model.context:
        return P
    real = C.sequence_cues
    C.sequence_cues = reference_sequence_cues  # context_features with the reference's sequence cues
    try:
        Z = (C.context_features(P, docs, texts, model.window) - model.ctx_mean) / model.ctx_scale
    finally:
        C.sequence_cues = real
    return _softmax(Z @ model.ctx_coef_T + model.ctx_intercept)


def reference_cue_vector(text: str) -> list[float]:
    """The cue features of one unit, in the order of :data:`CUE_NAMES`."""
    stripped = text.strip()
    lower = stripped.lower()
    outside, inside = _quote_split(stripped)
    if "May" in outside:
        outside = _MONTH_MAY.sub("MONTH", outside)
    tokens = _TOKEN.findall(lower)
    out_tokens = _TOKEN.findall(outside.lower()) if outside is not stripped else tokens
    n_words = len(tokens) or 1
    capwords = _CAPWORD.findall(stripped)
    hedges, reporting, records, evaluative, furniture, _, subjective, valence, boosters = lexicon_counts(out_tokens)
    hedges_in, _, _, evaluative_in, *_ = lexicon_counts(tokenize(inside)) if inside else (0,) * len(LEXICONS)
    said_main, said_side = _saying_clauses(out_tokens)
    if inside:
        records = lexicon_counts(tokens)[2]
    first = tokens[0] if tokens else ""
    modal, second_person, future, conditional, comparative, deontic = _class_counts(out_tokens)
    first_person = len(FIRST_PERSON.findall(outside))
    has_digit = _DIGIT.search(stripped) is not None  # the numeric patterns below all need one
    last_char = stripped[-1:]
    n_quote_chars = sum(stripped.count(q) for q in _QUOTE_MARKS)
    return [
        hedges,
        hedges_in,
        modal,
        1.0 if first in _HEDGE_STARTS and not stripped.startswith("May ") else 0.0,
        reporting,
        1.0 if (said_main or said_side or "asked" in tokens) and _SAID_END.search(stripped) else 0.0,
        1.0 if "according to" in lower else 0.0,
        records,
        evaluative,
        evaluative_in,
        furniture,
        1.0 if first in _imperatives() and not stripped.endswith("?") else 0.0,
        n_quote_chars,
        len(inside) / max(len(stripped), 1),
        1.0 if stripped[:1] in "\"\u201c\u2018'" else 0.0,
        1.0 if last_char in "\"\u201d\u2019" else 0.0,
        first_person,
        second_person,
        future,
        conditional,
        comparative,
        1.0 if last_char == "?" else 0.0,
        1.0 if "!" in outside else 0.0,
        1.0 if last_char in ".!?\"\u201d\u2019)" else 0.0,
        1.0 if last_char == ":" else 0.0,
        len(_NUMBER.findall(stripped)) if has_digit else 0,
        len(_PERCENT.findall(lower)) if has_digit else 0,
        len(_MONEY.findall(lower)) if has_digit else 0,
        len(_YEAR.findall(stripped)) if has_digit else 0,
        sum(map(_DATE_WORDS.__contains__, tokens)),
        len(_TIME.findall(stripped)) if has_digit else 0,
        sum(lower.count(m) for m in _URL_MARKS),
        len(_TICKER.findall(stripped)) if has_digit or "." in stripped else 0,
        stripped.count("|"),
        stripped.count("/") + stripped.count("\u00b7") + stripped.count("\u2022"),
        1.0 if _MARKUP_START.match(stripped) else 0.0,
        math.log1p(len(tokens)),
        math.log1p(len(stripped)),
        1.0 if len(tokens) <= 4 else 0.0,
        len(capwords) / n_words,
        sum(1 for w in capwords if len(w) > 1 and w.isupper()) / n_words,
        (len(_DIGIT.findall(stripped)) if has_digit else 0) / max(len(stripped), 1),
        1.0 if "," in stripped else 0.0,
        1.0 if not _SPEAKER_VERBS.isdisjoint(out_tokens) and _SPEAKER_VERB.search(outside) else 0.0,
        1.0 if _SPEAKER_PREFIX.match(stripped) else 0.0,
        subjective,
        valence,
        boosters,
        deontic,
        sum(map(_SUPERLATIVES.__contains__, out_tokens)) + len([t for t in out_tokens if t.endswith("est")
                                                                 and len(t) > 5]),
        said_main,
        said_side,
        1.0 if said_main and (hedges or modal) else 0.0,
        1.0 if first_person and _OPINION.search(outside) else 0.0,
        _judging_copula(out_tokens, _judging_words()),
    ]



def reference_sequence_cues(texts: Sequence[str], docs: Sequence[str]) -> np.ndarray:
    """Cues that only the order of units shows.

    Whether a quotation opened earlier is still open (a quote continues across
    sentences), whether the previous unit ends with a colon, whether the next is
    a short tag-like line (a source tag under an excerpt, a credit under a caption),
    whether this unit ends by opening a quote, how far below a source tag closes
    the excerpt this unit may belong to, how far above a source lead-in ("From X:")
    opened it, and whether it is one of a run of short items under a sentence that
    ends with a colon (a ranking or data list, not a menu).
    """
    out = np.zeros((len(texts), len(SEQUENCE_NAMES)))
    for sl in _doc_slices(docs):
        lines = [t.strip() for t in texts[sl]]
        out[sl, SEQ["in_table"]:SEQ["in_link_table"] + 1] = _table_regions(lines)
        n_words = [len(t.split()) for t in lines]
        tag = [_is_tag(t) for t in lines]
        heading = [_is_heading(t) for t in lines]
        ahead, above = _excerpt_distances(lines, tag, heading)
        open_quote = False
        for k, text in enumerate(lines):
            i = sl.start + k
            out[i, SEQ["quote_open_before"]] = float(open_quote)
            balance = text.count("\u201c") - text.count("\u201d")
            if text.count('"') % 2:
                balance += -1 if open_quote else 1
            open_quote = (open_quote + balance) > 0
            if k > 0:
                out[i, SEQ["after_colon"]] = float(lines[k - 1].endswith(":"))
            if k + 1 < len(lines):
                nxt = lines[k + 1]
                out[i, SEQ["short_line_next"]] = float(n_words[k + 1] <= 4 and nxt[-1:] not in ".!?")
                out[i, SEQ["source_tag_next"]] = float(bool(_SOURCE_TAG.match(nxt)))
            out[i, SEQ["opens_quote"]] = float(text.endswith(("\u201c", '"')) and text.count('"') % 2 == 1 or text.endswith("\u201c"))
            if not tag[k] and not heading[k]:
                out[i, SEQ["tag_below"]] = float(ahead[k] > 0)
                out[i, SEQ["tag_below_closeness"]] = 1.0 / ahead[k] if ahead[k] else 0.0
                out[i, SEQ["lead_in_above_closeness"]] = 1.0 / above[k] if above[k] else 0.0
            if k > 0 and n_words[k] <= 8 and text[-1:] not in ".!?":
                prev = lines[k - 1]
                out[i, SEQ["colon_list_item"]] = float(prev.endswith(":") and n_words[k - 1] > 3
                                                     or out[i - 1, SEQ["colon_list_item"]] == 1.0)
    return out


