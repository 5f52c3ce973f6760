"""`annotate --explain`: the reasons are the model's own arithmetic, in words people read."""

import json
import math

import numpy as np
import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.explain import DESCRIBED_CUES, context_groups, describe_cue, explain_units, ngram_in_text
from classifier.features import cues
from classifier.features.context import SEQ, context_features, sequence_cues

# Written for this test: a report with a quote running over three units, a hedge, page furniture.
UNITS = [
    "# Council backs bridge repair",
    "The council voted 31 to 9 on Thursday to spend \u00a348 million on the bridge, according to the minutes.",
    "\u201cWe will rebuild it.",
    "It will take years.",
    "And it will cost more than anyone thinks,\u201d said Mary Okafor, the transport chief.",
    "The repairs could easily overrun, and that would be a disgrace.",
    "Share this article",
    "Subscribe to our newsletter",
    "Related stories",
    "Privacy policy",
    "\u00a9 2026 The Gazette",
]


def units(doc="d"):
    return [{"text": t, "doc": doc} for t in UNITS]


@pytest.fixture(scope="module")
def explained(annotator):
    X = units("a") + [{"text": t, "doc": "b"} for t in UNITS[:4]]
    proba, exps = explain_units(annotator.model, X)
    return annotator.model, X, proba, exps


def test_probabilities_are_the_models(explained):
    model, X, proba, _ = explained
    np.testing.assert_allclose(proba, model.predict_proba(X), rtol=0, atol=1e-12)


def test_contributions_add_up_to_the_logit_differences(explained):
    model, X, proba, exps = explained
    stage1 = model._sentence_scores([x["text"] for x in X])  # the model's own stage-1 scores
    classes = list(model.classes_)
    for i, e in enumerate(exps):
        L, R = classes.index(e.label), classes.index(e.runner_up)
        assert proba[i, L] == proba[i].max() and e.label != e.runner_up
        assert sorted(proba[i])[-2] == pytest.approx(proba[i, R])
        # the final decision: log p_L - log p_R of the probabilities annotate reports
        final = math.log(proba[i, L]) - math.log(proba[i, R])
        assert e.context_baseline + sum(r.weight for r in e.context) == pytest.approx(final, abs=1e-9)
        assert e.final_logodds == pytest.approx(final, abs=1e-9)
        # the sentence stage: its own log-odds of the same two labels
        words = stage1[i, L] - stage1[i, R]
        assert e.sentence_baseline + sum(r.weight for r in e.sentence) == pytest.approx(words, abs=1e-9)
        # ... and still within rounding once every weight is rounded as in the JSON output
        rounded = [r.to_dict()["weight"] for r in e.sentence]
        assert abs(e.sentence_baseline + sum(rounded) - words) <= 0.0005 * len(rounded) + 1e-9
        assert all(r.stage == "sentence" for r in e.sentence) and all(r.stage == "context" for r in e.context)


def test_context_layout_matches_context_features(explained):
    model, X, proba, _ = explained
    texts, docs = [x["text"] for x in X], [x["doc"] for x in X]
    P = np.exp(model._sentence_scores(texts))
    P /= P.sum(axis=1, keepdims=True)
    Z = context_features(P, docs, texts, model.window)
    groups = dict(context_groups(len(model.classes_), model.window))
    assert sum(map(len, groups.values())) == Z.shape[1] == model.ctx_coef_T.shape[0]
    np.testing.assert_allclose(Z[:, groups["own_wording"]], np.log(np.clip(P, 1e-4, 1)))
    seq = sequence_cues(texts, docs)
    np.testing.assert_array_equal(Z[:, groups["quote_open_before"]][:, 0], seq[:, SEQ["quote_open_before"]])
    np.testing.assert_array_equal(Z[:, groups["in_table"]], seq[:, [SEQ["in_table"], SEQ["in_link_table"]]])
    np.testing.assert_array_equal(Z[:, groups["position"]][:, 2], [1] + [0] * (len(UNITS) - 1) + [1, 0, 0, 0])


