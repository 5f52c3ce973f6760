"""Who each claim rests on: the source ledger of an annotated document.

For every ``attributed_claim`` unit (and every ``sourced_fact`` unit that cites a
record), find the span of text the claim rests on and sort it into one of five
source types:

========================  =====================================================
``person``                a named person, or "he"/"she" standing for one
``organisation``          a company, body or institution, named or referred to
                          ("Veltrix Holdings", "the company", "police")
``document``              a record or text: "filings", "the memo", "a study"
``outlet``                another news outlet: "the Daily Courant reported"
``anonymous``             nobody the reader can identify: "sources said",
                          "people familiar with the matter", "insiders",
                          "critics", "reportedly", "is seen as", "it is understood"
========================  =====================================================

with the reporting verb ("said", "according to", "show") and whether the unit
carries a direct quote. Per document, :func:`build_ledger` counts the claims by
source type, the share resting on anonymous sources, and the named sources with
how many claims each carries.

How, without a parser: the default pipeline is ``spacy.blank("en")``, so there
are tokens but no tags. The rules read capitalisation (runs of capitalised words
are names; titles such as "Dr." or "Finance Minister" are stripped), word lists
(organisation suffixes such as "Holdings" or "Ministry", outlet words such as
"Gazette", document nouns, unnamed groups, role nouns) and punctuation (commas
around appositives, quotation marks). A reporting cue (a verb of saying from
``lexicons/reporting.txt``, "according to", a record verb such as "show", or an
anonymous frame such as "reportedly") is linked to the mention that is its
subject: the first mention of its clause, or the one after it when the verb
comes first (``"...," said Maria Ortiz``), or the name inside an appositive
(``the manufacturer, Ostrava Pharma, said``). A quotation with no cue of its own
rests on the person named in the unit before it (or, failing that, after it).
"The company", "the ministry", "he" and "it" are resolved to the organisation or
person named earlier in the document.

A trained spaCy pipeline with an ``ner`` component (``--spacy-model``) can type
the names instead of the suffix lists: PERSON and ORG entities override the
guess for the capitalised runs they cover. It is never required.

Measured on ``tests/fixtures/sources.jsonl`` by ``benchmarks/sources.py``; the
figures are in ``docs/sources.md``.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from functools import lru_cache
from typing import TYPE_CHECKING

from .ledger_words import (  # the word lists
    ORG_SUFFIXES,
    OUTLET_WORDS,
    OUTLET_NAMES,
    DOCUMENT_NAME_SUFFIXES,
    TITLES,
    DOCUMENT_NOUNS,
    DEFERRING_NOUNS,
    ORG_NOUNS,
    GROUP_NOUNS,
    ROLE_NOUNS,
    SPOKES_NOUNS,
    OUTLET_DESCRIPTORS,
    ORG_DESCRIPTORS,
    PERSON_DESCRIPTORS,
    _MULTIWORD_CUES,
    _RIGHT_CUES,
    _MULTIWORD_FIRST,
    _SKIP_BEFORE_VERB,
    _BE,
    _PASSIVE_TOLD,
    _ANON_POSTMODIFIERS,
    _ANON_HEADS,
    _ANON_ADVERBS,
    _PERCEPTION,
    _IMPERSONAL,
    _RELATIVES,
    _DETERMINERS,
    _AGENT_SUFFIXES,
    _NOT_AGENTS,
    _CLAUSE_BREAKS,
    _QUOTE_CHARS,
    _OPENING,
    _CLOSING,
    _MONTHS_DAYS,
    _PREPOSITIONS,
    _ASKED_NOT_SAID,
    _POSSESSIVES,
    _NAME_PARTICLES,
    _FUNCTION_CAPS,
    _NEWS_REPORTS,
    _BODY_PLURALS,
    _GENERIC_BUSINESS,
    _words,
    _stop_words,
    _cue_verbs,
)

if TYPE_CHECKING:
    from spacy.language import Language

SOURCE_TYPES = ("person", "organisation", "document", "outlet", "anonymous")
#: The ledger's bucket for an attributed claim whose source the rules could not find.
UNKNOWN = "unknown"
CLAIM_LABEL = "attributed_claim"
RECORD_LABEL = "sourced_fact"


# ---------------------------------------------------------------------------
# Results


@dataclass
class Source:
    """What one claim rests on.

    ``unit`` is the index of the unit whose text holds the span (the claim's own
    unit, or its neighbour when a bare quotation follows its speaker); ``start``
    and ``end`` are character offsets into that unit's text.
    """

    text: str
    type: str
    unit: int
    start: int
    end: int
    verb: str | None
    quote: bool
    name: str | None = None  # who the span stands for: "Maria Ortiz" for "she", a company for "the company"

    def to_dict(self, unit_offsets: list[int] | None = None) -> dict:
        """A JSON-ready dict; with ``unit_offsets`` the offsets become offsets into the document."""
        d = asdict(self)
        if unit_offsets is not None:
            d["start"] += unit_offsets[self.unit]
            d["end"] += unit_offsets[self.unit]
        return d


@dataclass
class Ledger:
    """Per document: how many claims rest on each type of source, and on whom."""

    claims: int
    counts: dict[str, int]
    anonymous_share: float
    named: list[dict] = field(default_factory=list)  # [{"name", "type", "claims"}], most claims first

    def to_dict(self) -> dict:
        return asdict(self)


def build_ledger(sources: list[list[Source]], labels: list[str]) -> Ledger:
    """Count the claims of one document by the type of their first source.

    A claim is an ``attributed_claim`` unit, or a ``sourced_fact`` unit whose
    source was found (a record it cites). An attributed claim whose source was
    not found counts as ``unknown``; the anonymous share is over all claims.
    """
    counts = {t: 0 for t in (*SOURCE_TYPES, UNKNOWN)}
    named: dict[tuple[str, str], int] = {}
    claims = 0
    for found, label in zip(sources, labels):
        if label != CLAIM_LABEL and not found:
            continue
        claims += 1
        if not found:
            counts[UNKNOWN] += 1
            continue
        counts[found[0].type] += 1
        for key in {(s.name, s.type) for s in found if s.name and s.type in ("person", "organisation", "outlet")}:
            named[key] = named.get(key, 0) + 1
    share = round(counts["anonymous"] / claims, 4) if claims else 0.0
    rows = [{"name": n, "type": t, "claims": c} for (n, t), c in sorted(named.items(), key=lambda kv: (-kv[1], kv[0]))]
    return Ledger(claims, counts, share, rows)


# ---------------------------------------------------------------------------
# Finding sources


@dataclass(slots=True)
class _Tok:
    text: str
    lower: str
    idx: int  # character offset in the unit
    quoted: bool
    initial: bool  # first word of the sentence (its capital says nothing)
    ent: str = ""  # entity label from a trained pipeline, if any
    cap: bool = False  # starts with a capital letter


@dataclass
class _Mention:
    start: int  # token indices, end exclusive
    end: int
    kind: str  # name | noun | anon | pronoun
    type: str
    head: str = ""
    name: str | None = None
    modifier: bool = False  # a name that only describes the next one ("Tallyfield analyst Bo Strand")
    defers: bool = False  # a noun that points at a named owner after a preposition


@dataclass
class _Memory:
    """Names met so far in the document, for surnames, "the company" and "she"."""

    canonical: dict[str, tuple[str, str]] = field(default_factory=dict)  # token or full name -> (name, type)
    order: list[tuple[str, str]] = field(default_factory=list)  # (name, type) in order of mention
    last_source_org: str | None = None
    last_source_type: str | None = None
    descriptors: dict[str, str] = field(default_factory=dict)  # "agency" -> "Public Health Serrat"

    def add(self, name: str, type_: str) -> None:
        self.canonical.setdefault(name, (name, type_))
        parts = name.split()
        if type_ == "person" and len(parts) > 1:
            for p in (parts[0], parts[-1]):
                self.canonical.setdefault(p, (name, type_))
        elif type_ in ("organisation", "outlet") and len(parts) > 1:
            self.canonical.setdefault(parts[0], (name, type_))
            if parts[-1].lower() not in ORG_SUFFIXES | OUTLET_WORDS:
                self.canonical.setdefault(parts[-1], (name, type_))
            elif type_ == "outlet":
                self.canonical.setdefault(parts[-1], (name, type_))
        self.order.append((name, type_))

    def lookup(self, name: str) -> tuple[str, str] | None:
        return self.canonical.get(name)

    def last(self, type_: str) -> str | None:
        for name, t in reversed(self.order):
            if t == type_:
                return name
        return None


def _tokens(doc, quoted: bool = False) -> tuple[list[_Tok], bool]:
    """The unit's tokens, marked inside or outside quotation marks, and whether a quotation is still open.

    ``quoted`` says whether the unit starts inside a quotation opened in an earlier
    unit (a quote running over several sentences).
    """
    toks: list[_Tok] = []
    sentence_start = True
    ents = {}
    for ent in getattr(doc, "ents", ()):
        for t in ent:
            ents[t.i] = ent.label_
    for t in doc:
        text = t.text
        if text in _QUOTE_CHARS:
            if text in _OPENING:
                quoted = True
            elif text in _CLOSING:
                quoted = False
            else:
                quoted = not quoted
            toks.append(_Tok(text, text, t.idx, False, False))
            continue
        is_word = t.is_alpha or t.is_digit or (not t.is_punct and any(c.isalnum() for c in text))
        toks.append(_Tok(text, t.lower_, t.idx, quoted, sentence_start and is_word, ents.get(t.i, "") if ents else "",
                         text[:1].isupper()))
        if is_word:
            sentence_start = False
        elif text in (".", "!", "?", ":", "|", "-", "\u2022", "#"):
            sentence_start = True
    return toks, quoted


#: Word tokens the way spaCy's English tokenizer cuts news text, for the default (no NER) path: it is
#: several times faster, and the rules need no more. Abbreviations with their period ("Dr.", "J."),
#: numbers, words with inner apostrophes ("O'Neill"), the possessive "'s", and any other symbol alone.
_TOKEN = re.compile(r"(?:Dr|Mr|Mrs|Ms|Prof|St|Rev|Gen|Col|Lt|Sgt|Jr|Sr|Inc|Ltd|Co|Corp|No|vs|etc|approx|est|pct)\.(?=\s|$)"
                    r"|[A-Z]\.(?=\s*[A-Z])"
                    r"|\d+(?:[.,:]\d+)*"
                    r"|[^\W\d_]+(?:['\u2019][^\W\d_]+)*(?<!['\u2019])(?=['\u2019]s\b)"
                    r"|['\u2019]s\b"
                    r"|[^\W_]+(?:['\u2019][^\W\d_]+)?"
                    r"|[^\w\s]")
_SENTENCE_END = frozenset((".", "!", "?", ":", "|", "-", "\u2022", "#"))


def _tokens_fast(text: str, quoted: bool = False) -> tuple[list[_Tok], bool]:
    """:func:`_tokens` over :data:`_TOKEN`'s tokens instead of a spaCy Doc (same marks)."""
    toks: list[_Tok] = []
    sentence_start = True
    append = toks.append
    for m in _TOKEN.finditer(text):
        tok = m.group()
        if tok in _QUOTE_CHARS:
            if tok in _OPENING:
                quoted = True
            elif tok in _CLOSING:
                quoted = False
            else:
                quoted = not quoted
            append(_Tok(tok, tok, m.start(), False, False))
            continue
        first = tok[0]
        is_word = first.isalnum() or (len(tok) > 1 and tok[1].isalnum())
        append(_Tok(tok, tok.lower(), m.start(), quoted, sentence_start and is_word, "", first.isupper()))
        if is_word:
            sentence_start = False
        elif tok in _SENTENCE_END:
            sentence_start = True
    return toks, quoted


