"""Split an article into sentence-like units with a spaCy pipeline.

The default pipeline is ``spacy.blank("en")`` + spaCy's ``sentencizer`` + the
``hypefact_structure`` component defined here, which knows what news pages do to
a rule-based splitter: line breaks end units, markdown structure that was
flattened onto one line (front matter, ``## headings``, ``> quotes``,
``- [link](url)`` lists, ``| table | rows |``) starts new units, and quotation
marks are kept with the sentence they belong to. Nothing is downloaded; a user
with a trained spaCy pipeline installed can pass its name instead.

Every unit carries character offsets into the text that was segmented, so
``text[unit.start:unit.end] == unit.text`` always holds.
"""

from __future__ import annotations

import re
import weakref
from bisect import bisect_left
from collections import Counter
from itertools import compress
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Iterator

from .pathological import split_pathological_runs

if TYPE_CHECKING:  # spaCy is imported when a pipeline is built, not when this module is
    from spacy.language import Language

#: Texts are segmented in chunks of about this many characters (cut at line
#: breaks where possible), so a huge file never meets spaCy's max_length and
#: memory stays flat.
CHUNK_CHARS = 100_000

OPENING_QUOTES = {'"', "\u201c", "\u2018", "'", "\u00ab"}
CLOSING_QUOTES = {'"', "\u201d", "\u2019", "'", "\u00bb"}
ELLIPSES = {"...", "\u2026", ".."}

# Where a new unit starts inside a line (flattened markdown) ...
_INLINE_START = re.compile(
    r"(?<=\s)(?:"
    r"#{1,6}[ \t]"  # ## Heading
    r"|>[ \t]"  # > block quote / standfirst
    r"|[-*+][ \t]+(?=\[|\*\*)"  # - [link](url)  or  - **bold** list item
    r"|---(?=\s)"  # horizontal rule / end of front matter
    r"|\|[ \t]*:?-{3,}[-:| \t]*\|"  # |---|---| table separator
    r")"
)
_TABLE_CELL = re.compile(r"(?<=\|)[^|\n]{1,600}(?=\|)")
# ... a table row that follows another row on the same line: "| a | b | | c | d |"
_ROW_START = re.compile(r"(?<=\|)[ \t]+(\|)")
# Spans inside which no unit may start.
_FRONT_MATTER = re.compile(r"\A\s*---[ \t]*\S.*?(?<=\s)---(?=\s|\Z)", re.S)
_MD_LINK = re.compile(r"\[[^\]\n]{0,300}\]\([^)\s]{0,500}\)")
_LINE_START = re.compile(r"\n[ \t\r\f\v]*(?=\S)")


@dataclass(frozen=True)
class Unit:
    """A sentence-like unit: its text and where it stands in the source."""

    start: int
    end: int
    text: str


def _boundaries(text: str) -> tuple[list[int], list[tuple[int, int]]]:
    """Character offsets where units must start, and spans where none may."""
    starts = [m.end() for m in _LINE_START.finditer(text)]
    starts += [m.start() for m in _INLINE_START.finditer(text)]
    starts += [m.start(1) for m in _ROW_START.finditer(text)]
    protected = [m.span() for m in _MD_LINK.finditer(text)]
    protected += [m.span() for m in _TABLE_CELL.finditer(text)]
    fm = _FRONT_MATTER.match(text)
    if fm:
        # Front matter is one unit: nothing starts inside it, its end starts one.
        protected.append((fm.start(), fm.end()))
        starts = [s for s in starts if not fm.start() < s < fm.end()]
        starts.append(fm.end())
    return starts, protected


def make_structure_component(nlp: "Language", name: str):
    """The spaCy component ``hypefact_structure``: fixes sentence starts for news text (runs after a
    splitter). Registered by name when a pipeline is built, and through the ``spacy_factories``
    entry point, so ``nlp.add_pipe("hypefact_structure")`` works in any interpreter."""
    return structure_rules


_CANDIDATES = re.compile(r"[\"\u201c\u2018\u00ab|]|(?<!\w)'|\.\.\.?|\u2026")


def structure_rules(doc):
    """Set sentence starts for line breaks, flattened markdown and quotes (the spaCy component).

    Works from character offsets (regexes over ``doc.text``, token offsets from
    ``doc.to_array``), reads only the tokens that can matter, and writes all
    sentence starts back in one ``from_array`` call: spaCy's per-token setter
    rescans the whole document on every assignment.
    """
    import numpy as np
    from spacy.attrs import IDX, SENT_START

    if len(doc) < 2:
        return doc
    arrays = doc.to_array([IDX, SENT_START]).view(np.int64)  # uint64 holds -1 as 2**64 - 1
    ss = _structure_starts(doc, doc.text, arrays[:, 0].tolist(), arrays[:, 1].tolist())
    doc.from_array([SENT_START], np.array(ss, dtype=np.int64).view(np.uint64).reshape(-1, 1))
    return doc


