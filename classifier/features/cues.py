"""Cue features and n-gram analyzers of a unit of text (plain Python, no scikit-learn).

Cue features count lexicon entries from ``classifier/lexicons/`` (hedges,
reporting verbs, record frames, evaluative words, page furniture, imperatives)
and read the shape of the line (quotes, numbers, dates, money, URLs, pipes,
markdown markers, length, case).

Hedges and evaluative words are counted separately inside and outside quotation
marks: "could" inside a quote is the speaker's hedge (an attributed claim),
outside it is the writer's (speculation).
"""

from __future__ import annotations

import math
import re
from functools import lru_cache
from importlib import resources

LEXICONS = ("hedges", "reporting", "records", "evaluative", "boilerplate", "imperatives", "subjective", "valence",
            "boosters")


@lru_cache(maxsize=None)
def load_lexicon(name: str) -> tuple[str, ...]:
    """Entries of ``lexicons/<name>.txt`` (one per line, ``#`` starts a comment)."""
    text = resources.files("classifier.features").joinpath("lexicons", f"{name}.txt").read_text(encoding="utf-8")
    entries = [line.strip().lower() for line in text.splitlines()]
    return tuple(e for e in entries if e and not e.startswith("#"))


_TOKEN = re.compile(r"[a-z0-9]+(?:['\u2019-][a-z0-9]+)*")


@lru_cache(maxsize=None)
def _phrase_tables():
    """Lexicon entries as lookups: single words, and phrases keyed by their token tuple."""
    singles: dict[str, list[int]] = {}
    phrases: dict[tuple[str, ...], list[int]] = {}
    for k, name in enumerate(LEXICONS):
        for entry in load_lexicon(name):
            toks = tuple(_TOKEN.findall(entry))
            if len(toks) == 1:
                singles.setdefault(toks[0], []).append(k)
            elif toks:
                phrases.setdefault(toks, []).append(k)
    starts = frozenset(p[0] for p in phrases)
    return singles, phrases, starts


@lru_cache(maxsize=None)
def _phrase_openings() -> frozenset:
    """The first two tokens of every phrase: a phrase can only start where they stand."""
    return frozenset(p[:2] for p in _phrase_tables()[1])


