"""Why each unit got its label: the model's own arithmetic, taken apart.

Both stages of the model are multinomial logistic regressions, so the log-odds
of a unit's label L over the runner-up R (the label with the second-highest
probability) is a plain sum::

    logit_L - logit_R = (intercept_L - intercept_R) + sum_f  x_f * (coef_fL - coef_fR)

Each term ``x_f * (coef_fL - coef_fR)`` is what feature f did to the decision:
positive pushed the unit towards L and away from R. This module computes those
terms from the compiled model's numbers (:class:`~classifier.model.compiled.CompiledModel`,
so it works from an installed wheel) and gives them readable names:

* the **sentence stage** (words and cues): an n-gram as it appears in the text
  (its TF-IDF value times the coefficient difference), a cue in plain words
  ("reporting verb: said", "modal: could", "no hedge"). Cues are standardised,
  so a cue contributes relative to an average unit: an *absent* reporting verb
  pushes away from ``attributed_claim``.
* the **context stage** (the unit's neighbours, the document, the quote state):
  the columns of :func:`~classifier.features.context.context_features`, grouped
  into reasons such as "inside a quote opened two units earlier" or "page
  furniture region".

The two stages have separate sums: the sentence stage's terms add up to the
sentence model's log-odds of L over R, the context stage's to the final
log-odds (``log p_L - log p_R`` of the probabilities ``annotate`` reports).
``tests/test_explain.py`` checks both sums against the model's probabilities.
The context stage reads the sentence stage's *probabilities* (a softmax, not a
sum), so one stage's weights are not on the other's scale; each reason says
which stage it belongs to.

:func:`explain_units` computes the probabilities and the explanations in one
pass over the features (the same arithmetic as ``CompiledModel.predict_proba``,
checked by the tests), so ``annotate --explain`` does not classify twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .features import cues
from .features.context import SEQUENCE_NAMES, context_features, split_units
from .features.region import unit_outside

#: Reasons shown per unit by default: sentence-stage terms, and context-stage reasons.
TOP_SENTENCE = 4
TOP_CONTEXT = 2
#: A context reason is shown only when it moved the final log-odds at least this much.
MIN_CONTEXT_WEIGHT = 0.1

_LABEL_WORDS = {"sourced_fact": "sourced fact", "attributed_claim": "attributed claim",
                "speculation": "speculation", "boilerplate": "boilerplate"}
_REGION_WORDS = {"boilerplate": "page furniture region", "attributed_claim": "run of attributed claims",
                 "speculation": "run of speculation", "sourced_fact": "run of sourced facts"}
_NUMBER_WORDS = ("zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten")


def _label(name: str) -> str:
    return _LABEL_WORDS.get(name, name.replace("_", " "))


def _number(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


@dataclass
class Reason:
    """One term (or group of terms) of a log-odds sum."""

    feature: str   # a stable id: "ngram:according to", "cue:reporting", "context:quote_open_before"
    weight: float  # its share of the log-odds of the label over the runner-up (natural log)
    stage: str     # "sentence" or "context"
    text: str | None = None  # in words, for people (sentence terms: filled in by Explanation.describe)

    def to_dict(self, digits: int = 3) -> dict:
        return {"feature": self.feature, "text": self.text, "weight": round(float(self.weight), digits),
                "stage": self.stage}


class Explanation:
    """The complete decomposition of one unit's decision (label over runner-up) in both stages.

    ``sentence_baseline + sum(r.weight for r in sentence)`` equals ``sentence_logodds``
    and ``context_baseline + sum(r.weight for r in context)`` equals ``final_logodds``
    (up to floating point). The baselines are the intercept differences.

    The weights are kept as arrays and turned into :class:`Reason` objects (and
    words) only when asked for: ``annotate --explain`` shows six reasons per unit,
    not the hundred or so terms each unit has.
    """

    def __init__(self, unit: str, label: str, runner_up: str, final_logodds: float, sentence_logodds: float,
                 sentence_baseline: float, context_baseline: float, terms: list[tuple[str, list[str], np.ndarray, np.ndarray]],
                 cue_weights: np.ndarray, cue_values: np.ndarray, context_names: list[str],
                 context_weights: np.ndarray, describe_context):
        self.unit = unit  # the unit's text
        self.label, self.runner_up = label, runner_up
        self.final_logodds, self.sentence_logodds = final_logodds, sentence_logodds
        self.sentence_baseline, self.context_baseline = sentence_baseline, context_baseline
        # sentence stage: per vectorizer (kind, its terms by column, this unit's columns, their
        # weights), then the cues; one weight per term
        self._parts = [(kind, vocab, cols) for kind, vocab, cols, _ in terms]
        self._n_terms = sum(len(cols) for _, _, cols in self._parts)
        self._weights = np.concatenate([w for *_, w in terms] + [cue_weights])
        self._cue_values = cue_values
        self._context_names, self._context_weights = context_names, context_weights
        self._describe_context = describe_context

    def __repr__(self) -> str:
        return f"Explanation({self.label} over {self.runner_up}, log-odds {self.final_logodds:+.3f}: {self.unit[:40]!r})"

    def _sentence_reason(self, j: int) -> Reason:
        weight, at = float(self._weights[j]), j
        for kind, vocab, cols in self._parts:
            if at < len(cols):
                return Reason(f"{kind}:{vocab[cols[at]]}", weight, "sentence")
            at -= len(cols)
        return Reason(f"cue:{cues.CUE_NAMES[at]}", weight, "sentence")

    @property
    def sentence(self) -> list[Reason]:
        """Every sentence-stage term, strongest push towards the label first (words not filled in)."""
        return [self._sentence_reason(j) for j in np.argsort(-self._weights, kind="stable")]

    @property
    def context(self) -> list[Reason]:
        """Every context-stage reason, strongest push towards the label first, in words."""
        return [Reason(f"context:{self._context_names[j]}", float(self._context_weights[j]), "context",
                       self._describe_context(self._context_names[j]))
                for j in np.argsort(-self._context_weights, kind="stable")]

    def why(self, top_sentence: int = TOP_SENTENCE, top_context: int = TOP_CONTEXT) -> list[Reason]:
        """What pushed the unit most towards its label: the strongest sentence-stage terms,
        then the strongest context reasons other than the unit's own wording (which the
        sentence terms already spell out)."""
        w = self._weights
        words = [self._sentence_reason(j) for j in np.argsort(-w, kind="stable")[:top_sentence] if w[j] > 0]
        context = []
        if len(self._context_weights):
            for j in np.argsort(-self._context_weights, kind="stable"):
                name, weight = self._context_names[j], float(self._context_weights[j])
                if weight < MIN_CONTEXT_WEIGHT or len(context) == top_context:
                    break
                if name != "own_wording":
                    context.append(Reason(f"context:{name}", weight, "context", self._describe_context(name)))
        return self.describe(words) + context

    def describe(self, reasons: list[Reason] | None = None) -> list[Reason]:
        """Fill in the words of sentence-stage reasons (all of them by default); returns them."""
        reasons = self.sentence if reasons is None else reasons
        for r in reasons:
            if r.text is not None:
                continue
            kind, _, name = r.feature.partition(":")
            if kind == "ngram":
                r.text = ngram_in_text(self.unit, name)
            elif kind == "cue":
                r.text = describe_cue(name, self.unit, float(self._cue_values[cues.CUE[name]]))
            else:
                r.text = name.strip()
        return reasons


# -- the sentence stage ----------------------------------------------------------

def as_compiled(model):
    """The compiled form of a predictor: itself, or an estimator compiled on the fly."""
    from .model.compiled import CompiledModel

    if isinstance(model, CompiledModel):
        return model
    return CompiledModel.from_estimator(model)


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class _SentenceTerms:
    """Stage 1 for a batch of texts: the scores, and the non-zero TF-IDF entries per vectorizer."""

    scores: np.ndarray            # (n, classes)
    tfidf: list[tuple]            # per vectorizer: (rows, feature columns, values, vocabulary terms)
    cues_std: np.ndarray          # (n, cues) standardised cue values
    cue_values: np.ndarray        # (n, cues) the raw cue values


def _sentence_terms(model, texts: list[str]) -> _SentenceTerms:
    """The same arithmetic as ``CompiledModel._sentence_scores`` (its TF-IDF rows, then the cues),
    keeping the per-feature values."""
    n = len(texts)
    scores = np.tile(model.intercept, (n, 1)).astype(np.float64)
    tfidf = []
    for vec, rows_a, cols_a, vals in model.tfidf_rows(texts):
        contrib = model.coef_T[vec["offset"] + cols_a] * vals[:, None]
        for c in range(scores.shape[1]):
            scores[:, c] += np.bincount(rows_a, weights=contrib[:, c], minlength=n)
        tfidf.append((rows_a, vec["offset"] + cols_a, vals, vec))
    raw = np.array([cues.cue_vector(t) for t in texts], dtype=np.float64).reshape(n, len(model.cue_mean))
    cues_std = (raw - model.cue_mean) / model.cue_scale
    scores += cues_std @ model.coef_T[model.cue_offset:model.cue_offset + cues_std.shape[1]]
    return _SentenceTerms(scores, tfidf, cues_std, raw)


# An n-gram as the analyzer saw it, found back in the text: the analyzer's tokens with their offsets.
_TOKEN_RE = cues._WORD_TOKEN  # the tokens of cues.word_ngrams (display only)


def ngram_in_text(text: str, ngram: str) -> str:
    """The stretch of ``text`` an n-gram of :func:`~classifier.features.cues.word_ngrams` came from
    ("according to" -> "According to"); the n-gram itself when it cannot be placed."""
    lower = text.lower()
    parts = ngram.split(" ")
    at = lower.find(parts[0])
    if len(lower) != len(text) or at < 0:  # a case change that shifts offsets; not there
        return ngram
    # Tokens never span white space: start scanning at the word where the first part first appears.
    start = max(lower.rfind(" ", 0, at), lower.rfind("\n", 0, at)) + 1
    window: list = []
    for token in _TOKEN_RE.finditer(lower, start):
        window.append(token)
        if len(window) > len(parts):
            del window[0]
        if len(window) == len(parts) and all(t.group(0) == p for t, p in zip(window, parts)):
            return text[window[0].start():window[-1].end()]
    return ngram


# -- cue descriptions -----------------------------------------------------------------

# name -> (what is found, what is said when it is absent). Cues counted from lexicons or
# word classes list the words found ("reporting verb: said").
_LEXICON_CUES = {
    "hedge_out": ("hedge", "no hedge", "hedges", "out"),
    "hedge_in_quote": ("hedge inside a quote", "no hedge inside a quote", "hedges", "in"),
    "reporting": ("reporting verb", "no reporting verb", "reporting", "out"),
    "record_frame": ("record frame (study, filing, data)", "no record frame (study, filing, data)", "records", "all"),
    "evaluative_out": ("evaluative word", "no evaluative word", "evaluative", "out"),
    "evaluative_in_quote": ("evaluative word inside a quote", "no evaluative word inside a quote", "evaluative", "in"),
    "boilerplate_words": ("page-furniture word", "no page-furniture word", "boilerplate", "out"),
    "subjective_out": ("subjective word", "no subjective word", "subjective", "out"),
    "valence_out": ("charged evaluative word", "no charged evaluative word", "valence", "out"),
    "booster_out": ("booster", "no booster", "boosters", "out"),
}
_CLASS_CUES = {  # the closed word classes cue_vector counts outside quotes
    "modal_out": ("modal", "no modal", cues._STRONG_MODAL),
    "second_person": ("addresses the reader", "no \u201cyou\u201d", cues._SECOND_PERSON),
    "future": ("future", "no future tense", cues._FUTURE),
    "conditional": ("conditional", "no conditional", cues._CONDITIONAL),
    "comparative": ("comparative", "no comparative", cues._COMPARATIVE),
    "deontic_out": ("obligation", "no \u201cmust\u201d or \u201cshould\u201d", cues._DEONTIC),
    "superlative_out": ("superlative", "no superlative", cues._SUPERLATIVES),
    "saying_main": ("verb of saying in a main clause", "no verb of saying in a main clause", cues.SAYING_VERBS),
    "saying_side": ("verb of saying in a side clause", "no verb of saying in a side clause", cues.SAYING_VERBS),
}
_FLAG_CUES = {
    "starts_with_hedge": ("starts with a hedge", "does not start with a hedge"),
    "said_at_end": ("ends by naming its source (\u201c\u2026, she said.\u201d)", "does not end by naming a source"),
    "according_to": ("\u201caccording to\u201d", "no \u201caccording to\u201d"),
    "imperative_start": ("starts with an imperative", "does not start with an imperative"),
    "starts_with_quote": ("starts with a quotation mark", "does not start with a quotation mark"),
    "ends_with_quote": ("ends with a quotation mark", "does not end with a quotation mark"),
    "question": ("a question", "not a question"),
    "exclamation": ("an exclamation mark", "no exclamation mark"),
    "ends_with_punct": ("ends like a sentence", "does not end like a sentence (no full stop)"),
    "ends_with_colon": ("ends with a colon", "does not end with a colon"),
    "markup_start": ("starts with markup (heading, bullet, quote)", "no markup at the start"),
    "short": ("short line (4 words or fewer)", "not a short line"),
    "has_comma": ("has a comma", "no comma"),
    "speaker_verb": ("a speaker with a verb of saying (\u201cexperts say\u201d)", "no speaker with a verb of saying"),
    "speaker_prefix": ("transcript speaker label (\u201cNAME, role:\u201d)", "no speaker label"),
    "hedge_under_saying": ("a hedge under a verb of saying", "no hedge under a verb of saying"),
    "writer_opinion": ("the writer's own opinion (\u201cI think\u201d)", "no \u201cI think\u201d"),
    "judging_copula": ("a plain judgement (\u201cX is a disgrace\u201d)", "no plain judgement"),
}
_COUNT_CUES = {  # name -> (one, many, absent)
    "quote_chars": ("quotation mark", "quotation marks", "no quotation marks"),
    "first_person": ("first person", "first person", "no first person"),
    "numbers": ("number", "numbers", "no numbers"),
    "percent": ("percentage", "percentages", "no percentage"),
    "money": ("amount of money", "amounts of money", "no amount of money"),
    "year": ("year", "years", "no year"),
    "date_words": ("date word", "date words", "no date word"),
    "clock_time": ("clock time", "clock times", "no clock time"),
    "url": ("link mark", "link marks", "no link"),
    "ticker": ("stock ticker or price move", "stock tickers or price moves", "no stock ticker"),
    "pipes": ("pipe character", "pipe characters", "no pipe character"),
    "slashes_bullets": ("slash or bullet", "slashes or bullets", "no slash or bullet"),
}
_SHARE_CUES = {
    "quoted_share": "quoted", "title_case_share": "capitalised words", "upper_share": "all-capitals words",
    "digit_share": "digits",
}

_LENGTH_CUES = {"log_words": "words", "log_chars": "characters"}
#: Every cue with a description of its own (tests/test_explain.py checks it covers CUE_NAMES).
DESCRIBED_CUES = frozenset(_LEXICON_CUES) | set(_CLASS_CUES) | set(_FLAG_CUES) | set(_COUNT_CUES) | \
    set(_SHARE_CUES) | set(_LENGTH_CUES)


@lru_cache(maxsize=None)
def _lexicon_entries(lexicon: str) -> tuple[frozenset, dict]:
    """A lexicon as single words, and phrases by their first word."""
    singles, phrases = set(), {}
    for entry in cues.load_lexicon(lexicon):
        toks = tuple(cues.tokenize(entry))
        if len(toks) == 1:
            singles.add(toks[0])
        elif toks:
            phrases.setdefault(toks[0], []).append(toks)
    return frozenset(singles), phrases


def _lexicon_hits(tokens: list[str], lexicon: str) -> list[str]:
    """Entries of a lexicon found in ``tokens`` (single words and phrases), in text order."""
    singles, phrases = _lexicon_entries(lexicon)
    hits = []
    for i, tok in enumerate(tokens):
        for phrase in phrases.get(tok, ()):
            if tuple(tokens[i:i + len(phrase)]) == phrase:
                hits.append(" ".join(phrase))
        if tok in singles:
            hits.append(tok)
    return list(dict.fromkeys(hits))


def describe_cue(name: str, text: str, value: float) -> str:
    """A cue of :data:`~classifier.features.cues.CUE_NAMES` in plain words, with what it found in ``text``."""
    stripped = text.strip()
    if name in _LEXICON_CUES or name in _CLASS_CUES:
        outside, inside = cues._quote_split(stripped)
        if name in _LEXICON_CUES:
            noun, absent, lexicon, where = _LEXICON_CUES[name]
            part = {"out": outside, "in": inside, "all": stripped}[where]
            found = _lexicon_hits(cues.tokenize(part), lexicon)
        else:
            noun, absent, words = _CLASS_CUES[name]
            found = list(dict.fromkeys(t for t in cues.tokenize(outside) if t in words))
        if value == 0:
            return absent
        return f"{noun}: {', '.join(found)}" if found else noun
    if name in _FLAG_CUES:
        present, absent = _FLAG_CUES[name]
        if name in ("starts_with_hedge", "imperative_start") and value:
            first = cues.tokenize(stripped)[:1]
            return f"{present}: {first[0]}" if first else present
        return present if value else absent
    if name in _COUNT_CUES:
        one, many, absent = _COUNT_CUES[name]
        if not value:
            return absent
        if name == "first_person":
            outside, _ = cues._quote_split(stripped)
            return f"first person: {', '.join(dict.fromkeys(m.lower() for m in cues.FIRST_PERSON.findall(outside)))}"
        return f"{int(value)} {one if value == 1 else many}"
    if name in _SHARE_CUES:
        if name == "quoted_share":
            return f"quoted: {value:.0%} of the text" if value else "nothing quoted"
        return f"{_SHARE_CUES[name]}: {value:.0%}" if value else f"no {_SHARE_CUES[name]}"
    if name in _LENGTH_CUES:
        return f"length: {round(np.expm1(value))} {_LENGTH_CUES[name]}"
    return name.replace("_", " ")


# -- the context stage -------------------------------------------------------------------

_REGISTER = (("the document addresses the reader as \u201cyou\u201d", "the document never says \u201cyou\u201d"),
             ("the document asks questions", "the document asks no questions"),
             ("the document runs bullet lists", "the document has no bullet lists"),
             ("the document speaks as \u201cI\u201d or \u201cwe\u201d", "the document never speaks as \u201cI\u201d or \u201cwe\u201d"),
             ("the document has source tag lines", "the document has no source tag lines"))
_REGISTER_IDS = ("addresses_reader", "asks_questions", "bullet_lists", "first_person", "source_tags")


def context_groups(k: int, window: int) -> list[tuple[str, list[int]]]:
    """The columns of :func:`~classifier.features.context.context_features` (``k`` labels, the
    model's ``window``), grouped into reasons: (reason id, column indices). Kept in step
    with ``context_features`` by ``tests/test_explain.py``."""
    groups: dict[str, list[int]] = {}
    col = 0

    def take(name: str, width: int) -> None:
        nonlocal col
        groups.setdefault(name, []).extend(range(col, col + width))
        col += width

    take("own_wording", k)
    for offset in [o for o in range(-window, window + 1) if o != 0]:
        take("neighbours", k)   # the neighbour's log-probabilities
        take("neighbours", 1)   # "no unit there" (start or end of the document)
    take("document_mix", 3 * k)  # the mean, and its products with the unit's own scores
    n_flags = len(_REGISTER)
    style_start = col
    col += n_flags
    for j in range(n_flags):
        groups.setdefault(f"register_{_REGISTER_IDS[j]}", []).append(style_start + j)
    for j in range(n_flags):  # the unit's own scores times each register share
        take(f"register_{_REGISTER_IDS[j]}", k)
    take("position", 3)
    for name in SEQUENCE_NAMES:
        group = {"tag_below_closeness": "tag_below", "in_link_table": "in_table",
                 "lead_in_above_closeness": "lead_in_above"}.get(name, name)
        take(group, 1)
    take("first_person_shift", 1 + k)
    take("article_region", 2 + k)  # classifier.features.region: own flag, neighbours' share, flag x scores
    return list(groups.items())


_SEQUENCE_TEXT = {
    "after_colon": ("after a line ending with a colon", "not after a line ending with a colon"),
    "short_line_next": ("a short line follows", "no short line follows"),
    "source_tag_next": ("a source tag line follows", "no source tag line follows"),
    "opens_quote": ("ends by opening a quote", "does not open a quote"),
    "colon_list_item": ("an item of a list introduced by a colon", "not in a list introduced by a colon"),
}


def _how_far(closeness: float, direction: str) -> str:
    """A closeness column (1 / distance in units, 0: none) in words: "right below", "three units
    above"; "" when there is none."""
    if not closeness:
        return ""
    d = round(1 / closeness)
    return f"right {direction}" if d == 1 else f"{_number(d)} units {direction}"


def _describe_context(reason: str, i: int, Z: np.ndarray, P: np.ndarray, classes: list[str], k: int,
                      window: int, doc_start: int, doc_stop: int, cols: list[int]) -> str:
    """One context reason of unit ``i`` in words, from its raw (unscaled) context features."""
    z = Z[i]
    if reason == "own_wording":
        j = int(np.argmax(P[i]))
        return f"its own wording (sentence model: {_label(classes[j])} {P[i, j]:.2f})"
    if reason == "neighbours":
        seen = []
        for offset in [o for o in range(-window, window + 1) if o != 0]:
            if doc_start <= i + offset < doc_stop:
                j = int(P[i + offset].argmax())
                seen.append((offset, classes[j], float(P[i + offset, j])))
        if not seen:
            return "no other unit in the document"
        tops = {lab for _, lab, _ in seen}
        if len(seen) >= 2 and len(tops) == 1:
            lab = seen[0][1]
            return f"{_REGION_WORDS.get(lab, lab)} (the {len(seen)} units around it read as {_label(lab)})"
        parts = [f"the unit {'before' if o == -1 else 'after'} reads as {_label(lab)} ({p:.2f})"
                 for o, lab, p in seen if abs(o) == 1]
        return ", ".join(parts) if parts else "its neighbours"
    if reason == "document_mix":
        mean = z[cols[:k]]  # the group's first k columns: the document's mean stage-1 probabilities
        order = np.argsort(-mean)[:2]
        return "the document's mix (" + ", ".join(f"{_label(classes[j])} {mean[j]:.0%}" for j in order) + ")"
    if reason.startswith("register_"):
        j = _REGISTER_IDS.index(reason[len("register_"):])
        share = z[cols[0]]  # the register share is the group's first column
        present, absent = _REGISTER[j]
        return f"{present} ({share:.0%} of units)" if share else absent
    if reason == "position":
        n = doc_stop - doc_start
        pos = i - doc_start + 1
        return "the first unit of the document" if pos == 1 else f"unit {pos} of {n} in the document"
    if reason == "quote_open_before":
        if not z[cols[0]]:
            return "no quote left open by an earlier unit"
        j = i - 1
        while j > doc_start and Z[j, cols[0]]:
            j -= 1
        return "inside a quote opened " + ("in the unit before" if i - j == 1 else f"{_number(i - j)} units earlier")
    if reason == "tag_below":
        where = _how_far(z[cols[1]], "below")
        return f"a source tag {where} names the source of this excerpt" if where else \
            "no source tag below closes an excerpt"
    if reason == "lead_in_above":
        where = _how_far(z[cols[0]], "above")
        return f"a source lead-in (\u201cFrom X:\u201d) {where}" if where else \
            "no source lead-in (\u201cFrom X:\u201d) above"
    if reason == "in_table":
        if z[cols[1]]:
            return "inside a table of links (page furniture region)"
        return "inside a table" if z[cols[0]] else "not in a table"
    if reason == "first_person_shift":
        v = z[cols[0]]
        if v > 0.05:
            return "a stretch in the first person, unlike the rest of the document"
        if v < -0.05:
            return "less first person here than in the rest of the document"
        return "as much first person here as in the rest of the document"
    if reason == "article_region":
        own, nearby = z[cols[0]], z[cols[1]]
        if own:
            return "outside the page's article region (page furniture region)"
        if nearby:
            return f"inside the article region, next to page furniture ({nearby:.0%} of its neighbours outside)"
        return "inside the article region (or plain text)"
    if reason in _SEQUENCE_TEXT:
        present, absent = _SEQUENCE_TEXT[reason]
        return present if z[cols[0]] else absent
    return reason.replace("_", " ")


# -- putting it together -------------------------------------------------------------------

def explain_units(model, X) -> tuple[np.ndarray, list[Explanation]]:
    """Probabilities (as ``model.predict_proba(X)``) and one :class:`Explanation` per unit.

    ``X`` is what the model takes: units ``{"text", "doc"}`` in reading order.
    """
    model = as_compiled(model)
    texts, docs = split_units(X)
    classes = [str(c) for c in model.classes_]
    k = len(classes)
    if not texts:
        return np.zeros((0, k)), []
    stage1 = _sentence_terms(model, texts)
    P = _softmax(stage1.scores)
    n = len(texts)
    if model.context:
        Z = context_features(P, docs, texts, model.window, unit_outside(X))
        Zs = (Z - model.ctx_mean) / model.ctx_scale
        final = Zs @ model.ctx_coef_T + model.ctx_intercept
        groups = context_groups(k, model.window)
        if Z.shape[1] != sum(len(c) for _, c in groups):
            raise ValueError("the context features do not match the explanation's layout (update classifier/explain.py)")
    else:
        final = stage1.scores
    proba = _softmax(final)
    order = np.argsort(-proba, axis=1, kind="stable")
    best, second = order[:, 0], order[:, 1] if k > 1 else order[:, 0]

    # Both stages, all units at once: each term's weight for (label - runner-up).
    coef = model.coef_T
    tfidf = []
    for rows, cols, vals, vec in stage1.tfidf:
        diff = vals * (coef[cols, best[rows]] - coef[cols, second[rows]])
        kind = "ngram" if vec["analyzer"] is cues.word_ngrams else "chargram"
        cuts = np.searchsorted(rows, np.arange(n + 1))  # rows are sorted: unit i is cuts[i]:cuts[i+1]
        tfidf.append((kind, _terms(model, vec), cols - vec["offset"], diff, cuts))
    cue_coef = coef[model.cue_offset:model.cue_offset + stage1.cues_std.shape[1]]  # (cues, classes)
    cue_diff = stage1.cues_std * (cue_coef[:, best].T - cue_coef[:, second].T)
    if model.context:
        names = [name for name, _ in groups]
        member = np.zeros((Z.shape[1], len(groups)))
        for g, (_, cols) in enumerate(groups):
            member[cols, g] = 1.0
        ctx_w = (Zs * (model.ctx_coef_T[:, best].T - model.ctx_coef_T[:, second].T)) @ member
        ctx_base = model.ctx_intercept[best] - model.ctx_intercept[second]
    else:
        names, ctx_w, ctx_base = [], np.zeros((n, 0)), np.zeros(n)
    bounds = _doc_bounds(docs)
    group_cols = dict(groups) if model.context else {}
    sent_base = model.intercept[best] - model.intercept[second]
    rows_idx = np.arange(n)
    final_lo = final[rows_idx, best] - final[rows_idx, second]
    sent_lo = stage1.scores[rows_idx, best] - stage1.scores[rows_idx, second]

    explanations = []
    for i in range(n):
        terms = []
        for kind, vocab_terms, cols, diff, cuts in tfidf:
            a, b = cuts[i], cuts[i + 1]
            terms.append((kind, vocab_terms, cols[a:b], diff[a:b]))
        describe = _ContextWords(i, Z, P, classes, k, model.window, bounds[i], group_cols) if model.context else None
        explanations.append(Explanation(
            texts[i], classes[best[i]], classes[second[i]], float(final_lo[i]), float(sent_lo[i]),
            float(sent_base[i]), float(ctx_base[i]), terms, cue_diff[i], stage1.cue_values[i], names, ctx_w[i],
            describe))
    return proba, explanations


class _ContextWords:
    """Says one context reason of one unit in words, when asked (most are never shown)."""

    def __init__(self, i, Z, P, classes, k, window, bounds, groups):
        self.args = (i, Z, P, classes, k, window, *bounds)
        self.groups = groups

    def __call__(self, name: str) -> str:
        return _describe_context(name, *self.args, self.groups[name])


def _terms(model, vec: dict) -> list[str]:
    """A vectorizer's terms by column (its vocabulary inverted), worked out once per model."""
    cache = model.__dict__.setdefault("_explain_terms", {})
    key = vec["offset"]
    if key not in cache:
        cache[key] = sorted(vec["vocab"], key=vec["vocab"].get)
    return cache[key]


def _doc_bounds(docs: list[str]) -> list[tuple[int, int]]:
    """Per unit, the (start, stop) of the run of units sharing its document id."""
    out: list[tuple[int, int]] = [(0, 0)] * len(docs)
    start = 0
    for i in range(1, len(docs) + 1):
        if i == len(docs) or docs[i] != docs[start]:
            for j in range(start, i):
                out[j] = (start, i)
            start = i
    return out


def format_why(why: list[dict]) -> str:
    """One line for people: ``reporting verb: said +1.20 · "according to" +0.80 · ...``."""
    parts = []
    for r in why:
        text = r["text"]
        if r["feature"].startswith(("ngram:", "chargram:")):
            text = f"\u201c{text}\u201d"
        parts.append(f"{text} {r['weight']:+.2f}" + (" (context)" if r.get("stage") == "context" else ""))
    return " \u00b7 ".join(parts)