def _structure_starts(doc, text: str, idx: list[int], ss: list[int]) -> list[int]:
    """The rules of :func:`structure_rules` over ``doc``'s text (``doc.text`` builds it token by
    token: pass it in), token offsets ``idx`` and a splitter's sentence starts ``ss`` (1 starts a
    sentence, -1 does not); returns ``ss`` changed in place."""
    n = len(idx)
    starts, protected = _boundaries(text)
    start_set = set(starts)

    def token_at(offset: int) -> int:
        return bisect_left(idx, offset)

    for a, b in protected:
        lo, hi = token_at(a) + 1, min(token_at(b), n)
        if hi > lo:
            ss[lo:hi] = [-1] * (hi - lo)

    # Quotes, ellipses and pipes: only the tokens where such characters start.
    for m in _CANDIDATES.finditer(text):
        i = token_at(m.start())
        if not (0 < i < n) or idx[i] != m.start():
            continue
        tok = doc[i]
        t = tok.text
        if t in OPENING_QUOTES and i + 1 < n:
            prev, nxt = doc[i - 1], doc[i + 1]
            # '... New York. "We are' : the quote opens the next sentence.
            if prev.text in (".", "!", "?") and prev.whitespace_ and not tok.whitespace_ and not nxt.is_space:
                ss[i], ss[i + 1] = 1, -1
        elif t in ELLIPSES and i + 1 < n:
            nxt = doc[i + 1]
            if nxt.is_title and not nxt.is_space:
                ss[i + 1] = 1
        elif t == "|":
            ss[i] = -1  # table cells: rows start only where _boundaries says

    # '"Don't worry!", he said.', '"Why?" she asked.' and 'the U.S. Dept. said' stay one
    # sentence: news sentences do not start in lower case.
    for i in [i for i in compress(range(n), map((1).__eq__, ss)) if i]:  # the sentence starts only
        if text[idx[i]].islower():
            prev = doc[i - 1].text
            if prev in CLOSING_QUOTES or prev == "," or prev.endswith("."):
                ss[i] = -1

    for offset in starts:
        i = token_at(offset)
        if 0 < i < n and idx[i] == offset:
            ss[i] = 1
            # A marker ('##', '>', '- [') opens the unit: the words after it continue it.
            j = i
            while j + 1 < n and doc[j].is_punct and doc[j].whitespace_ != "\n":
                if idx[j + 1] in start_set:
                    break
                ss[j + 1] = -1
                j += 1
                if not doc[j].is_punct:
                    break
    ss[0] = 1
    return ss


@lru_cache(maxsize=4)
def load_pipeline(spacy_model: str | None = None) -> "Language":
    """The segmentation pipeline: blank English + rules, or a user's trained pipeline + rules.

    A trained pipeline keeps only what splits sentences (``senter`` if it has one),
    because a full parser and NER cost 25-40x the time and add nothing here.
    """
    import spacy
    from spacy.language import Language
    from spacy.symbols import ORTH

    if not Language.has_factory("hypefact_structure"):
        Language.factory("hypefact_structure", func=make_structure_component)

    if spacy_model:
        try:
            nlp = spacy.load(spacy_model)
        except OSError as exc:
            raise ValueError(
                f"spaCy pipeline {spacy_model!r} is not installed (pip install it, or leave out --spacy-model)"
            ) from exc
        keep = {"senter", "tok2vec"} if "senter" in nlp.component_names else {"sentencizer"}
        for pipe in list(nlp.component_names):
            if pipe not in keep:
                nlp.remove_pipe(pipe)
        if "senter" in nlp.component_names:
            nlp.enable_pipe("senter")
        elif "sentencizer" not in nlp.pipe_names:
            nlp.add_pipe("sentencizer")
    else:
        nlp = spacy.blank("en")
        nlp.add_pipe("sentencizer")
    for special in ("pct.", "approx.", "est."):
        nlp.tokenizer.add_special_case(special, [{ORTH: special}])
    nlp.add_pipe("hypefact_structure")
    nlp.max_length = CHUNK_CHARS * 3
    return nlp