_WORD = re.compile(r"[a-z]+")
_NAMEISH = re.compile(r"[A-Z]|\b[Ss]?he\b")


def _quote_state(text: str, quoted: bool) -> bool:
    """Whether a quotation is open after ``text``, given whether one was open before it."""
    for c in text:
        if c in _QUOTE_CHARS:
            quoted = True if c in _OPENING else False if c in _CLOSING else not quoted
    return quoted


def _is_cap(tok: _Tok) -> bool:
    return tok.cap and not tok.quoted


def _name_runs(toks: list[_Tok]) -> list[tuple[int, int]]:
    """Spans of capitalised words that may be names, with connectors such as "of" and "&"."""
    stop = _stop_words()
    runs = []
    i, n = 0, len(toks)
    while i < n:
        tok = toks[i]
        if not _is_cap(tok) or tok.lower in _MONTHS_DAYS or (tok.lower in stop and tok.lower not in ("us",)) \
                or tok.lower == "according":
            i += 1
            continue
        j = i + 1
        while j < n:
            nxt = toks[j]
            if _is_cap(nxt) and nxt.lower not in _MONTHS_DAYS and not (nxt.lower in _FUNCTION_CAPS and nxt.text != "US"):
                j += 1
                continue
            run_words = {toks[k].lower for k in range(i, j)}
            glued = nxt.idx == toks[j - 1].idx + len(toks[j - 1].text)  # "Workers' Union", not "Pell's"
            hyphen = nxt.text == "-" and glued and j + 1 < n and toks[j + 1].idx == nxt.idx + 1
            joiner = nxt.text == "&" or hyphen or (nxt.text in ("'", "\u2019") and glued)
            if joiner and j + 1 < n and _is_cap(toks[j + 1]):
                j += 2
                continue
            if nxt.lower in _NAME_PARTICLES and j + 1 < n and _is_cap(toks[j + 1]):
                j += 2
                continue
            if nxt.lower in ("of", "at", "for") and run_words & (ORG_SUFFIXES | OUTLET_WORDS):
                k = j + 1
                if k < n and toks[k].lower == "the":
                    k += 1
                if k < n and _is_cap(toks[k]) and toks[k].lower not in stop:
                    end = k
                    while end < n and _is_cap(toks[end]) and toks[end].lower not in stop:
                        end += 1
                    right = {toks[m].lower for m in range(k, end)}
                    if nxt.lower in ("of", "for") or right & ORG_SUFFIXES:
                        j = end
                        continue
            break
        runs.append((i, j))
        i = j
    return runs


def _strip_title(toks: list[_Tok], start: int, end: int) -> int:
    """Skip titles at the front of a name: "Detective Inspector Gwen Harlow" starts at "Gwen"."""
    last_title = -1
    for k in range(start, end):
        if toks[k].lower in TITLES or toks[k].lower.rstrip(".") in TITLES:
            last_title = k
    rest_words = {toks[k].lower for k in range(last_title + 1, end)}
    if rest_words & (ORG_SUFFIXES | OUTLET_WORDS):
        return start
    if last_title >= 0 and last_title + 1 < end:
        rest = end - (last_title + 1)
        if rest <= 4:
            return last_title + 1
    return start


