"""The estimator, training, and the SHA-256 check on loading."""

import json

import numpy as np
import pytest
from sklearn.base import clone
from typer.testing import CliRunner

from classifier.cli import app
from classifier.model.files import ModelError, load_model, save_model
from classifier.model.estimator import UnitClassifier
from classifier.features.context import context_features

SMALL = [
    ("d1", "The company reported revenue of $4.2 billion for the quarter.", "sourced_fact"),
    ("d1", "Shares fell 3% on Tuesday.", "sourced_fact"),
    ("d1", "\"We are very pleased,\" the chief executive said.", "attributed_claim"),
    ("d1", "Analysts said the stock could double.", "attributed_claim"),
    ("d1", "This could be a turning point for the industry.", "speculation"),
    ("d1", "Investors should be careful.", "speculation"),
    ("d1", "Share this story", "boilerplate"),
    ("d1", "Sign up for our newsletter", "boilerplate"),
    ("d2", "The bridge opened in 1884.", "sourced_fact"),
    ("d2", "The vote was 31 to 9.", "sourced_fact"),
    ("d2", "Officials told reporters the work would finish in June.", "attributed_claim"),
    ("d2", "According to the mayor, the repairs are on track.", "attributed_claim"),
    ("d2", "It may well cost far more than planned.", "speculation"),
    ("d2", "Expect delays if you drive through the town.", "speculation"),
    ("d2", "Related stories", "boilerplate"),
    ("d2", "\u00a9 2026 The Gazette. All rights reserved.", "boilerplate"),
]


def small_xy(repeat=3):
    X = [{"text": t, "doc": f"{d}-{k}"} for k in range(repeat) for d, t, _ in SMALL]
    y = [lab for _ in range(repeat) for _, _, lab in SMALL]
    return X, y


def test_estimator_api_and_probabilities():
    X, y = small_xy()
    model = UnitClassifier(cv=3).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (len(X), 4)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert (model.predict(X) == np.array(y)).mean() > 0.8
    assert clone(model).get_params()["cv"] == 3


def test_context_features_respect_document_boundaries():
    P = np.array([[0.7, 0.1, 0.1, 0.1], [0.1, 0.7, 0.1, 0.1], [0.1, 0.1, 0.7, 0.1]])
    Z = context_features(P, ["a", "a", "b"], ["One.", "Two.", "Three."], window=1)
    # columns: own (4) | prev (4) + missing (1) | next (4) + missing (1) | ...
    assert Z[1, 4:8].tolist() == pytest.approx(np.log(P[0]).tolist())
    assert Z[1, 13] == 1.0  # unit 1 is the last of doc "a": no next neighbour
    assert Z[2, 8] == 1.0  # unit 2 is the first of doc "b": no previous neighbour


def test_sequence_cues_track_open_quotes():
    from classifier.features.context import SEQ, sequence_cues

    texts = ["\u201cWe will rebuild it.", "It may take years,\u201d she said.", "The work starts soon.",
             '"Nothing is decided.', 'We are talking," he said.']
    cues = sequence_cues(texts, ["a"] * 5)
    assert cues[:, SEQ["quote_open_before"]].tolist() == [0.0, 1.0, 0.0, 0.0, 1.0]


def test_save_load_round_trip_and_tamper_refusal(tmp_path):
    X, y = small_xy(2)
    model = UnitClassifier(context=False).fit(X, y)
    path = tmp_path / "m.joblib"
    meta = save_model(model, path, {"note": "test"})
    loaded, side = load_model(path)
    assert side["sha256"] == meta["sha256"] and side["note"] == "test"
    np.testing.assert_allclose(loaded.predict_proba(X), model.predict_proba(X))
    with open(path, "ab") as fh:
        fh.write(b"tampered")
    with pytest.raises(ModelError, match="does not match"):
        load_model(path)
    (tmp_path / "m.json").unlink()
    with pytest.raises(ModelError, match="sidecar is missing"):
        load_model(path)