def lexicon_counts(tokens: list[str]) -> list[int]:
    """How many entries of each lexicon (in LEXICONS order) occur in lower-case ``tokens``."""
    singles, phrases, starts = _phrase_tables()
    counts = [0] * len(LEXICONS)
    for tok in filter(singles.__contains__, tokens):  # the loop runs over the hits only
        for k in singles[tok]:
            counts[k] += 1
    if not starts.isdisjoint(tokens):
        openings = _phrase_openings()
        n = len(tokens)
        for i, tok in enumerate(tokens):
            if tok in starts and tuple(tokens[i:i + 2]) in openings:
                # Only whole slices: near the end a shorter slice repeats the last one, and a phrase
                # there used to be counted up to three times ("in theory" as three hedges).
                for size in (2, 3, 4):
                    if i + size <= n:
                        for k in phrases.get(tuple(tokens[i:i + size]), ()):
                            counts[k] += 1
    return counts


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens (contractions and hyphenated words kept whole)."""
    return _TOKEN.findall(text.lower())


_QUOTED = re.compile(r"\"[^\"]*\"?|\u201c[^\u201d]*\u201d?|(?<!\w)\u2018[^\u2019]*\u2019(?!\w)|\u00ab[^\u00bb]*\u00bb?")
_MONTH_MAY = re.compile(r"(?<!^)\bMay\b|\bMay(?= \d)")
_NUMBER = re.compile(r"\d+(?:[.,]\d+)*")
_PERCENT = re.compile(r"\d\s?(?:%|per ?cent|pct)")
_MONEY = re.compile(r"[$\u00a3\u20ac\u00a5]\s?\d|\d\s?(?:million|billion|trillion|bn|mln|m\b)")
_YEAR = re.compile(r"\b(?:19|20)\d\d\b")
_TIME = re.compile(r"\b\d{1,2}[:.]\d\d\s?(?:[ap]\.?m|GMT|UTC|ET|EST|EDT|BST)|\b\d{1,2}\s?[ap]\.m\.")
_TICKER = re.compile(r"\b[A-Z]{1,5}\.[A-Z]{1,2}\b|\([A-Z]{2,6}:[A-Z.]{1,6}\)|[+-]\d+(?:\.\d+)?%")
_DIGIT = re.compile(r"\d")
#: The verbs of saying: the single words of ``lexicons/reporting.txt`` (the one list; phrases such as
#: "according to" are matched from the same file by :func:`lexicon_counts`).
_FRAME_NOUNS = frozenset("statement spokesman spokeswoman spokesperson memo sources insiders officials analysts executives "
                         "interview reportedly allegedly".split())
SAYING_VERBS = frozenset(e for e in load_lexicon("reporting") if " " not in e) - _FRAME_NOUNS
_SAYING = "|".join(sorted(SAYING_VERBS, key=len, reverse=True))
_SAID_END = re.compile(r"(?:,|\u201d|\")\s*(?:[\w.'\u2019-]+\s){0,6}(?:" + _SAYING + r"|asked|according to)\b[^.!?]*[.!?]?[\"\u201d]?$",
                       re.I)
# A person or group as the subject of a verb of saying or advising: "Sabatier suggests",
# "experts say", "she warned" (attribution), unlike "the data suggest" or "this suggests".
# Not verbs of saying, but what a named speaker does in a sentence that passes on their view.
_ADVISING_VERBS = frozenset("""suggest suggests suggested recommend recommends recommended encourage encourages
    encouraged urge urges urged advise advises advised believe believes believed think thinks thought predict
    predicts predicted expect expects expected call calls called""".split())
_SPEAKER_VERBS = SAYING_VERBS | _ADVISING_VERBS
_SPEAKER_VERB = re.compile(
    r"\b(?:[A-Z][a-z]+|[Ee]xperts?|[Aa]nalysts?|[Rr]esearchers?|[Oo]fficials?|[Ee]conomists?|[Dd]octors?|"
    r"[Ss]cientists?|[Cc]ritics?|[Ss]pokes(?:man|woman|person)|[Hh]e|[Ss]he|[Tt]hey)\s+"
    r"(?:" + "|".join(sorted(_SPEAKER_VERBS)) + r")\b")
_CAPWORD = re.compile(r"\b[A-Z][A-Za-z'\u2019-]*")
_MARKUP_START = re.compile(r"^\s*(?:#{1,6}\s|[-*+\u2022]\s|\d+[.)]\s|>\s|\||---|\*\*)")

# Closed word classes, matched as lower-case tokens.
#: The writer's own voice: "I", "we", "my", "our"... (the one definition; the document context
#: counts first-person units with it too). "US" the country is not "us".
FIRST_PERSON = re.compile(r"(?<![\w'\u2019])(?:I|I'[a-z]+|I\u2019[a-z]+|[Ww]e|[Ww]e'[a-z]+|[Ww]e\u2019[a-z]+|[Oo]ur|[Oo]urs|"
                          r"[Uu]s|[Mm]y|[Mm]e|[Mm]yself|[Oo]urselves)(?![\w'\u2019])")
_SECOND_PERSON = frozenset("you your you're you'll yourself yourselves".split())
_FUTURE = frozenset("will won't shall going plans plan aims poised set expected".split())
_CONDITIONAL = frozenset("if unless whether provided".split())
_COMPARATIVE = frozenset("more most less least better best worse worst bigger biggest greater greatest".split())
_STRONG_MODAL = frozenset("could might may would should must ought".split())
_DATE_WORDS = frozenset("""monday tuesday wednesday thursday friday saturday sunday yesterday today tomorrow
    january february march april june july august september october november december jan feb mar apr jun jul
    aug sep sept oct nov dec""".split())
_HEDGE_STARTS = frozenset("could might may perhaps possibly probably likely maybe if should would arguably "
                          "presumably unless whether".split())
_QUOTE_MARKS = "\"\u201c\u201d\u00ab\u00bb"
_QUOTE_CHAR = re.compile("[" + _QUOTE_MARKS + "]")
_ANY_QUOTE = re.compile("[" + _QUOTE_MARKS + "\u2018]")  # what _quote_split looks for
_URL_MARKS = ("http://", "https://", "www.", ".com", "](")


# Word classes counted outside quotes, in one pass over the tokens (order = the cue columns).
_DEONTIC = frozenset("must should ought shouldn't mustn't".split())
_OUT_CLASSES = (_STRONG_MODAL, _SECOND_PERSON, _FUTURE, _CONDITIONAL, _COMPARATIVE, _DEONTIC)
_CLASS_OF: dict[str, tuple[int, ...]] = {}
for _k, _words in enumerate(_OUT_CLASSES):
    for _w in _words:
        _CLASS_OF[_w] = _CLASS_OF.get(_w, ()) + (_k,)


def _class_counts(tokens: list[str]) -> list[int]:
    counts = [0] * len(_OUT_CLASSES)
    for tok in filter(_CLASS_OF.__contains__, tokens):
        for k in _CLASS_OF[tok]:
            counts[k] += 1
    return counts


@lru_cache(maxsize=None)
def _imperatives() -> frozenset:
    return frozenset(load_lexicon("imperatives"))


def _quote_split(text: str) -> tuple[str, str]:
    """(text outside quotation marks, text inside them)."""
    if not _ANY_QUOTE.search(text):
        return text, ""
    inside = " ".join(m.group(0) for m in _QUOTED.finditer(text))
    outside = _QUOTED.sub(" ", text)
    return outside, inside


# A transcript's or Q&A's speaker label: "HARRIET COLE, council leader: ...", "Operator: ...".
_SPEAKER_PREFIX = re.compile(r"^\s*[A-Z][\w.'\u2019-]*(?: [A-Z][\w.'\u2019-]*){0,4}(?:\s*\([^)]{1,40}\))?(?:,[^:]{1,60})?:\s+\S")


#: The cue columns, in the order :func:`cue_vector` returns them; address them by name through :data:`CUE`.
CUE_NAMES = (
    "hedge_out", "hedge_in_quote", "modal_out", "starts_with_hedge", "reporting", "said_at_end",
    "according_to", "record_frame", "evaluative_out", "evaluative_in_quote", "boilerplate_words",
    "imperative_start", "quote_chars", "quoted_share", "starts_with_quote", "ends_with_quote",
    "first_person", "second_person", "future", "conditional", "comparative", "question",
    "exclamation", "ends_with_punct", "ends_with_colon", "numbers", "percent", "money", "year",
    "date_words", "clock_time", "url", "ticker", "pipes", "slashes_bullets", "markup_start",
    "log_words", "log_chars", "short", "title_case_share", "upper_share", "digit_share", "has_comma",
    "speaker_verb", "speaker_prefix",
    # round 8: judgement in plain statements, and where the verb of saying sits
    "subjective_out", "valence_out", "booster_out", "deontic_out", "superlative_out", "saying_main",
    "saying_side", "hedge_under_saying", "writer_opinion", "judging_copula",
)
CUE = {name: i for i, name in enumerate(CUE_NAMES)}

# Words before a verb of saying that put it in a side clause: "the report that officials cited".
_SIDE_CLAUSE = frozenset("that which who whom whose what if whether as when because after before how where while "
                         "once until since".split())
_WRITER = frozenset("i we".split())


def _saying_clauses(tokens: list[str]) -> tuple[int, int]:
    """(verbs of saying in a main clause, in a side clause), outside quotes.

    Without a parser: a verb of saying counts as a side clause when a subordinator
    or relative pronoun stands in the three words before it ("the memo that officials
    cited"), and not at all right after "I" or "we" (the writer is no source).
    """
    main = side = 0
    if SAYING_VERBS.isdisjoint(tokens) and "according" not in tokens:
        return 0, 0
    for i, tok in enumerate(tokens):
        if tok not in SAYING_VERBS and not (tok == "according" and tokens[i + 1:i + 2] == ["to"]):
            continue
        before = tokens[max(0, i - 3):i]
        if before and before[-1] in _WRITER:
            continue
        if _SIDE_CLAUSE.intersection(before):
            side += 1
        else:
            main += 1
    return main, side


_SUPERLATIVES = frozenset("best worst most least".split())
# The writer's own stance: "I think", "we believe", "in my view", "to my mind".
_OPINION = re.compile(r"\b(?:I|[Ww]e)\s+(?:(?:do|really|firmly|strongly|still)\s+)?(?:think|believe|feel|suspect|doubt|"
                      r"hope|fear|reckon|would argue|am convinced|are convinced)\b|\b(?:[Ii]n|[Tt]o) (?:my|our) (?:view|mind|"
                      r"opinion|eyes)\b|\b[Ii]f you ask me\b")
# A plain judgement: "X is a failure", "this was a disgrace", "it is the best ...": a copula
# followed closely by an evaluative, subjective or strongly valenced word.
_COPULA = frozenset("is are was were be been being isn't aren't wasn't weren't remains remain seems seem looks".split())


def _judging_copula(tokens: list[str], judging: frozenset) -> float:
    if _COPULA.isdisjoint(tokens) or judging.isdisjoint(tokens):
        return 0.0
    for i, tok in enumerate(tokens):
        if tok in _COPULA:
            for nxt in tokens[i + 1:i + 5]:
                if nxt in judging:
                    return 1.0
    return 0.0


@lru_cache(maxsize=None)
def _judging_words() -> frozenset:
    return frozenset(w for name in ("evaluative", "subjective", "valence") for w in load_lexicon(name) if " " not in w)


def cue_vector(text: str) -> list[float]:
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
    n_quote_chars = len(_QUOTE_CHAR.findall(stripped))
    return [
        hedges,
        hedges_in,
        modal,
        1.0 if first in _HEDGE_STARTS and not stripped.startswith("May ") else 0.0,
        reporting,
        1.0 if ((said_main or said_side or "asked" in tokens) and ("," in stripped or '"' in stripped
                                                                  or "\u201d" in stripped)
                and _SAID_END.search(stripped)) else 0.0,
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
        len(_PERCENT.findall(lower)) if has_digit and ("%" in lower or "per" in lower or "pct" in lower) else 0,
        len(_MONEY.findall(lower)) if has_digit else 0,
        len(_YEAR.findall(stripped)) if has_digit and ("19" in stripped or "20" in stripped) else 0,
        0 if _DATE_WORDS.isdisjoint(tokens) else sum(map(_DATE_WORDS.__contains__, tokens)),
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
        (0 if _SUPERLATIVES.isdisjoint(out_tokens) else sum(map(_SUPERLATIVES.__contains__, out_tokens)))
        + (len([t for t in out_tokens if t.endswith("est") and len(t) > 5]) if "est" in lower else 0),
        said_main,
        said_side,
        1.0 if said_main and (hedges or modal) else 0.0,
        1.0 if first_person and _OPINION.search(outside) else 0.0,
        _judging_copula(out_tokens, _judging_words()),
    ]


_OWN_ATTRIBUTION = tuple(CUE[n] for n in ("reporting", "said_at_end", "according_to", "quote_chars", "speaker_verb",
                                          "speaker_prefix"))


def has_own_attribution(text: str) -> bool:
    """Whether a unit carries an attribution marker of its own (a reporting verb,
    "according to", quote marks, a speaker with a verb of saying, a transcript's
    "SPEAKER, role:" prefix)."""
    cues = cue_vector(text)
    return any(cues[i] for i in _OWN_ATTRIBUTION)


_WORD_TOKEN = re.compile(r"[a-z0-9]+(?:['\u2019.-][a-z0-9]+)*|[\"\u201c\u201d?!:|#>%$\u00a3\u20ac]")


def word_ngrams(text: str) -> list[str]:
    """Lower-case word unigrams and bigrams, with quote marks and markup kept as tokens."""
    toks = _WORD_TOKEN.findall(text.lower())
    return toks + [f"{a} {b}" for a, b in zip(toks, toks[1:])]


def char_ngrams(text: str, sizes: tuple[int, ...] = (3, 4, 5)) -> list[str]:
    """Character n-grams inside each word padded with spaces (like scikit-learn's char_wb)."""
    grams: list[str] = []
    for word in text.lower().split():
        padded = f" {word} "
        m = len(padded)
        for n in sizes:
            if m < n:
                break
            grams.extend([padded[i:i + n] for i in range(m - n + 1)])
    return grams