def test_reasons_in_plain_words(explained):
    _, _, _, exps = explained
    said = exps[4]  # ... ," said Mary Okafor
    assert said.label == "attributed_claim"
    texts = {r.text for r in said.describe()}
    assert "reporting verb: said" in texts
    quote = {r.feature: r.text for r in exps[4].context}
    assert quote["context:quote_open_before"] == "inside a quote opened two units earlier"
    assert {r.feature: r.text for r in exps[3].context}["context:quote_open_before"] == \
        "inside a quote opened in the unit before"
    assert {r.feature: r.text for r in exps[1].context}["context:quote_open_before"] == \
        "no quote left open by an earlier unit"
    assert {r.feature: r.text for r in exps[8].context}["context:neighbours"].startswith("page furniture region")
    hedge = {r.text for r in exps[5].describe()}
    assert "modal: could, would" in hedge and "charged evaluative word: disgrace" in hedge
    assert any(r.text.startswith("the document's mix (") for r in exps[0].context)
    according = [r for r in exps[1].describe() if r.feature == "ngram:according to"]
    assert according and according[0].text == "according to"


def test_excerpt_reasons(annotator):
    X = [{"text": t, "doc": "x"} for t in ("Here is how one paper saw it.", "Prices rose sharply this year.",
                                            "Analysts expect more of the same.", "[ The Gazette ]",
                                            "From the central bank:", "Inflation will ease.")]
    _, exps = explain_units(annotator.model, X)
    said = [{r.feature: r.text for r in e.context} for e in exps]
    assert said[1]["context:tag_below"] == "a source tag two units below names the source of this excerpt"
    assert said[2]["context:tag_below"] == "a source tag right below names the source of this excerpt"
    assert said[5]["context:lead_in_above"] == "a source lead-in (\u201cFrom X:\u201d) right above"
    assert said[0]["context:position"] == "the first unit of the document"


def test_why_picks_what_pushed_towards_the_label(explained):
    _, _, _, exps = explained
    for e in exps:
        why = e.why()
        assert why and all(r.weight > 0 for r in why)
        sentence = [r for r in why if r.stage == "sentence"]
        assert [r.weight for r in sentence] == sorted((r.weight for r in e.sentence if r.weight > 0),
                                                      reverse=True)[:len(sentence)]
        assert all(r.text for r in why)


def test_every_cue_has_words():
    assert set(cues.CUE_NAMES) <= DESCRIBED_CUES
    for name in cues.CUE_NAMES:
        assert describe_cue(name, "They said it could be huge.", 0.0) != describe_cue(name, "They said it.", 1.0), name
    assert describe_cue("reporting", "They said it could be huge.", 1.0) == "reporting verb: said"
    assert describe_cue("modal_out", "They said it could be huge.", 1.0) == "modal: could"
    assert describe_cue("evaluative_out", "They said it could be huge.", 1.0) == "evaluative word: huge"
    assert describe_cue("reporting", "\u201cWe said so,\u201d she noted.", 1.0) == "reporting verb: noted"


def test_ngram_found_as_written():
    assert ngram_in_text("It was, According to X, fine.", "according to") == "According to"
    assert ngram_in_text('"We will" go', '" we') == '"We'
    assert ngram_in_text("nothing here", "according to") == "according to"


def test_cli_explain_json_html_pretty(tmp_path):
    path = tmp_path / "story.md"
    path.write_text("\n".join(UNITS) + "\n", encoding="utf-8")
    runner = CliRunner()
    plain = runner.invoke(app, ["annotate", str(path), "-f", "json"])
    assert plain.exit_code == 0 and '"why"' not in plain.stdout
    result = runner.invoke(app, ["annotate", str(path), "-f", "json", "--explain"])
    assert result.exit_code == 0, result.output
    (doc,) = json.loads(result.stdout)
    for s in doc["sentences"]:
        assert s["why"] and set(s["why"][0]) >= {"feature", "text", "weight"}
    # the same labels and probabilities as without --explain
    assert [s["scores"] for s in doc["sentences"]] == [s["scores"] for s in json.loads(plain.stdout)[0]["sentences"]]
    lines = runner.invoke(app, ["annotate", str(path), "-f", "jsonl", "--explain"]).stdout.splitlines()
    assert all("why" in json.loads(line) for line in lines)
    html = runner.invoke(app, ["annotate", str(path), "-f", "html", "--explain"]).stdout
    assert html.count('title="why, over ') == len(doc["sentences"])
    pretty = runner.invoke(app, ["annotate", str(path), "--explain"]).stdout
    assert pretty.count("why, over ") == len(doc["sentences"]) and "reporting verb: said" in pretty