def test_train_command_writes_model_and_sidecar(tmp_path):
    data = tmp_path / "labels.jsonl"
    X, y = small_xy(3)
    data.write_text("".join(json.dumps({"text": x["text"], "label": lab, "doc": x["doc"]}) + "\n"
                            for x, lab in zip(X, y)))
    out = tmp_path / "models" / "small.joblib"
    result = CliRunner().invoke(app, ["train", "--data", str(data), "--output", str(out), "--cv", "2"])
    assert result.exit_code == 0, result.output
    side = json.loads((tmp_path / "models" / "small.json").read_text())
    assert side["training_data"]["units"] == len(X)
    assert set(side["cv_metrics"]["per_label"]) == {"sourced_fact", "attributed_claim", "speculation", "boilerplate"}
    assert {"scikit-learn", "spacy"} <= set(side["versions"])
    assert not list((tmp_path / "models").glob("*.tmp"))


def test_broken_label_file_names_file_and_line(tmp_path):
    data = tmp_path / "broken.jsonl"
    data.write_text('{"text": "Fine.", "label": "sourced_fact"}\n{"text": "Broken", "label": \n'
                    '{"text": "Also fine.", "label": "speculation"}\n')
    for args in (["train", "--data", str(data), "--output", str(tmp_path / "x.joblib")],
                 ["evaluate", str(data)]):
        result = CliRunner().invoke(app, args)
        assert result.exit_code == 1
        assert f"{data}:2" in result.stderr and "Traceback" not in result.output
    assert not (tmp_path / "x.joblib").exists()


def test_unknown_label_is_reported(tmp_path):
    data = tmp_path / "bad.jsonl"
    data.write_text('{"text": "Fine.", "label": "opinion"}\n')
    result = CliRunner().invoke(app, ["evaluate", str(data)])
    assert result.exit_code == 1 and "unknown label 'opinion'" in result.stderr


