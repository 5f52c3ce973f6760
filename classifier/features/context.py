"""Document context for the second stage: neighbours, position, quote state.

Plain numpy, so both the scikit-learn estimator and the compiled model use it.
"""

from __future__ import annotations

import re
from typing import Sequence

import numpy as np

from .cues import FIRST_PERSON as FIRST_PERSON_RE
from .cues import SAYING_VERBS
from .region import region_columns, region_parts


def split_units(X) -> tuple[list[str], list[str]]:
    """Texts and document ids of a sequence of units (dicts, pairs or strings)."""
    texts, docs = [], []
    for item in X:
        if isinstance(item, str):
            texts.append(item)
            docs.append("")
        elif isinstance(item, dict):
            texts.append(item["text"])
            docs.append(str(item.get("doc", "")))
        else:
            doc, text = item
            texts.append(text)
            docs.append(str(doc))
    return texts, docs


def _doc_slices(docs: Sequence[str]) -> list[slice]:
    """Runs of consecutive units that share a document id."""
    bounds, start = [], 0
    for i in range(1, len(docs) + 1):
        if i == len(docs) or docs[i] != docs[start]:
            bounds.append(slice(start, i))
            start = i
    return bounds


_SOURCE_TAG = re.compile(r"^\s*(?:\[|\u2014|--|Via\b|Source:|\(\w)")
EXCERPT_REACH = 6
# How the document addresses its reader: guides and analysis posts talk to "you",
# ask questions and run bullet lists; reports do not.
_STYLE = (re.compile(r"\byou(?:r|'re|'ll)?\b", re.I), re.compile(r"\?\s*$"),
          re.compile(r"^\s*(?:[-\u2013\u2022*]|\d+[.)])\s"), FIRST_PERSON_RE)
FIRST_PERSON = _STYLE.index(FIRST_PERSON_RE)  # its column in register_flags
FIRST_PERSON_REACH = 3


def register_flags(texts: Sequence[str]) -> np.ndarray:
    """Per unit, 0/1: addresses "you", asks a question, is a bullet, speaks as "I"/"we", is a source tag."""
    out = np.zeros((len(texts), len(_STYLE) + 1))
    for j, rx in enumerate(_STYLE):  # column by column: no list of lists for a huge document
        out[:, j] = np.fromiter((rx.search(t) is not None for t in texts), dtype=bool, count=len(texts))
    out[:, -1] = np.fromiter((_is_tag(t.strip()) for t in texts), dtype=bool, count=len(texts))
    return out


def _is_tag(text: str) -> bool:
    return len(text.split()) <= 12 and bool(_SOURCE_TAG.match(text))


def _is_heading(text: str) -> bool:
    return len(text.split()) <= 20 and text[-1:] not in ".!?:\"\u201d'"


# A lead-in's verb: any verb of saying, or what a quoted text does ("the letter reads:").
_SAYS = re.compile(r"\b(?:" + "|".join(sorted(SAYING_VERBS, key=len, reverse=True)) +
                   r"|tweeted|posted|put it|reads|read|begins|concluded|concludes)\b", re.I)


def _is_source_lead_in(text: str) -> bool:
    """A line that only introduces someone's words: "From Goldman Sachs:", "Ortega wrote:"."""
    words = text.split()
    if not text.endswith(":") or len(words) > 14:
        return False
    capitalised = sum(w[:1].isupper() for w in words) / len(words)
    return text.startswith("From ") or bool(_SAYS.search(text)) or (len(words) <= 6 and capitalised >= 0.6)


def _excerpt_distances(lines: list[str], tag: list[bool], heading: list[bool]) -> tuple[list[int], list[int]]:
    """For each unit of one document: units down to the source tag closing its excerpt, and
    units up from the source lead-in opening it (0: none within EXCERPT_REACH).

    A roundup quotes an outlet's paragraph and names the outlet on a tag line under it
    ("[ Outlet ]", "- Critic, Outlet") or on a lead-in above it ("From Goldman Sachs:"):
    every unit of the excerpt, not just the one next to the tag, is the outlet's word.
    A heading or an empty line (or, upwards, any other line ending in a colon) ends the
    excerpt; an embedded post's bare link line does not.
    """
    m = len(lines)
    stop = [not t or h for t, h in zip(lines, heading)]
    link = [" " not in t and "/" in t for t in lines]
    ahead, above = [0] * m, [0] * m
    for i in range(m - 2, -1, -1):  # bottom up: distance to the tag below
        j = i + 1
        if tag[j]:
            ahead[i] = 1
        elif (link[j] or not stop[j]) and ahead[j]:
            ahead[i] = ahead[j] + 1 if ahead[j] < EXCERPT_REACH else 0
    for i in range(1, m):  # top down: distance to the lead-in above
        j = i - 1
        if _is_source_lead_in(lines[j]):
            above[i] = 1
        elif not (tag[j] or stop[j] or lines[j].endswith(":")) and above[j]:
            above[i] = above[j] + 1 if above[j] < EXCERPT_REACH else 0
    return ahead, above


_TABLE_RULE = re.compile(r"\|\s*:?-{3,}")


def _table_regions(lines: list[str]) -> np.ndarray:
    """Per unit of one document: inside a markdown table (below its |---| rule), and inside
    a table whose cells link elsewhere (a table of other articles, not of data)."""
    out = np.zeros((len(lines), 2))
    start = None
    for k in range(len(lines) + 1):
        text = lines[k] if k < len(lines) else ""
        if _TABLE_RULE.search(text):
            if start is None:
                start = k
        elif start is not None and not (text.startswith("|") or text.endswith("|")):
            region = slice(start, k)
            out[region, 0] = 1.0
            out[region, 1] = float(any("](" in t or "http" in t for t in lines[region]))
            start = None
    return out