def nxt_is_clause(toks: list[_Tok], i: int) -> bool:
    """Whether the word after ``i`` opens a clause or an object ("that", "the", a pronoun, a name)."""
    if i + 1 >= len(toks):
        return False
    nxt = toks[i + 1]
    return nxt.lower in ("that", "the", "a", "an", "it", "he", "she", "they", "its", "their", "his", "her", "we") \
        or (_is_cap(nxt) and not nxt.initial)


@lru_cache(maxsize=None)
def _nounish() -> frozenset:
    """Every word the common-noun pass below looks at, for a quick skip of all the others."""
    return (DOCUMENT_NOUNS | ORG_NOUNS | GROUP_NOUNS | ROLE_NOUNS | SPOKES_NOUNS | TITLES | PERSON_DESCRIPTORS
            | _cue_verbs() | _words("he she it they one some many two three several most none old"))


@lru_cache(maxsize=1 << 16)
def _is_agent_noun(low: str) -> bool:
    """Whether a lower-case word looks like a noun for people: "birdwatchers", "receptionist", "survivors"."""
    return (low.isalpha() and len(low) > 5 and low.endswith(_AGENT_SUFFIXES) and low not in _NOT_AGENTS
            and low not in _stop_words())


@lru_cache(maxsize=None)
def _vocab() -> frozenset:
    return (_stop_words() | GROUP_NOUNS | ORG_NOUNS | DOCUMENT_NOUNS | ROLE_NOUNS | TITLES | PERSON_DESCRIPTORS
            | ORG_DESCRIPTORS | _cue_verbs())


def _span_text(text: str, toks: list[_Tok], start: int, end: int) -> tuple[str, int, int]:
    a = toks[start].idx
    b = toks[end - 1].idx + len(toks[end - 1].text)
    return text[a:b], a, b


def _type_name(toks: list[_Tok], start: int, end: int, memory: _Memory, text: str) -> tuple[str, str]:
    """(type, canonical name) of a name run."""
    name = _span_text(text, toks, start, end)[0]
    words = [toks[k].lower for k in range(start, end)]
    ents = {toks[k].ent for k in range(start, end)} - {""}
    if "PERSON" in ents:
        known = memory.lookup(name)
        return "person", known[0] if known and known[1] == "person" else name
    if ents & {"ORG", "NORP", "FAC"}:
        return ("outlet" if set(words) & OUTLET_WORDS else "organisation"), name
    known = memory.lookup(name)
    if known:
        return known[1], known[0]
    if (set(words) & OUTLET_WORDS and not set(words) & {"university", "ministry", "department"}) \
            or (len(words) == 1 and words[0] in OUTLET_NAMES):
        return "outlet", name
    if words[-1] in DOCUMENT_NAME_SUFFIXES and len(words) > 1:
        return "document", name
    if set(words) & ORG_SUFFIXES or "&" in words:
        return "organisation", name
    if len(words) == 1:
        for w in (toks[start].text,):
            known = memory.lookup(w)
            if known:
                return known[1], known[0]
    # what the words around it say it is
    before = [toks[k].lower for k in range(max(0, start - 3), start) if not toks[k].quoted]
    if len(before) >= 2 and before[-1] == ",":
        before = before[:-1]  # "The broadcaster, NTV,", "The bus company, Metroline North,": the name's appositive
    if before:
        if before[-1] in OUTLET_DESCRIPTORS or before[-2:] in (["review", "site"], ["news", "site"], ["news", "agency"]):
            return "outlet", name
        known_as = len(before) >= 3 and before[-2:] == ["known", "as"] and before[-3] in ORG_DESCRIPTORS
        if before[-1] in ORG_DESCRIPTORS or known_as:
            return "organisation", name
        if before[-1] in PERSON_DESCRIPTORS:
            return "person", name
    appos = _appositive_head(toks, end)
    if appos:
        if appos in OUTLET_DESCRIPTORS:
            return "outlet", name
        if appos in ORG_DESCRIPTORS or appos in ORG_NOUNS:
            return "organisation", name
        if appos in PERSON_DESCRIPTORS or appos in TITLES:
            return "person", name
    return ("person" if len(words) >= 2 and not name.isupper() else "organisation"), name


def _appositive_head(toks: list[_Tok], end: int) -> str | None:
    """The last word of ", the chip designer," right after a name, if there is one."""
    if end + 1 >= len(toks) or toks[end].text != "," or toks[end + 1].lower not in ("the", "a", "an"):
        return None
    k = end + 2
    while k < len(toks) and toks[k].text not in (",", ".", ";") and k - end < 8:
        k += 1
    if k < len(toks) and toks[k].text == "," and k > end + 2:
        return toks[k - 1].lower
    return None


def _noun_start(toks: list[_Tok], head: int, floor: int = 0) -> int:
    """Where the noun phrase ending at ``head`` starts: back over modifiers, not over determiners."""
    stop = _stop_words()
    cues = _cue_verbs()
    k = head
    while k - 1 >= floor:
        prev = toks[k - 1]
        if prev.quoted or prev.text in _QUOTE_CHARS:
            break
        if prev.text in ("'s", "\u2019s", "'", "\u2019"):
            if k - 2 >= floor and any(c.isalpha() for c in toks[k - 2].text) and toks[k - 2].lower not in stop:
                k -= 2
                continue
            break
        if not any(c.isalpha() for c in prev.text) or (prev.lower in stop and prev.lower not in _NP_STOPWORDS) \
                or prev.lower in _DETERMINERS:
            break
        if prev.lower in cues or prev.lower in _MONTHS_DAYS or prev.lower in _BE:
            break
        k -= 1
    return k


