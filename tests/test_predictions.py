"""Speed work never changes a prediction.

Two checks on a fixed text of the project's own writing (``fixtures/predictions/text.md``):

1. against stored output: the units, labels and scores the implementation gave before the speed
   work of issue 15, with the shipped model of that time (``shipped.json`` records its hash). The
   comparison runs only while the shipped model is still that one; after a retrain, regenerate
   with ``python tests/test_predictions.py --regenerate`` (and check the diff is only the model's);
2. against the straightforward implementation (``reference_pipeline.py``), computed in the same
   run with whatever model is shipped, so this keeps its meaning after any retrain.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
TEXT = HERE / "fixtures" / "predictions" / "text.md"
STORED = HERE / "fixtures" / "predictions" / "shipped.json"
TOLERANCE = 1e-6


def fast_predictions(annotator, text: str):
    """Units and full-precision probabilities from the package's own (fast) path."""
    from classifier.segment import segment

    units = segment(text, annotator.nlp)
    X = [{"text": u.text, "doc": "#0"} for u in units]
    return [(u.start, u.end, u.text) for u in units], annotator.model.predict_proba(X)


def test_fast_path_matches_stored_output_of_the_shipped_model(annotator):
    stored = json.loads(STORED.read_text(encoding="utf-8"))
    if annotator.model_info.get("compiled_sha256") != stored["compiled_sha256"]:
        pytest.skip("the shipped model was retrained since the fixture was made (the reference test still runs); "
                    "regenerate: python tests/test_predictions.py --regenerate")
    text = TEXT.read_text(encoding="utf-8")
    units, proba = fast_predictions(annotator, text)
    assert [list(u[:2]) for u in units] == [u["span"] for u in stored["units"]]
    assert all(text[a:b] == t for a, b, t in units)
    expected = np.array([u["scores"] for u in stored["units"]])
    np.testing.assert_allclose(proba, expected, rtol=0, atol=TOLERANCE)
    classes = stored["classes"]
    assert [classes[i] for i in proba.argmax(axis=1)] == [u["label"] for u in stored["units"]]

    # The public API and the output formats carry the same labels and (rounded) scores.
    result = annotator.annotate_text(text)
    assert [s.label for s in result.sentences] == [u["label"] for u in stored["units"]]
    got = np.array([[s.scores[c] for c in classes] for s in result.sentences])
    np.testing.assert_allclose(got, expected, rtol=0, atol=5e-5 + TOLERANCE)


def test_fast_path_matches_the_reference_implementation(annotator, monkeypatch):
    """Same units, labels and scores as the plain implementation, whatever model is shipped."""
    from reference_pipeline import reference_predict_proba, reference_units

    monkeypatch.setattr(annotator.model, "BATCH", 97, raising=False)  # scored in several batches

    text = TEXT.read_text(encoding="utf-8")
    # A second document (the context features never cross documents) with the hard shapes at its edges.
    other = '"Opening quote at the very start," she said.\n| x | y |\n|---|---|\n| 1 | 2 |\nIn theory'
    units, proba = fast_predictions(annotator, text)
    ref_units = reference_units(text, annotator.nlp)
    assert units == ref_units
    texts = [u[2] for u in ref_units] + [u[2] for u in reference_units(other, annotator.nlp)]
    docs = ["#0"] * len(ref_units) + ["#1"] * (len(texts) - len(ref_units))
    reference = reference_predict_proba(annotator.model, texts, docs)
    np.testing.assert_allclose(proba, reference[:len(units)], rtol=0, atol=TOLERANCE)
    fast_both = annotator.model.predict_proba([{"text": t, "doc": d} for t, d in zip(texts, docs)])
    np.testing.assert_allclose(fast_both, reference, rtol=0, atol=TOLERANCE)


EDGE_TEXTS = ["", " ", "\n\n", "x", "?", "!!! ?? ...", "Hi!!!  \"Yes?\" she said... Then: no.", "A.\nB.\n\n C",
              "\u00bfQu\u00e9? \u00a1S\u00ed! \u3002\u3002 done\u3002Next", "| a | b |\n|---|---|\n| 1. | 2? |",
              "---\ntitle: x\n---\n# Head\n> quote. More\n- [link](http://a.b/c). Tail",
              "Mr. Smith (U.S.) said \u201cno.\u201d \u2018Yes,\u2019 he added\u2026 And then ;) :-)",
              "end with space. ", "tab\there. New\tline\r\nCRLF line. \u2014 dash \u2014 here."]


def test_fast_splitter_matches_spacy_on_edge_cases(annotator):
    """The fused sentence-start pass and the tokenizer warming give spaCy's own units."""
    from reference_pipeline import reference_units

    from classifier.segment import segment

    for text in EDGE_TEXTS + ["\n".join(EDGE_TEXTS) * 3]:
        assert [(u.start, u.end, u.text) for u in segment(text, annotator.nlp)] == reference_units(text, annotator.nlp)


def test_sentences_from_arrays_read_like_a_list(annotator):
    from classifier.annotate import DocumentResult, Sentence

    result = annotator.annotate_text("One fact. Two said officials.\nThree could be worse?", "t")
    sentences = result.sentences
    as_list = list(sentences)
    assert len(sentences) == 3 and all(isinstance(s, Sentence) for s in as_list)
    assert sentences[-1] == as_list[2] and sentences[1:] == as_list[1:] and sentences == as_list
    assert [s.text for s in sentences] == [result.text[s.start:s.end] for s in sentences]
    with pytest.raises(IndexError):
        sentences[3]
    assert DocumentResult.from_dict(result.to_dict(with_text=True)) == result


def test_the_comparison_can_fail(annotator):
    """The reference is sensitive: one changed word changes the scores beyond the tolerance."""
    from reference_pipeline import reference_predict_proba

    texts = ["The council said the bridge will reopen.", "The council said the bridge could reopen."]
    p = reference_predict_proba(annotator.model, texts, ["a", "b"])
    assert np.abs(p[0] - p[1]).max() > 100 * TOLERANCE


def regenerate() -> None:
    """Write ``shipped.json`` from the current implementation and the shipped model."""
    sys.path.insert(0, str(HERE.parent))
    from classifier._io import atomic_write_text
    from classifier.annotate import Annotator

    annotator = Annotator.load()
    text = TEXT.read_text(encoding="utf-8")
    units, proba = fast_predictions(annotator, text)
    stored = {
        "about": "hypefact's output on text.md with the model named by compiled_sha256; see test_predictions.py",
        "compiled_sha256": annotator.model_info.get("compiled_sha256"),
        "model_sha256": annotator.model_info.get("sha256"),
        "classes": annotator.classes,
        "units": [{"span": [a, b], "label": annotator.classes[int(np.argmax(p))], "scores": [round(float(x), 10) for x in p]}
                  for (a, b, _), p in zip(units, proba)],
    }
    atomic_write_text(STORED, json.dumps(stored, indent=1) + "\n")
    print(f"wrote {STORED} ({len(units)} units)")


if __name__ == "__main__":
    if sys.argv[1:] == ["--regenerate"]:
        regenerate()
    else:
        sys.exit("usage: python tests/test_predictions.py --regenerate")
