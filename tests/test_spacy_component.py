"""The spaCy component ``hypefact``: registered by entry point, the same output as ``hypefact annotate``."""

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifier.cli import app

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "harbour-bridge-report.md"

# A fresh interpreter knows nothing of hypefact until spaCy finds the factory by its entry point.
FRESH = """
import json, sys, spacy
nlp = spacy.blank("en")
nlp.add_pipe("hypefact")
doc = nlp(open(sys.argv[1], encoding="utf-8").read())
group = doc.spans["hypefact"]
print(json.dumps({
    "spans": [[s.start_char, s.end_char, s.text, s.label_, conf, s._.hypefact_scores]
              for s, conf in zip(group, group.attrs["scores"])],
    "verdict": doc._.hypefact_verdict, "shares": doc._.hypefact_shares, "counts": doc._.hypefact_counts,
}))
"""


def test_fresh_interpreter_add_pipe_gives_what_hypefact_annotate_gives():
    out = subprocess.run([sys.executable, "-c", FRESH, str(EXAMPLE)], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    from_spacy = json.loads(out.stdout)
    result = CliRunner().invoke(app, ["annotate", str(EXAMPLE), "--format", "json"])
    assert result.exit_code == 0, result.output
    (from_cli,) = json.loads(result.stdout)
    assert len(from_spacy["spans"]) == len(from_cli["sentences"]) > 10
    for span, sent in zip(from_spacy["spans"], from_cli["sentences"]):
        assert span == [sent["start"], sent["end"], sent["text"], sent["label"], sent["confidence"], sent["scores"]]
    assert from_spacy["verdict"] == from_cli["verdict"]
    assert from_spacy["shares"] == from_cli["shares"]
    assert from_spacy["counts"] == from_cli["counts"]


@pytest.fixture(scope="module")
def nlp():
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("hypefact", config={"min_claims": 3})
    return nlp


def test_doc_extensions_and_low_evidence(nlp):
    text = EXAMPLE.read_text(encoding="utf-8")
    doc = nlp(text)
    labels = {s.label_ for s in doc.spans["hypefact"]}
    assert labels <= {"sourced_fact", "attributed_claim", "speculation", "boilerplate"} and len(labels) >= 3
    assert doc._.hypefact_verdict in ("reporting", "mixed", "analysis")
    assert abs(sum(doc._.hypefact_shares.values()) - 1.0) < 0.01
    assert doc._.hypefact_low_evidence is False
    short = nlp("The council voted on Tuesday. Share this article")
    assert short._.hypefact_low_evidence is True  # fewer than min_claims=3 claim-making units
    for span in doc.spans["hypefact"]:
        assert max(span._.hypefact_scores, key=span._.hypefact_scores.get) == span.label_


def test_pipe_batches_give_the_same_as_one_by_one(nlp):
    texts = [EXAMPLE.read_text(encoding="utf-8"), "Prices may rise next year, analysts fear.\nThe plant closed in May."]
    one = [nlp(t) for t in texts]
    batched = list(nlp.pipe(texts, batch_size=2))
    for a, b in zip(one, batched):
        assert [(s.start_char, s.end_char, s.label_) for s in a.spans["hypefact"]] == \
               [(s.start_char, s.end_char, s.label_) for s in b.spans["hypefact"]]
        assert a._.hypefact_shares == b._.hypefact_shares


def test_displacy_span_view_and_spacy_load_round_trip(nlp, tmp_path):
    import spacy
    from spacy import displacy

    doc = nlp(EXAMPLE.read_text(encoding="utf-8"))
    html = displacy.render(doc, style="span", options={"spans_key": "hypefact"}, page=False)
    for span in doc.spans["hypefact"]:
        assert span.label_ in html
    nlp.to_disk(tmp_path / "pipeline")
    again = spacy.load(tmp_path / "pipeline")
    assert again.pipe_names == ["hypefact"]
    assert again.get_pipe("hypefact").min_claims == 3
    doc2 = again(doc.text)
    assert [s.label_ for s in doc2.spans["hypefact"]] == [s.label_ for s in doc.spans["hypefact"]]