def test_evaluate_json_schema(tmp_path):
    data = tmp_path / "few.jsonl"
    rows = [(t, lab) for _, t, lab in SMALL]
    data.write_text("".join(json.dumps({"text": t, "label": lab, "doc": "x"}) + "\n" for t, lab in rows))
    result = CliRunner().invoke(app, ["evaluate", str(data), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["n"] == len(rows)
    assert set(report) >= {"n", "accuracy", "macro_f1", "per_label", "confusion"}
    assert report["confusion"]["labels"] == ["sourced_fact", "attributed_claim", "speculation", "boilerplate"]
    assert sum(map(sum, report["confusion"]["matrix"])) == len(rows)
    assert report["macro_f1"] > 0.6  # the shipped model on easy, clear-cut sentences


def test_sequence_cues_mark_excerpts_above_a_source_tag_and_data_lists():
    from classifier.features.context import SEQ, sequence_cues

    texts = ["Here is what the critics wrote.", "Battery Life Is Better Than Expected",
             "I got two days from a charge.", "The screen is dim outdoors.", "[ The Verge ]",
             "The phone costs $799.",
             "The countries were ranked as follows:", "Finland", "Norway", "Menu"]
    cues = sequence_cues(texts, ["a"] * len(texts))
    # both units of the excerpt point to the tag below; the heading stops the search upward
    assert cues[:, SEQ["tag_below"]].tolist() == [0.0, 0.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert cues[2, SEQ["tag_below_closeness"]] == 0.5 and cues[3, SEQ["tag_below_closeness"]] == 1.0
    # a run of short items under a sentence ending in a colon; "Menu" continues the run
    assert cues[:, SEQ["colon_list_item"]].tolist() == [0.0] * 7 + [1.0, 1.0, 1.0]
    # the tag only reaches units in the same document
    assert sequence_cues(texts[2:5], ["a", "b", "b"])[0, SEQ["tag_below"]] == 0.0


def test_own_attribution_markers():
    from classifier.features.cues import has_own_attribution

    assert has_own_attribution("Analysts said the stock could double.")
    assert has_own_attribution("\u201cIt felt like a console,\u201d")
    assert has_own_attribution("According to the filing, the plant will close.")
    assert has_own_attribution("HARRIET COLE, council leader: We will finish the bypass by 2027.")
    assert not has_own_attribution("It felt, generally, like I was playing on a regular console.")
    assert not has_own_attribution("Potential improvements likely include: more data.")


def test_borrowed_attribution_trains_the_context_model_only():
    # An excerpt's sentence (attributed only by the tag line under it) should not teach
    # the sentence model that its words mean attribution.
    X, y = small_xy()
    for k in range(3):
        X += [{"text": "The zorblat handling felt superb on every road.", "doc": f"r-{k}"},
              {"text": "[ Road Weekly ]", "doc": f"r-{k}"}]
        y += ["attributed_claim", "boilerplate"]
    probe = ["The zorblat handling felt superb."]
    ac = sorted(set(y)).index("attributed_claim")  # predict_proba's column order
    with_borrowed = UnitClassifier(cv=3, borrowed=True).fit(X, y).sentence_model_.predict_proba(probe)[0, ac]
    without = UnitClassifier(cv=3, borrowed=False).fit(X, y).sentence_model_.predict_proba(probe)[0, ac]
    assert with_borrowed < without


def test_document_style_reaches_every_unit_of_its_document_only():
    P = np.full((4, 4), 0.25)
    texts = ["Here is what you should do.", "Check your policy.", "The plant closed in May.", "Output fell 3%."]
    Z = context_features(P, ["guide", "guide", "report", "report"], texts, window=1)
    differs = np.flatnonzero(Z[0] != Z[2])
    assert differs.size > 0  # the guide talks to its reader, the report does not
    # those are document-level values: the guide's second unit has the same
    np.testing.assert_array_equal(Z[0, differs], Z[1, differs])


def test_table_regions_tell_link_tables_from_data_tables():
    from classifier.features.context import SEQ, sequence_cues

    texts = ["Revenue by quarter | Quarter | Revenue |", "|---|---|", "| Q1 | $4.1bn |", "| Q2 | $4.4bn |",
             "Sales rose in both quarters.",
             "## Related News | Title | Description | URL |", "|-------|-------------|-----|",
             "| Rival cuts outlook | The company warned on", "margins. | [Link](https://example.com/n/1.md) |",
             "> Disclaimer: for reference only."]
    cues = sequence_cues(texts, ["a"] * len(texts))
    # in a table: from the |---| rule to the last row (a row cut in two included)
    assert cues[:, SEQ["in_table"]].tolist() == [0, 1, 1, 1, 0, 0, 1, 1, 1, 0]
    # a table whose cells link elsewhere (other articles), unlike the data table
    assert cues[:, SEQ["in_link_table"]].tolist() == [0, 0, 0, 0, 0, 0, 1, 1, 1, 0]
    # a table never continues into the next document
    assert sequence_cues(texts[1:4], ["a", "b", "b"])[1:, 9].tolist() == [0, 0]


def test_first_person_shift_marks_a_pasted_write_up_not_a_column():
    from classifier.features.context import FIRST_PERSON, first_person_shift, register_flags

    report = ["The exploit crashes game servers.", "The developer published it on Monday.",
              "In my case I nested the lists five levels deep.", "We then compressed the packet.",
              "My fix was simple.", "The company did not respond.", "Servers run version 1.8.",
              "The bug dates from 2013.", "A patch is due next week."]
    column = ["I have covered this club for years.", "We all saw it coming.", "My view has not changed.",
              "I still think the manager should stay.", "Our patience is thin."]
    first = register_flags(report + column)[:, FIRST_PERSON]
    shift = first_person_shift(first, ["r"] * len(report) + ["c"] * len(column))[:, 0]
    # the pasted write-up stands out from its report: 3 of the 7 units around its middle
    # are in the first person, against 3 of 9 in the whole report
    assert shift[3] == pytest.approx(3 / 7 - 3 / 9)
    assert (shift[2:5] > 0).all()
    assert shift[8] < 0  # the report's own voice, far from the excerpt
    np.testing.assert_allclose(shift[len(report):], 0.0)  # a column in the first person throughout


def test_unsourced_passive_perception_counts_as_attribution():
    from classifier.features.cues import has_own_attribution

    assert has_own_attribution("The listing is widely seen as a vote of confidence in the exchange.")
    assert has_own_attribution("It is also regarded as a turning point for the city.")
    assert not has_own_attribution("The storm is expected to clear by Sunday.")


def test_a_lexicon_phrase_counts_once_wherever_it_stands():
    """A multi-word entry at the end of a unit was counted up to three times (the 2-, 3- and
    4-token slices there are the same tuple); it counts once, as in the middle."""
    from classifier.features.cues import LEXICONS, lexicon_counts, tokenize

    hedges = LEXICONS.index("hedges")
    at_end = lexicon_counts(tokenize("The plan works in theory"))[hedges]
    in_middle = lexicon_counts(tokenize("In theory the plan works"))[hedges]
    assert at_end == in_middle == 1