def _mentions(toks: list[_Tok], text: str, memory: _Memory, light: bool = False) -> list[_Mention]:
    """Every span in the unit that could be a source, in reading order.

    ``light``: only names and "he"/"she" (a unit that is no claim: what later units may refer to).
    """
    vocab = _vocab()
    mentions: list[_Mention] = []
    taken = [False] * len(toks)
    cue_words = _cue_verbs()

    # Anonymous frames first: "people familiar with the matter", "reportedly", "is seen as".
    n = len(toks)
    for i, tok in enumerate(toks if not light else ()):
        if tok.quoted:
            continue
        low = tok.lower
        if low in _ANON_ADVERBS:
            mentions.append(_Mention(i, i + 1, "anon", "anonymous", low))
            taken[i] = True
        elif low in _ANON_HEADS:
            for post in _ANON_POSTMODIFIERS:
                if tuple(t.lower for t in toks[i + 1:i + 1 + len(post)]) == post:
                    end = i + 1 + len(post)
                    while end < n and not toks[end].quoted and any(c.isalnum() for c in toks[end].text) \
                            and toks[end].lower not in cue_words and toks[end].lower not in _RELATIVES \
                            and toks[end].lower not in _BE and toks[end].lower not in ("and", "but"):
                        end += 1
                    start = _noun_start(toks, i)
                    mentions.append(_Mention(start, end, "anon", "anonymous", low))
                    for k in range(start, end):
                        taken[k] = True
                    break
        elif low in _BE and i + 1 < n:
            k = i + 1
            if toks[k].lower in ("widely", "generally", "often", "also", "being", "increasingly", "largely"):
                k += 1
            if k + 1 < n and toks[k].lower in _PERCEPTION and toks[k + 1].lower == "as":
                mentions.append(_Mention(i, k + 2, "anon", "anonymous", toks[k].lower))
                for m in range(i, k + 2):
                    taken[m] = True
            elif k + 1 < n and toks[k].lower in _IMPERSONAL and toks[k + 1].lower == "to" and low != "'s":
                mentions.append(_Mention(i, k + 2, "anon", "anonymous", toks[k].lower))
                for m in range(i, k + 2):
                    taken[m] = True
            elif i > 0 and toks[i - 1].lower == "it" and toks[k].lower in _IMPERSONAL and \
                    (k + 1 >= n or toks[k + 1].lower in ("that", ",") or not toks[k + 1].lower.isalpha()):
                mentions.append(_Mention(i - 1, k + 1, "anon", "anonymous", toks[k].lower))
                for m in range(i - 1, k + 1):
                    taken[m] = True

    # Names: runs of capitalised words.
    runs = []
    for start, end in _name_runs(toks):
        if any(taken[k] for k in range(start, end)):
            continue
        start = _strip_title(toks, start, end)
        words = [toks[k].lower for k in range(start, end)]
        if toks[start].initial and end - start == 1:
            w = toks[start]
            nxt = toks[end] if end < n else None
            known = memory.lookup(w.text) is not None or w.ent in ("PERSON", "ORG")
            plural_people = _is_agent_noun(w.lower) and w.lower.endswith("s")  # "Survivors told"
            looks_named = w.lower not in vocab and not plural_people and nxt is not None and (
                nxt.text in ("'s", "\u2019s") or nxt.lower in cue_words or nxt.lower in _SKIP_BEFORE_VERB
                or nxt.lower in ("did", "does", "do", "is", "was", "has") or _appositive_head(toks, end) is not None)
            if not (known or looks_named):
                continue
        agent_noun = end - start >= 3 and words[0].endswith(("er", "or", "ist", "ian", "ant", "man", "woman"))
        if toks[start].initial and (words[0] in vocab or agent_noun) and end - start >= 2 \
                and not memory.lookup(toks[start].text):
            # "Union official Rosa Pell": a sentence-initial common word glued to a name by capitals
            if words[0] not in ORG_SUFFIXES and words[0] not in OUTLET_WORDS:
                start += 1
                start = _strip_title(toks, start, end)
        type_, name = _type_name(toks, start, end, memory, text)
        runs.append(_Mention(start, end, "name", type_, words[-1], name))
    # A name that only describes the next one: "Reuter & Lamb analyst Sven Ek", "Brisa chief executive Lotte Dahl".
    for a, b in zip(runs, runs[1:]):
        between = [toks[k].lower for k in range(a.end, b.start)]
        if b.type == "person" and 1 <= len(between) <= 4 and all(w.isalpha() or "-" in w for w in between) and (
                between[-1] in PERSON_DESCRIPTORS or between[-1] in ROLE_NOUNS or between[-1] in TITLES):
            a.modifier = True
    for m in runs:
        if m.end < n and toks[m.end].text in ("'s", "\u2019s", "'"):
            m.modifier = True
        for k in range(m.start, m.end):
            taken[k] = True
        mentions.append(m)

    # Common nouns: documents, institutions, unnamed groups, roles; pronouns.
    for i, tok in enumerate(toks):
        if taken[i] or tok.quoted:
            continue
        low = tok.lower
        if light:
            if low in ("he", "she"):
                mentions.append(_Mention(i, i + 1, "pronoun", "person", low))
            continue
        if low not in _nounish() and not (len(low) > 5 and low.endswith(_AGENT_SUFFIXES)):
            continue  # most words: nothing below applies
        if low in ("he", "she") or (low == "it" and not (i + 1 < n and toks[i + 1].lower in _BE)):
            mentions.append(_Mention(i, i + 1, "pronoun", "person" if low != "it" else "organisation", low))
            continue
        if low == "they":
            kind_of = memory.last_source_type if memory.last_source_type in ("organisation", "anonymous") else "anonymous"
            mentions.append(_Mention(i, i + 1, "pronoun", kind_of, low))
            continue
        kind = None
        agent = False
        nxt = toks[i + 1] if i + 1 < n else None
        if low in ("one", "some", "many", "two", "three", "several", "most", "none") and nxt is not None \
                and nxt.lower == "of":
            # "one of them", "one of her aides": a part of an unnamed group
            k = i + 2
            while k < n and k - i <= 5 and toks[k].lower in _DETERMINERS | _words("them those us"):
                k += 1
            if k < n and toks[k - 1].lower in ("them", "those"):
                end = k
            elif k < n and (toks[k].lower in GROUP_NOUNS | ROLE_NOUNS or _is_agent_noun(toks[k].lower)):
                end = k + 1
            else:
                end = 0
            if end:
                mentions.append(_Mention(i, end, "anon", "anonymous", "one"))
                for k in range(i, end):
                    taken[k] = True
                continue
        if (low in TITLES or low in PERSON_DESCRIPTORS) and low not in ROLE_NOUNS and i > 0 \
                and toks[i - 1].lower in ("its", "their", "his", "her") and not (nxt is not None and nxt.text == ","):
            mentions.append(_Mention(i - 1, i + 1, "noun", "anonymous", low))  # "its chair said"
            taken[i - 1] = taken[i] = True
            continue
        if low == "old" and i >= 4 and [t.text for t in toks[i - 3:i]] == ["-", "year", "-"] and toks[i - 4].text.isdigit():
            mentions.append(_Mention(i - 4, i + 1, "noun", "person", "year-old"))
            continue
        if (low in TITLES or low in PERSON_DESCRIPTORS) and low not in ROLE_NOUNS and i > 0 \
                and toks[_noun_start(toks, i) - 1 if _noun_start(toks, i) > 0 else 0].lower == "the" \
                and not (i + 1 < n and (_is_cap(toks[i + 1]) or toks[i + 1].text in (",", *_POSSESSIVES))):
            start = _noun_start(toks, i)
            if not {toks[k].lower for k in range(start, i)} & (ORG_NOUNS | ORG_DESCRIPTORS):
                mentions.append(_Mention(start, i + 1, "noun", "person", low))  # "the minister said"
                for k in range(start, i + 1):
                    taken[k] = True
                continue
        if low in cue_words and nxt_is_clause(toks, i):
            continue  # "... Marine Lab report that octopuses ...": a verb, not a noun
        if low in DOCUMENT_NOUNS:
            kind = "document"
        elif low in SPOKES_NOUNS:
            kind = "spokes"
        elif low in ORG_NOUNS:
            kind = "organisation"
        elif low in GROUP_NOUNS or low in ROLE_NOUNS:
            kind = "anonymous"
        elif _is_agent_noun(low) and low not in cue_words and not (_is_cap(tok) and not tok.initial) \
                and not (tok.initial and not low.endswith("s")) \
                and not (nxt is not None and nxt.lower.isalpha() and nxt.lower not in _stop_words()
                         and nxt.lower not in cue_words and nxt.lower not in _SKIP_BEFORE_VERB):
            kind = "anonymous"  # an unnamed person or group: "birdwatchers", "one receptionist" (a bare
            agent = True        # singular at the start of a sentence is a name: "Vantor rejected")
        if kind is None:
            continue
        # a possessor is not the head: "parliament's record", "Farmers' groups"
        if nxt is not None and nxt.text in ("'s", "\u2019s", "'", "\u2019") and i + 2 < n and toks[i + 2].lower.isalpha():
            continue
        # a descriptor glued to a name ("research firm Tallyfield", "committee chair Rhiannon Toft") is no mention
        k = i + 1
        while k < n and k - i <= 3 and toks[k].lower in (PERSON_DESCRIPTORS | ROLE_NOUNS | TITLES | ORG_DESCRIPTORS):
            k += 1
        if k < n and _is_cap(toks[k]) and not toks[k].initial and any(m.start == k for m in runs):
            continue
        # a noun that is part of a longer noun ("the data centre", "record profits") is no head
        if nxt is not None and nxt.lower.isalpha() and nxt.lower not in _stop_words() and nxt.lower not in cue_words \
                and nxt.lower not in _SKIP_BEFORE_VERB and nxt.lower not in _BE and not nxt.quoted \
                and (nxt.lower in DOCUMENT_NOUNS | ORG_NOUNS | GROUP_NOUNS | ROLE_NOUNS or _is_agent_noun(nxt.lower)):
            continue
        start = _noun_start(toks, i)
        # do not swallow a name run that is a source of its own ("Kelland fisheries ministry" is fine)
        end = i + 1
        # "the foreign ministry of Belavia"
        if kind == "organisation" and end + 1 < n and toks[end].lower == "of" and _is_cap(toks[end + 1]):
            k = end + 1
            while k < n and _is_cap(toks[k]):
                k += 1
            end = k
        type_ = kind
        name = None
        defers = low in DEFERRING_NOUNS or kind == "spokes"
        if kind == "spokes":
            type_ = "organisation"
        elif kind == "anonymous" and (low in GROUP_NOUNS | ROLE_NOUNS or agent):
            defers = True
        if kind == "anonymous" and low in _BODY_PLURALS and start > 0 and toks[start - 1].lower == "the":
            type_ = "organisation"  # "the researchers said": the body named before
        if kind == "organisation" and low.endswith("s") and low not in ("authorities", "police", "prosecutors") \
                and not (start > 0 and toks[start - 1].lower in ("the", "both", "two", "three", "its", "their")):
            type_ = "anonymous"  # "unions said", "local unions still call it": no body in particular
        mentions.append(_Mention(start, end, "noun", type_, low, name, defers=defers))
        for k in range(start, end):
            taken[k] = True
    mentions.sort(key=lambda m: m.start)
    # drop name runs swallowed by a noun phrase ("Hollin engineers")
    keep = []
    for m in mentions:
        if m.kind == "name" and any(o is not m and o.kind in ("noun", "anon") and o.start <= m.start and m.end <= o.end
                                    for o in mentions):
            continue
        keep.append(m)
    return keep