def _chunks(text: str, size: int = CHUNK_CHARS) -> Iterator[tuple[int, str]]:
    """Cut ``text`` into pieces of about ``size`` characters at line breaks (else at spaces)."""
    pos, n = 0, len(text)
    while pos < n:
        end = min(pos + size, n)
        if end < n:
            cut = text.rfind("\n", pos + size // 2, end)
            if cut < 0:
                cut = text.rfind(" ", pos + size // 2, end)
            if cut > pos:
                end = cut + 1
        yield pos, text[pos:end]
        pos = end


def segment(text: str, nlp: "Language | None" = None) -> list[Unit]:
    """Split ``text`` into units (whitespace-only pieces are dropped)."""
    return list(iter_units(text, nlp))


def iter_units(text: str, nlp: "Language | None" = None) -> Iterator[Unit]:
    """The units of ``text`` in reading order, one chunk of the text in memory as a ``Doc`` at a time."""
    nlp = nlp or load_pipeline()
    fast = _default_splitter(nlp)
    warm = _warmer(nlp)
    for offset, chunk in split_pathological_runs(_chunks(text)):  # no quadratic tokenizer runs
        warm(chunk)
        if fast is not None:
            doc = nlp.tokenizer(chunk)
            idx, ss = fast(doc, chunk)
        else:
            doc = nlp(chunk)
            idx, ss = _idx_and_starts(doc)
        yield from _units_of(chunk, offset, idx, ss)


# -- speed (issue 15); tests/test_predictions.py holds the plain version these must equal ----------

#: Distinct whitespace-free pieces remembered per pipeline before the memory is reset (about 15 MB).
WARM_PIECES = 200_000
_WARMED: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()


def _warmer(nlp):
    """A function that fills the tokenizer's cache with the repeated pieces of a chunk, one at a time.

    spaCy caches how it split each whitespace-free piece, but stops adding to the cache for the rest
    of a ``Doc`` once it meets a special case ("don't", "U.S.", an em dash): over a 100,000-character
    chunk almost nothing gets cached (explosion/spaCy#13950). Tokenizing a piece on its own caches
    it, and the chunk then runs from the cache, 2-5x faster; the tokens are the same. A piece met
    only once gains nothing (it is tokenized once either way), so a piece is warmed when it is met
    the second time, in this chunk or an earlier one.
    """
    tokenizer = nlp.tokenizer
    warmed, met = _WARMED.setdefault(nlp, (set(), set()))

    def warm(chunk: str) -> None:
        if len(warmed) + len(met) > WARM_PIECES:
            warmed.clear()
            met.clear()
        for piece, n in Counter(chunk.split()).items():
            if piece in warmed:
                continue
            if n > 1 or piece in met:
                tokenizer(piece)
                warmed.add(piece)
            else:
                met.add(piece)

    return warm


def _default_splitter(nlp):
    """For the default pipeline (blank tokenizer + ``sentencizer`` + ``hypefact_structure``), the two
    components fused into one pass over token arrays; ``None`` for any other pipeline.

    spaCy's sentencizer walks the ``Doc`` one ``Token`` object at a time (a third of the splitting
    time); the same rule over arrays: a sentence starts at the first token after a sentence-final
    character (``punct_chars``) that is neither punctuation nor such a character.
    """
    import numpy as np
    from spacy.attrs import IDX, IS_PUNCT, ORTH

    if list(nlp.pipe_names) != ["sentencizer", "hypefact_structure"]:
        return None
    sentencizer = nlp.get_pipe("sentencizer")
    if getattr(sentencizer, "overwrite", False):
        return None
    final = np.array(sorted(nlp.vocab.strings.add(c) for c in sentencizer.punct_chars), dtype=np.uint64)

    def split(doc, doc_text: str):
        n = len(doc)
        if n == 0:
            return [], []
        arr = doc.to_array([ORTH, IS_PUNCT, IDX])
        is_final = np.isin(arr[:, 0], final)
        word = ~is_final & (arr[:, 1] == 0)
        finals_up_to = np.cumsum(is_final)
        words = np.flatnonzero(word)
        finals_before = finals_up_to[words]
        opens = np.diff(finals_before, prepend=0) > 0
        ss = np.full(n, -1, dtype=np.int64)
        ss[0] = 1
        ss[words[opens]] = 1
        idx = arr[:, 2].astype(np.int64).tolist()
        ss = ss.tolist()
        if n >= 2:
            ss = _structure_starts(doc, doc_text, idx, ss)
        return idx, ss

    return split


def _idx_and_starts(doc) -> tuple[list[int], list[int]]:
    import numpy as np
    from spacy.attrs import IDX, SENT_START

    if len(doc) == 0:
        return [], []
    arrays = doc.to_array([IDX, SENT_START]).view(np.int64)
    ss = arrays[:, 1].tolist()
    ss[0] = 1
    return arrays[:, 0].tolist(), ss


def _units_of(text: str, offset: int, idx: list[int], ss: list[int]) -> Iterator[Unit]:
    """Units from token offsets and sentence starts: each sentence runs from its first token to the
    next sentence's first token, trimmed of whitespace (what ``doc.sents`` gives, without Spans)."""
    bounds = [i for i, s in zip(idx, ss) if s == 1]
    bounds.append(len(text))
    for a, b in zip(bounds, bounds[1:]):
        piece = text[a:b]
        stripped = piece.strip()
        if stripped:
            a += len(piece) - len(piece.lstrip())
            yield Unit(offset + a, offset + a + len(stripped), stripped)
