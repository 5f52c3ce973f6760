"""Segmentation: exact units and offsets for what news pages do to a sentence splitter."""

import pytest

from classifier.segment import CHUNK_CHARS, load_pipeline, segment


def texts(text):
    units = segment(text)
    for u in units:
        assert text[u.start:u.end] == u.text
    return [u.text for u in units]


CASES = [
    # quotes: a closing quote + "he said" stays one sentence, an opening quote starts one
    ('This is a sentence. "Don\'t worry!", he said. Then he left.',
     ["This is a sentence.", '"Don\'t worry!", he said.', "Then he left."]),
    ('He flew to New York. "We are done," she said.',
     ["He flew to New York.", '"We are done," she said.']),
    ("\u201cWhy now?\u201d she asked. Nobody answered.",
     ["\u201cWhy now?\u201d she asked.", "Nobody answered."]),
    # abbreviations, decimals, pct., ellipsis
    ("Dr. Smith of the U.S. Dept. of Energy said so. Shares rose 12.5 pct. to $41.20 on Tuesday... Prices fell later.",
     ["Dr. Smith of the U.S. Dept. of Energy said so.", "Shares rose 12.5 pct. to $41.20 on Tuesday...",
      "Prices fell later."]),
    # line structure: headings, bullets, numbered items, table rows, block quotes
    ("# Big Heading\nA paragraph follows. It has two sentences.\n\n- item one\n- item two\n1. first\n"
     "| a | b |\n| c | d |\n> quoted block\nFinal Thoughts\nThe end.",
     ["# Big Heading", "A paragraph follows.", "It has two sentences.", "- item one", "- item two", "1. first",
      "| a | b |", "| c | d |", "> quoted block", "Final Thoughts", "The end."]),
    # markdown flattened onto one line, as scraped pages come
    ('--- title: "A. B. test." url: "x.md" --- # Headline here > Standfirst is here. Body one. '
     "## Sub Heading Body two. - [Link one. Yes](http://a.b/c.md) - [Link two](http://x.y)",
     ['--- title: "A. B. test." url: "x.md" ---', "# Headline here", "> Standfirst is here.", "Body one.",
      "## Sub Heading Body two.", "- [Link one. Yes](http://a.b/c.md)", "- [Link two](http://x.y)"]),
    ("## Related | Title | URL | |---|---| | Row one. Still row one. | [Link](http://z/1.md) | "
     "| Row two | [Link](http://z/2.md) | --- > **Disclaimer**: Not advice.",
     ["## Related | Title | URL |", "|---|---|", "| Row one. Still row one. | [Link](http://z/1.md) |",
      "| Row two | [Link](http://z/2.md) |", "---", "> **Disclaimer**: Not advice."]),
    # "May" the month and modal verbs do not confuse the splitter
    ("In May, sales rose 4%. They may rise again in June.", ["In May, sales rose 4%.", "They may rise again in June."]),
]


@pytest.mark.parametrize("text,expected", CASES)
def test_exact_units(text, expected):
    assert texts(text) == expected


def test_offsets_skip_whitespace_and_blank_lines():
    text = "  \n\nFirst line.   \n\n\n   Second line.\n"
    units = segment(text)
    assert [(u.start, u.end) for u in units] == [(4, 15), (24, 36)]


def test_long_text_is_chunked_with_correct_offsets():
    para = "The council met on Tuesday. It voted to repair the bridge.\n"
    text = para * (CHUNK_CHARS // len(para) * 3)
    units = segment(text)
    assert len(units) == 2 * text.count("\n")
    assert all(text[u.start:u.end] == u.text for u in units)


def test_pipeline_is_blank_english_plus_registered_component():
    nlp = load_pipeline()
    assert nlp.pipe_names == ["sentencizer", "hypefact_structure"]
    assert not nlp.meta.get("vectors", {}).get("width")


def test_unknown_spacy_model_is_a_clear_error():
    with pytest.raises(ValueError, match="not installed"):
        load_pipeline("no_such_pipeline_xyz")


def test_a_trained_pipeline_keeps_only_its_sentence_splitter(tmp_path):
    """--spacy-model: a user's pipeline (here a small one saved to disk) is cut to senter + rules."""
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("senter")
    nlp.add_pipe("sentencizer", name="extra_rules")  # stands for components hypefact does not need
    nlp.initialize()
    nlp.to_disk(tmp_path / "pipe")
    load_pipeline.cache_clear()
    trained = load_pipeline(str(tmp_path / "pipe"))
    assert trained.pipe_names == ["senter", "hypefact_structure"]
    units = segment("# Heading\nFirst line here.\nSecond line here.", trained)
    assert [u.text for u in units] == ["# Heading", "First line here.", "Second line here."]