@dataclass
class _Cue:
    start: int
    end: int
    verb: str
    direction: str  # left | right | self | passive
    mention: _Mention | None = None


def _cues(toks: list[_Tok], mentions: list[_Mention]) -> list[_Cue]:
    cues: list[_Cue] = []
    words = _cue_verbs()
    n = len(toks)
    anon_by_start = {m.start: m for m in mentions if m.kind == "anon" and m.head in _ANON_ADVERBS | _PERCEPTION | _IMPERSONAL
                     and m.head not in _ANON_HEADS}
    i = 0
    while i < n:
        tok = toks[i]
        if tok.quoted:
            i += 1
            continue
        if i in anon_by_start:
            m = anon_by_start[i]
            verb = m.head
            cues.append(_Cue(m.start, m.end, verb, "self", m))
            i = m.end
            continue
        matched = False
        for phrase in (_MULTIWORD_CUES if tok.lower in _MULTIWORD_FIRST else ()):
            if tuple(t.lower for t in toks[i:i + len(phrase)]) == phrase:
                size = 1 if phrase[0] == "per" else len(phrase)  # "per a report": the article belongs to the source
                verb = " ".join(t.text for t in toks[i:i + size]).lower()
                cues.append(_Cue(i, i + size, verb, "right" if phrase[0] in _RIGHT_CUES else "left"))
                i += size
                matched = True
                break
        if matched:
            continue
        if tok.lower in words and not (tok.cap and not tok.initial):
            k = i - 1
            while k >= 0 and toks[k].lower in ("widely", "also", "not", "never", "often", "largely"):
                k -= 1
            if k >= 0 and toks[k].lower in _BE and not tok.quoted:
                # "staff were told in an email", "the lake has been declared dead by the water authority"
                cues.append(_Cue(i, i + 1, tok.lower, "passive"))
                i += 1
                continue
            if tok.lower in ("asked", "asks") and i + 1 < n and toks[i + 1].lower in _ASKED_NOT_SAID:
                i += 1  # "who asked not to be named", "asked about the plan"
                continue
            if tok.lower in ("accused", "alleged", "suspected") and i + 1 < n and toks[i + 1].lower in ("of", "to"):
                i += 1  # "a nurse accused of falsifying records": a participle, not the claim's verb
                continue
            if tok.lower == "agreed" and i + 1 < n and toks[i + 1].lower == "to":
                i += 1  # "agreed to buy"
                continue
            if k >= 0 and toks[k].lower in ("to",) and tok.lower not in ("comment",):
                i += 1  # "would like to say", "expected to show"
                continue
            cues.append(_Cue(i, i + 1, tok.lower, "left"))
        i += 1
    return cues


def _clause_start(toks: list[_Tok], end: int) -> int:
    """The first token of the clause that ends before ``end`` (after a comma, quote, "that"...)."""
    k = end
    while k - 1 >= 0:
        t = toks[k - 1]
        if t.text in _QUOTE_CHARS or t.quoted:
            break
        if t.lower in _CLAUSE_BREAKS and not (t.lower == "that" and k - 2 >= 0 and toks[k - 2].lower in _PREPOSITIONS):
            break
        if t.text in (".", "!", "?"):
            break
        k -= 1
    return k


def _clause_end(toks: list[_Tok], start: int) -> int:
    k = start
    while k < len(toks):
        t = toks[k]
        if t.text in (",", ";", ".", "!", "?", ":", "(", ")") or t.text in _QUOTE_CHARS or t.quoted or t.lower == "that":
            break
        k += 1
    return k


_DEFER_PREPOSITIONS = {"spokes": ("for", "at", "of", "from"), "data": ("from", "by", "of", "at"),
                       "people": ("at", "from", "with")}


def _defer_class(m: _Mention) -> str:
    if m.head in SPOKES_NOUNS:
        return "spokes"
    if m.head in DEFERRING_NOUNS:
        return "data"
    return "people"


def _adverbial(toks: list[_Tok], m: _Mention) -> bool:
    """Whether a mention is inside "in a statement", "in an email": how it was said, not who said it."""
    k = m.start - 1
    if k >= 0 and toks[k].lower in ("a", "an", "the", "its", "his", "her", "their"):
        k -= 1
    return k >= 0 and toks[k].lower == "in" and m.type == "document"


