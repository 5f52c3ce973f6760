"""The spaCy component ``hypefact``: hypefact's labels and verdict on a spaCy ``Doc``.

Registered by the ``spacy_factories`` entry point, so any interpreter where
hypefact is installed can do::

    import spacy
    nlp = spacy.blank("en")
    nlp.add_pipe("hypefact")                      # or with config={"model": "models/mine.npz", "min_claims": 5}
    doc = nlp(text)
    [(span.text, span.label_, span._.hypefact_scores) for span in doc.spans["hypefact"]]
    doc._.hypefact_verdict, doc._.hypefact_shares, doc._.hypefact_low_evidence

    from spacy import displacy
    displacy.render(doc, style="span", options={"spans_key": "hypefact"})

The component does not re-implement anything: it runs
:meth:`classifier.annotate.Annotator.annotate_many` (the code path of ``hypefact annotate``)
on ``doc.text`` and turns the result into spans, so its labels, scores, shares and
verdict are those of ``hypefact annotate`` on the same text. Units are split by
hypefact's own segmentation rules (line breaks, flattened markdown, quotes), not by
the host pipeline's sentence splitter, for the same reason; the spans are snapped
to the host's tokens. ``span.label_`` is the label; the group's ``attrs["scores"]``
holds each span's confidence (as spaCy's ``spancat`` does) and
``span._.hypefact_scores`` every label's probability.

Because the model is loaded from the path in the config, ``nlp.to_disk`` /
``spacy.load`` round-trips a pipeline with this component (``model = null`` means
the shipped model).
"""

from typing import Iterable, Iterator, Optional

from spacy.language import Language
from spacy.tokens import Doc, Span, SpanGroup

from .labels import DEFAULT_MIN_CLAIMS

#: Where the units go: ``doc.spans[SPANS_KEY]``.
SPANS_KEY = "hypefact"
#: A verdict resting on fewer claim-making units than this is flagged ``low_evidence`` (as ``annotate``).
MIN_CLAIMS = DEFAULT_MIN_CLAIMS

DOC_EXTENSIONS = ("hypefact_verdict", "hypefact_shares", "hypefact_counts", "hypefact_low_evidence",
                  "hypefact_model")


def _register_extensions() -> None:
    for name in DOC_EXTENSIONS:
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)
    if not Span.has_extension("hypefact_scores"):
        Span.set_extension("hypefact_scores", default=None)


@Language.factory(
    "hypefact",
    default_config={"model": None, "min_claims": MIN_CLAIMS, "spans_key": SPANS_KEY, "batch_size": 32},
    assigns=["doc.spans", *(f"doc._.{name}" for name in DOC_EXTENSIONS), "span._.hypefact_scores"],
)
def make_hypefact_component(nlp: Language, name: str, model: Optional[str], min_claims: int, spans_key: str,
                            batch_size: int) -> "HypefactComponent":
    """Build the component; ``model`` is a model file (None: the default model, as ``hypefact annotate``)."""
    return HypefactComponent(model, min_claims, spans_key, batch_size)


class HypefactComponent:
    """Labels every unit of a ``Doc`` and rolls the labels up, with the annotate code path."""

    def __init__(self, model: str | None = None, min_claims: int = MIN_CLAIMS, spans_key: str = SPANS_KEY,
                 batch_size: int = 32):
        from .annotate import Annotator

        _register_extensions()
        self.annotator = Annotator.load(model, min_claims=int(min_claims))
        self.min_claims = int(min_claims)
        self.spans_key = spans_key
        self.batch_size = int(batch_size)
        self.model_name = self.annotator.model_info.get("name")

    def __call__(self, doc: Doc) -> Doc:
        return self._apply(doc, self.annotator.annotate_text(doc.text))

    def pipe(self, docs: Iterable[Doc], batch_size: int | None = None) -> Iterator[Doc]:
        """Classify docs in batches: one classifier call per batch, the same results as one at a time."""
        size = batch_size or self.batch_size
        batch: list[Doc] = []
        for doc in docs:
            batch.append(doc)
            if len(batch) >= size:
                yield from self._apply_batch(batch)
                batch = []
        if batch:
            yield from self._apply_batch(batch)

    def _apply_batch(self, docs: list[Doc]) -> Iterator[Doc]:
        results = self.annotator.annotate_many([d.text for d in docs])
        for doc, result in zip(docs, results):
            yield self._apply(doc, result)

    def _apply(self, doc: Doc, result) -> Doc:
        spans, confidences = [], []
        for s in result.sentences:
            span = doc.char_span(s.start, s.end, label=s.label, alignment_mode="expand")
            if span is None:  # only if the host tokenizer drops characters; never for spaCy's own
                continue
            span._.hypefact_scores = dict(s.scores)
            spans.append(span)
            confidences.append(s.confidence)
        doc.spans[self.spans_key] = SpanGroup(doc, name=self.spans_key, spans=spans, attrs={"scores": confidences})
        doc._.hypefact_verdict = result.verdict
        doc._.hypefact_shares = dict(result.shares)
        doc._.hypefact_counts = dict(result.counts)
        doc._.hypefact_low_evidence = result.low_evidence
        doc._.hypefact_model = result.model
        return doc