#: The columns of :func:`sequence_cues`; address them by name through :data:`SEQ`.
SEQUENCE_NAMES = ("quote_open_before", "after_colon", "short_line_next", "source_tag_next", "opens_quote",
                  "tag_below", "tag_below_closeness", "colon_list_item", "lead_in_above_closeness", "in_table",
                  "in_link_table")
SEQ = {name: i for i, name in enumerate(SEQUENCE_NAMES)}


def sequence_cues(texts: Sequence[str], docs: Sequence[str]) -> np.ndarray:
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


def first_person_shift(first: np.ndarray, docs: Sequence[str]) -> np.ndarray:
    """Per unit: the share of first-person units ("I", "we", "my"; ``first``, 0/1 per unit)
    around it (3 either side) minus that share in the whole document.

    A third-person report that pastes someone's blog post or memo shifts into the first
    person for the length of the excerpt; a column written as "I" throughout does not.
    """
    out = np.zeros((len(first), 1))
    for sl in _doc_slices(docs):
        f = first[sl]
        m = len(f)
        cum = np.concatenate([[0.0], np.cumsum(f)])
        lo = np.clip(np.arange(m) - FIRST_PERSON_REACH, 0, m)
        hi = np.clip(np.arange(m) + FIRST_PERSON_REACH + 1, 0, m)
        out[sl, 0] = (cum[hi] - cum[lo]) / (hi - lo) - f.mean()
    return out


def context_features(P: np.ndarray, docs: Sequence[str], texts: Sequence[str], window: int = 2,
                     outside: np.ndarray | None = None) -> np.ndarray:
    """Per unit: its stage-1 log-probabilities, its neighbours', the document's mix and register
    (and their products with the unit's own scores), position, sequence cues, a shift into
    the first person (with its product with the unit's own scores), and where it lies against
    its page's article region (``outside``: 1.0 per unit outside; None: plain text, all inside;
    see :mod:`.region`)."""
    parts = ContextParts(P, docs, texts, window, outside)
    return parts.rows(0, len(P))


def context_blocks(P: np.ndarray, docs: Sequence[str], texts: Sequence[str], window: int = 2,
                   outside: np.ndarray | None = None, size: int = 4096):
    """:func:`context_features` in blocks of ``size`` rows: ``(slice, block)`` pairs.

    The whole matrix is about 80 floats a unit; a huge document never holds it at once.
    """
    parts = ContextParts(P, docs, texts, window, outside)
    for a in range(0, len(P), size):
        b = min(a + size, len(P))
        yield slice(a, b), parts.rows(a, b)


class ContextParts:
    """What the context features of any rows are assembled from: per-document means and sizes, and
    per unit its stage-1 scores, sequence cues, first-person shift and region flags (about 18 floats a unit; the
    features themselves are about 80). Every value is computed as :func:`context_features` always
    did, only at the time its rows are asked for."""

    def __init__(self, P: np.ndarray, docs: Sequence[str], texts: Sequence[str], window: int = 2,
                 outside: np.ndarray | None = None):
        self.P = P
        self.offsets = [o for o in range(-window, window + 1) if o != 0]
        slices = _doc_slices(docs)
        self.starts = np.array([sl.start for sl in slices], dtype=np.int64)
        self.sizes = np.array([sl.stop - sl.start for sl in slices], dtype=np.int64)
        flags = register_flags(texts)
        self.doc_mean = np.array([P[sl].mean(axis=0) for sl in slices]).reshape(len(slices), P.shape[1])
        self.style = np.array([flags[sl].mean(axis=0) for sl in slices]).reshape(len(slices), flags.shape[1])
        self.voice = first_person_shift(flags[:, FIRST_PERSON], docs)
        del flags
        self.sequence = sequence_cues(texts, docs)
        self.outside, self.nearby = region_parts(len(P), slices, outside)

    def rows(self, a: int, b: int) -> np.ndarray:
        """The context features of units ``a`` to ``b``."""
        P = self.P[a:b]
        logP = np.log(np.clip(P, 1e-4, 1.0))
        blocks = [logP]
        index = np.arange(a, b)
        doc = np.searchsorted(self.starts, index, side="right") - 1
        start, size = self.starts[doc], self.sizes[doc]
        for offset in self.offsets:
            src = index + offset
            inside = (src >= start) & (src < start + size)
            shifted = np.zeros_like(logP)
            shifted[inside] = np.log(np.clip(self.P[src[inside]], 1e-4, 1.0))
            blocks += [shifted, (~inside).astype(float)[:, None]]
        doc_mean, style, voice = self.doc_mean[doc], self.style[doc], self.voice[a:b]
        k = index - start
        position = np.column_stack([k / np.maximum(size - 1, 1), np.log1p(size), (k == 0).astype(float)])
        # The document's mix modulates the unit's own scores: in an analysis piece a
        # borderline general statement is the writer's view, in an explainer it is background.
        style_x = np.hstack([P * style[:, [j]] for j in range(style.shape[1])])
        blocks += [doc_mean, logP * doc_mean, P * doc_mean, style, style_x, position, self.sequence[a:b],
                   voice, P * voice, region_columns(P, self.outside[a:b], self.nearby[a:b])]
        return np.hstack(blocks)