def _pick(toks: list[_Tok], mentions: list[_Mention], start: int, end: int,
          prefer_name: bool = False) -> _Mention | None:
    """The mention that heads the span [start, end): the first one, or the named owner it defers to."""
    inside = [m for m in mentions if m.start >= start and m.end <= end and not m.modifier
              and not _adverbial(toks, m)]
    if not inside:
        return None
    if prefer_name:
        for m in inside:
            if m.kind == "name":
                return m
    first = inside[0]
    if (first.defers or first.head in _NEWS_REPORTS) and first.end < len(toks):
        at = first.end
        if toks[at].lower.endswith("ed") and at + 1 < len(toks):
            at += 1  # "data compiled by Pellmann Research"
        prep = toks[at].lower
        allowed = _DEFER_PREPOSITIONS.get(_defer_class(first), ()) if first.defers else ()
        for m in inside[1:]:
            if first.head in _NEWS_REPORTS and prep in ("by", "in", "from") and m.kind == "name" and m.type == "outlet" \
                    and m.start - first.end <= 3:
                return m  # "a report by the Finance Wire": a news report is its outlet's word
            if prep in allowed and m.kind == "name" and m.start - first.end <= 5 and (
                    m.type in ("organisation", "outlet", "document") or first.head in SPOKES_NOUNS):
                return m
    after = [t.lower for t in toks[first.end:first.end + 2]]
    if first.kind == "noun" and (after == ["known", "as"] or after[:1] in (["called"], ["named"])):
        for m in inside[1:]:
            if m.kind == "name" and m.start - first.end <= 3:
                return m  # "a criminal group known as Black Moth"
    if first.kind == "noun" and first.head in ROLE_NOUNS | PERSON_DESCRIPTORS and first.type == "anonymous":
        for m in inside[1:]:
            if m.kind == "name" and m.type == "person" and m.start - first.end <= 3 and all(
                    t.lower.isalpha() for t in toks[first.end:m.start]):
                return m
    if first.kind == "pronoun" and first.head == "it" and len(inside) > 1:
        return inside[1]
    return first


def _link(toks: list[_Tok], mentions: list[_Mention], cue: _Cue) -> _Mention | None:
    n = len(toks)
    if cue.direction == "self":
        return cue.mention
    if cue.direction == "right":
        end = _clause_end(toks, cue.end)
        found = _pick(toks, mentions, cue.end, end)
        if found is not None and found.kind == "noun" and end + 1 < n and toks[end].text == "," \
                and found.end == end:
            named = [m for m in mentions if m.start == end + 1 and m.kind == "name" and found.type != "document"
                     and (m.end >= n or toks[m.end].text in (",", ".", ";", ")"))]
            if named:
                return named[0]  # "according to the owner, Velo Nord"
        return found
    if cue.direction == "passive":
        end = _clause_end(toks, cue.end)
        for m in mentions:
            by_agent = m.start > 0 and (toks[m.start - 1].lower == "by" or (
                m.start > 1 and toks[m.start - 1].lower in _DETERMINERS and toks[m.start - 2].lower == "by"))
            if cue.end <= m.start and m.end <= end and (by_agent or (m.type == "document" and cue.verb in _PASSIVE_TOLD)):
                return m
        return None
    # left: the subject before the verb, unless '..., says planner Eric Roberge' names it after the verb
    before_verb = toks[cue.start - 1] if cue.start > 0 else None
    two_back = toks[cue.start - 2] if cue.start >= 2 else None
    after_quote = before_verb is not None and (before_verb.quoted or before_verb.text in _QUOTE_CHARS or (
        before_verb.text == "," and two_back is not None and (two_back.quoted or two_back.text in _QUOTE_CHARS)))
    after_comma = before_verb is not None and before_verb.text == ","
    if after_comma and cue.verb.endswith("ing"):
        # "She would not give a date, saying the plans were not final": the main verb's subject
        first = _sentence_start(toks, cue.start)
        return _pick(toks, mentions, first, _clause_end(toks, first))
    if (after_quote or after_comma) and cue.verb in _INVERTING_VERBS:
        after = [m for m in mentions if cue.end <= m.start <= cue.end + 4 and not m.modifier
                 and m.kind in ("name", "noun", "anon") and m.end <= _clause_end(toks, cue.end)]
        if after and (after_quote or (after[0].kind == "name" and after[0].type == "person")) \
                and _subject_after_verb(toks, cue.end, after[0]):
            # '"...," said Tomas Brenk', "... the best year since 2009, said Joan Pell, head of research at .."
            m = after[0]
            if m.kind != "name" and m.end + 1 < n and toks[m.end].text == ",":
                named = [x for x in mentions if x.start == m.end + 1 and x.kind == "name" and x.type == "person"]
                if named:
                    return named[0]  # "said the centre's director, Ingrid Solheim"
            return m
    j = cue.start
    while j - 1 >= 0 and toks[j - 1].lower in _SKIP_BEFORE_VERB and not toks[j - 1].quoted:
        j -= 1
    if j - 1 >= 0 and toks[j - 1].lower in _RELATIVES and not toks[j - 1].quoted:
        # "a study from the University of Marlow, which reported"; "Ardent, the identity company, which says"
        k = j - 1
        if k - 1 >= 0 and toks[k - 1].text == ",":
            seg = _prev_comma(toks, k - 1)
            if seg > 0 and toks[seg - 1].text == "," and toks[seg].lower in _DETERMINERS:
                return _before_comma(toks, mentions, k, cue)  # an appositive before "which"
            k -= 1
        return _pick(toks, mentions, _clause_start(toks, k), k)
    if j - 1 >= 0 and toks[j - 1].text == ",":
        return _before_comma(toks, mentions, j, cue)
    if j - 1 >= 0 and toks[j - 1].text in _DASHES:
        opening = next((k for k in range(j - 2, -1, -1) if toks[k].text in _DASHES), None)
        if opening is not None:
            found = _pick(toks, mentions, _clause_start(toks, opening), opening)
            if found is not None:
                return found  # the subject before the parenthesis
    start = _clause_start(toks, j)
    found = _pick(toks, mentions, start, j)
    if found is not None:
        return found
    if start == j and start > 0 and toks[start - 1].lower in ("and", "but"):
        # "Walsh supports the bans but calls the figures wishful": the subject of the first verb
        return _pick(toks, mentions, _clause_start(toks, start - 1), start - 1)
    if start == j:
        return _inverted(toks, mentions, cue)
    return None


def _sentence_start(toks: list[_Tok], end: int) -> int:
    """The first token of the sentence (or quotation-free stretch) that ``end`` is in."""
    k = end
    while k - 1 >= 0 and toks[k - 1].text not in (".", "!", "?", ";", ":") and toks[k - 1].text not in _QUOTE_CHARS \
            and not toks[k - 1].quoted:
        k -= 1
    return k


def _prev_comma(toks: list[_Tok], end: int) -> int:
    """The index after the last unquoted comma (or sentence start) before ``end``."""
    k = end
    while k - 1 >= 0 and not (toks[k - 1].text == "," and not toks[k - 1].quoted) \
            and toks[k - 1].text not in (".", "!", "?", ";", ":") and toks[k - 1].text not in _QUOTE_CHARS \
            and not toks[k - 1].quoted:
        k -= 1
    return k


def _before_comma(toks: list[_Tok], mentions: list[_Mention], j: int, cue: _Cue) -> _Mention | None:
    """The subject of a verb right after a comma: "Maria Ortiz, the agency's director, said",
    "the manufacturer, Ostrava Pharma, said", "The rebels, for their part, insist"."""
    seg_end = j - 1
    seg_start = _prev_comma(toks, seg_end)
    in_seg = [m for m in mentions if m.start >= seg_start and m.end <= seg_end and not m.modifier]
    first = toks[seg_start] if seg_start < seg_end else None
    if first is not None and not (first.lower in _DETERMINERS or _is_cap(first) or first.lower in TITLES
                                  or first.lower in PERSON_DESCRIPTORS or first.lower in ROLE_NOUNS):
        # a participle or clause, not a noun phrase (", published in Green Chemistry Letters,"), unless it
        # names someone after a descriptor (", backbencher Tom Ashworth,")
        in_seg = [m for m in in_seg if m.kind == "name" and m.type == "person" and m.start - seg_start <= 3
                  and all(t.lower.isalpha() and not _is_cap(t) and t.lower not in _stop_words()
                          for t in toks[seg_start:m.start])]
    named = [m for m in in_seg if m.kind == "name"]
    before_end = seg_start - 1 if seg_start - 1 >= 0 and toks[seg_start - 1].text == "," else seg_start
    before = _pick(toks, mentions, _prev_comma(toks, before_end), before_end) if before_end < seg_start else None
    if before is not None and before.kind == "name" and before.type == "person":
        return before  # "Ana Ruiz, chief executive of Quorvex Labs, said", "Senator Tom Hale, 64, said"
    if named:
        return named[0]
    if before is not None:
        return before
    if in_seg:
        return in_seg[0]
    return _inverted(toks, mentions, cue, any_verb=False)  # "It is crucial ..., says planner Eric Roberge."


