"""pandas: annotate_frame gives sentence and document frames; estimators read DataFrames by column."""

import numpy as np
import pytest

pd = pytest.importorskip("pandas")  # in the test extra: CI always has it

from classifier.frames import FrameError, annotate_frame  # noqa: E402

TEXTS = [
    "The council voted 31 to 9 on Thursday.\n\"We will fix it,\" said the mayor.\nShare this article",
    "This could be the worst budget in a decade. Prices will surely rise.\nThe plan may fail.",
    "Officials said the bridge reopened on Monday after repairs.",
]


def test_annotate_frame_matches_annotate_text(annotator):
    df = pd.DataFrame({"body": TEXTS + [None], "url": ["a", "b", "c", "d"]}, index=[10, 11, 12, 13])
    sentences, documents = annotate_frame(df, text="body", id="url", annotator=annotator)
    assert list(documents.index) == [10, 11, 12, 13] and list(documents["doc"]) == ["a", "b", "c", "d"]
    assert documents.loc[13, "problem"] == "missing text" and pd.isna(documents.loc[13, "verdict"])
    for doc_id, text in zip("abc", TEXTS):
        expected = annotator.annotate_text(text)
        rows = sentences[sentences["doc"] == doc_id]
        assert list(rows["label"]) == [s.label for s in expected.sentences]
        assert list(rows["text"]) == [text[s.start:s.end] for s in expected.sentences]
        doc = documents[documents["doc"] == doc_id].iloc[0]
        assert doc["verdict"] == expected.verdict and doc["n_sentences"] == len(expected.sentences)
        assert doc["share_speculation"] == expected.shares["speculation"]
    probs = sentences[[c for c in sentences.columns if c.startswith("p_")]].to_numpy()
    assert np.allclose(probs.sum(axis=1), 1.0, atol=1e-3)


def test_annotate_frame_series_list_and_bad_column(annotator):
    s1, d1 = annotate_frame(pd.Series(TEXTS), annotator=annotator)
    s2, d2 = annotate_frame(TEXTS, annotator=annotator)
    assert s1.equals(s2) and list(d1["verdict"]) == list(d2["verdict"])
    with pytest.raises(FrameError, match="no column 'body'"):
        annotate_frame(pd.DataFrame({"text": TEXTS}), text="body", annotator=annotator)


def test_estimator_reads_a_dataframe_by_column_not_its_column_names():
    from sklearn.exceptions import NotFittedError

    from classifier.model.estimator import UnitClassifier

    rows = [("d1", "The council said the plan was approved.", "attributed_claim"),
            ("d1", "It may well fail next year.", "speculation"),
            ("d1", "Share this article", "boilerplate"),
            ("d1", "The bridge opened in 1932.", "sourced_fact")] * 3
    df = pd.DataFrame({"doc": [f"d{i // 4}" for i in range(len(rows))], "text": [r[1] for r in rows]})
    y = [r[2] for r in rows]
    with pytest.raises(NotFittedError):
        UnitClassifier().predict(df)
    model = UnitClassifier(context=False, C=10.0).fit(df, y)
    assert len(model.predict(df)) == len(df) == 12  # not 2 (the column names)
    assert len(model.predict(df["text"])) == 12  # a Series of texts
    assert np.allclose(model.predict_proba(df), model.predict_proba(df.to_dict("records")))
    with pytest.raises(ValueError, match="'text' column"):
        model.predict(pd.DataFrame({"body": ["x"] * 4, "doc": ["a"] * 4}))
    with pytest.raises(ValueError, match="12 units but y has 3"):
        UnitClassifier().fit(df, y[:3])