def _inverted(toks: list[_Tok], mentions: list[_Mention], cue: _Cue, any_verb: bool = True) -> _Mention | None:
    """The subject after its verb: '"...," said Tomas Brenk, the manager', '... , says planner Eric Roberge'."""
    n = len(toks)
    if not any_verb and cue.verb not in _INVERTING_VERBS:
        return None
    end = _clause_end(toks, cue.end)
    found = _pick(toks, mentions, cue.end, end)
    if (found is None or found.kind != "name") and end < n and toks[end].text == ",":
        nxt = _pick(toks, mentions, end + 1, _clause_end(toks, end + 1), prefer_name=True)
        if nxt is not None and nxt.kind == "name":
            return nxt  # "said its secretary, Jo Fenner"
    if found is not None and not any_verb and not _subject_after_verb(toks, cue.end, found):
        return None
    return found


#: Verbs that put their speaker after them: '"...," said Maria Ortiz', '..., says planner Eric Roberge'.
_INVERTING_VERBS = _words("""said says say added adds wrote writes explained explains noted notes recalled recalls
    remembers remembered warned warns argued argues insisted insists asked asks replied replies continued continues
    admitted admits cautioned cautions confirmed confirms stressed stresses observed observes joked jokes quipped
    laughed laughs concluded concludes suggested suggests predicted predicts declared declares""")
#: Stop words that still belong to a noun phrase: "a former nurse".
_NP_STOPWORDS = _words("former")
_DASHES = frozenset({"-", "\u2014", "\u2013", "--"})
_NOT_BETWEEN = _BE | _words("has have had will would could can may might should must did does do")


def _subject_after_verb(toks: list[_Tok], verb_end: int, m: _Mention) -> bool:
    """Whether the mention after a verb is its subject ('..., says planner Eric Roberge.'), not its object."""
    between = toks[verb_end:m.start]
    if any(t.lower in _NOT_BETWEEN or t.lower in _cue_verbs() or not t.lower.isalpha() or _is_cap(t)
           or (t.lower in _stop_words() and t.lower not in _DETERMINERS) for t in between):
        return False  # "wrote in a blog post", "say the zone has ...": an object or a clause, not the speaker
    nxt = toks[m.end] if m.end < len(toks) else None
    return nxt is None or nxt.text in (",", ".", ";", "!", "?", "(", ":") or nxt.text in _QUOTE_CHARS \
        or nxt.lower in ("of", "at", "from", "for", "with", "who", "in")


def _main_attribution(toks: list[_Tok], mentions: list[_Mention], record_only: bool) -> tuple[_Cue, _Mention] | None:
    """The cue and source the unit's claim rests on.

    One per unit: a closing attribution (", the company said." or ", according to
    X.") governs the whole sentence; otherwise the first cue that finds a source
    does, and cues inside what it reports ("said she did not recall") are its content.
    """
    found = []
    for cue in _cues(toks, mentions):
        m = _link(toks, mentions, cue)
        if m is not None and (not record_only or m.type == "document"):
            found.append((cue, m))
    if not found:
        return None
    cue, m = found[-1]
    trailing = [t for t in toks[cue.end:] if any(c.isalnum() for c in t.text) or t.text == ","]
    if len(found) > 1 and cue.direction == "left" and m.start > 0 and toks[m.start - 1].text == "," and m.end <= cue.start \
            and len(trailing) <= 6 and not any(t.text == "," or t.quoted for t in trailing):
        return cue, m  # "The results showed a drop, the manufacturer, Ostrava Pharma, said."
    commas = [k for k, t in enumerate(toks) if t.text == "," and not t.quoted]
    if commas:
        last = commas[-1]
        after = [(cue, m) for cue, m in found if cue.start > last]
        if after and after[0][1].start > last:
            return after[0]
    return found[0]


def _has_quote(toks: list[_Tok]) -> bool:
    return any(t.quoted and any(c.isalnum() for c in t.text) for t in toks)


def _speaker_before_colon(text: str, toks: list[_Tok], mentions: list[_Mention], unit: int,
                          memory: _Memory) -> Source | None:
    """The speaker of 'The mayor was blunt: "We are out of money."' (a person before a colon and a quote)."""
    colon = next((k for k, t in enumerate(toks) if t.text == ":" and not t.quoted), None)
    if colon is None or not any(t.quoted for t in toks[colon:]):
        return None
    people = [m for m in mentions if m.end <= colon and m.type == "person" and not m.modifier]
    if not people:
        return None
    m = people[0]
    span, a, b = _span_text(text, toks, m.start, m.end)
    return Source(span, "person", unit, a, b, None, True, _resolve(m, text, memory))


def _only_quote(toks: list[_Tok]) -> bool:
    words = [t for t in toks if any(c.isalnum() for c in t.text)]
    return bool(words) and all(t.quoted for t in words)


def _resolve(m: _Mention, text: str, memory: _Memory) -> str | None:
    """Who a mention stands for, from the names met so far."""
    if m.kind == "name":
        return m.name
    if m.kind == "pronoun":
        if m.head == "they":
            return memory.last_source_org if m.type == "organisation" else None
        return memory.last("person") if m.head != "it" else (memory.last_source_org or memory.last("organisation"))
    if m.type == "organisation":
        if m.head in _GENERIC_BUSINESS:
            return memory.last_source_org or memory.last("organisation")
        if m.head in memory.descriptors:
            return memory.descriptors[m.head]
        for name, t in reversed(memory.order):
            if t == "organisation" and m.head in name.lower().split():
                return name
        if m.head in SPOKES_NOUNS:
            return memory.last_source_org
    return None


class SourceFinder:
    """Finds the sources of a document's units; holds the tokenizer (or trained pipeline).

    ``nlp`` is any spaCy pipeline; when it has an ``ner`` component, its PERSON
    and ORG entities type the names. Without one (the default), only its
    tokenizer is used.
    """

    def __init__(self, nlp: "Language | None" = None):
        if nlp is None:
            import spacy

            nlp = spacy.blank("en")
        self.nlp = nlp
        self.uses_ner = "ner" in nlp.pipe_names or "entity_ruler" in nlp.pipe_names

    def _unit_tokens(self, texts: list[str], labels: list[str], paragraph_starts: list[bool] | None):
        """Each unit's tokens (quotation state carried across units), and whether it ends inside a quotation.

        Only claims need all their tokens; of the other units the ledger needs the
        names (what later units may call "Ortiz" or "she"), so a unit with no capital
        after its first letter and no "he"/"she" is not tokenized, and page
        furniture (boilerplate) not at all: the ledger must cost little in annotate.
        """
        if self.uses_ner:
            keep = [name for name in self.nlp.pipe_names if name in ("ner", "entity_ruler", "tok2vec", "transformer")]
            disable = [name for name in self.nlp.pipe_names if name not in keep]
            docs = self.nlp.pipe(texts, disable=disable)
        else:
            docs = texts
        tokenize = _tokens if self.uses_ner else _tokens_fast
        inside = False
        for k, (doc, text, label) in enumerate(zip(docs, texts, labels)):
            if paragraph_starts is not None and paragraph_starts[k]:
                inside = False
            if label == "boilerplate":
                yield [], False, False
                continue
            if label == RECORD_LABEL and _cue_verbs().isdisjoint(_WORD.findall(text.lower())) \
                    and "according" not in text and "per" not in text:
                label = "light"  # a fact with no verb of saying or showing cites no record
            if label not in (CLAIM_LABEL, RECORD_LABEL) and not _NAMEISH.search(text, 1):
                inside = _quote_state(text, inside)
                yield [], False, False
                continue
            toks, inside = tokenize(doc, inside)
            yield toks, inside and any(t.quoted for t in toks), label in (CLAIM_LABEL, RECORD_LABEL)

    def find(self, texts: list[str], labels: list[str], paragraph_starts: list[bool] | None = None) -> list[list[Source]]:
        """For each unit, its sources (empty for units that are not claims or cite nothing).

        ``paragraph_starts`` marks the units that begin a paragraph: a quotation
        left open at the end of a paragraph is closed there (a quote that runs on
        reopens with a new quotation mark).
        """
        memory = _Memory()
        per_unit_toks = []
        runs_on = []  # the unit ends inside a quotation that the next unit closes
        full = []  # units worth a full reading (claims, facts with a verb of saying or showing)
        for toks, open_at_end, needed in self._unit_tokens(texts, labels, paragraph_starts):
            per_unit_toks.append(toks)
            runs_on.append(open_at_end)
            full.append(needed)
        per_unit_mentions: list[list[_Mention]] = []
        out: list[list[Source]] = []
        bare_quotes: list[int] = []  # quoted claims with no attribution of their own
        for i, (text, label, toks) in enumerate(zip(texts, labels, per_unit_toks)):
            wanted = full[i]
            mentions = _mentions(toks, text, memory, light=not wanted)
            per_unit_mentions.append(mentions)
            found: list[Source] = []
            quote = _has_quote(toks) if label == CLAIM_LABEL else False
            if wanted:
                best = _main_attribution(toks, mentions, record_only=label == RECORD_LABEL)
                if best is not None:
                    cue, m = best
                    span, a, b = _span_text(text, toks, m.start, m.end)
                    type_ = m.type
                    if m.kind == "pronoun" and m.head == "it" and memory.last_source_type == "document":
                        type_ = "document"  # "The paper says ... It reports that ..."
                    found.append(Source(span, type_, i, a, b, cue.verb, quote, _resolve(m, text, memory)))
                if not found and label == CLAIM_LABEL and quote:
                    colon = _speaker_before_colon(text, toks, mentions, i, memory)
                    if colon is not None:
                        found.append(colon)
                    else:
                        bare_quotes.append(i)
            out.append(found)
            # remember the names of this unit (after linking, so "she" cannot point forwards)
            for m in mentions:
                if m.kind == "name" and not memory.lookup(m.name or ""):
                    memory.add(m.name or "", m.type)
                elif m.kind == "name" and m.name:
                    memory.order.append(memory.lookup(m.name))
                appos = _appositive_head(toks, m.end) if m.kind == "name" else None
                if appos and m.type == "organisation" and m.name:
                    memory.descriptors.setdefault(appos, m.name)
            for s in found:
                if s.type == "organisation" and s.name:
                    memory.last_source_org = s.name
                if s.type != "person":
                    memory.last_source_type = s.type
        # a bare quotation rests on the speaker of the quotation it belongs to (a quote may run over
        # several units), else on the person named just before it, else just after it
        for i in bare_quotes:
            first, last = i, i
            while first > 0 and runs_on[first - 1]:
                first -= 1
            while last + 1 < len(texts) and runs_on[last]:
                last += 1
            own = [out[k][0] for k in sorted(range(first, last + 1), key=lambda k: (abs(k - i), k))
                   if out[k] and out[k][0].unit == k and out[k][0].verb is not None
                   and out[k][0].type in ("person", "organisation", "anonymous")]
            speaker = own[0] if own else None
            if speaker is None:
                speaker = self._speaker_in(first - 1, texts, per_unit_toks, per_unit_mentions, last=True, out=out)
            if speaker is None:
                nxt = out[last + 1][0] if last + 1 < len(out) and out[last + 1] else None
                if nxt is not None and nxt.unit == last + 1 and nxt.verb is not None and nxt.type == "person":
                    speaker = nxt  # '"I thought it was a cold." That is how Mira Jansen remembers it.'
            if speaker is not None:
                out[i].append(Source(speaker.text, speaker.type, speaker.unit, speaker.start, speaker.end, None, True,
                                     speaker.name))
        return out

    def _speaker_in(self, j: int, texts, toks_list, mentions_list, last: bool,
                    out: list[list[Source]] | None = None) -> Source | None:
        """Who speaks in unit ``j``: its own source if it is a person, else its last (or first) person named."""
        if j < 0 or j >= len(texts):
            return None
        if out is not None and j < len(out) and out[j] and out[j][0].unit == j and out[j][0].type == "person":
            return out[j][0]
        people = [m for m in mentions_list[j] if (m.kind == "name" and m.type == "person" and not m.modifier)
                  or (m.kind == "pronoun" and m.head in ("he", "she"))]
        if not people:
            return None
        m = people[-1] if last else people[0]
        span, a, b = _span_text(texts[j], toks_list[j], m.start, m.end)
        return Source(span, "person", j, a, b, None, True, m.name)


def load_ner_pipeline(name: str) -> "Language | None":
    """A trained pipeline cut down to what names entities (``ner`` or ``entity_ruler``), or None if it has none.

    The segmentation pipeline keeps only the sentence splitter of a trained
    pipeline, so the ledger loads its own copy with the entity recogniser.
    """
    import spacy

    try:
        nlp = spacy.load(name)
    except OSError as exc:
        raise ValueError(f"spaCy pipeline {name!r} is not installed (pip install it, or leave out --spacy-model)") from exc
    if not {"ner", "entity_ruler"} & set(nlp.pipe_names):
        return None
    return nlp


def find_sources(texts: list[str], labels: list[str], nlp: "Language | None" = None) -> list[list[Source]]:
    """One-off convenience: the sources of each unit of one document (see :class:`SourceFinder`)."""
    return SourceFinder(nlp).find(texts, labels)


def ledger_for(finder: SourceFinder, texts: list[str], starts: list[int], labels: list[str],
               document: str | None = None) -> tuple[list[list[dict]], dict]:
    """What annotate adds to a document: each unit's sources as dicts, and the ledger.

    ``starts`` are the units' offsets in ``document``, so the sources' ``start``
    and ``end`` point into the document text like the sentences' own offsets (and
    a line break between two units tells where a paragraph starts).
    """
    paragraphs = None
    if document is not None:
        paragraphs = [k == 0 or "\n" in document[starts[k - 1] + len(texts[k - 1]):starts[k]] for k in range(len(texts))]
    found = finder.find(texts, labels, paragraphs)
    per_unit = [[s.to_dict(starts) for s in unit] for unit in found]
    return per_unit, build_ledger(found, labels).to_dict()
