"""Real-shaped pages of our own writing (tests/fixtures/pages/): the article region, the labels of the
furniture around it, the language check, and honest verdicts (none, low_evidence) in every format."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifier.about import __version__
from classifier.annotate import NotEnglishError
from classifier.cli import app
from classifier.read import read_source

PAGES = Path(__file__).parent / "fixtures" / "pages"
EXPECTED = {k: v for k, v in json.loads((PAGES / "expected.json").read_text(encoding="utf-8")).items()
            if not k.startswith("_")}


def sentences_with(result, fragment: str):
    found = [s for s in result.sentences if fragment in s.text or s.text in fragment and len(s.text) > 12]
    assert found, f"no sentence with {fragment!r}"
    return found


@pytest.mark.parametrize("page", sorted(EXPECTED))
def test_article_region_and_furniture_labels(annotator, page):
    """The region must be exactly right on these pages; the labels are the model's, so a
    (documented) miss is allowed: at least 90% of the furniture boilerplate, and at least 90%
    of the article's sentences not boilerplate."""
    expected = EXPECTED[page]
    result = annotator.annotate_file(str(PAGES / page))
    article = [s for fragment in expected["article"] for s in sentences_with(result, fragment)]
    furniture = [s for fragment in expected["furniture"] for s in sentences_with(result, fragment)]
    assert all(s.in_article for s in article), [s.text for s in article if not s.in_article]
    assert not any(s.in_article for s in furniture), [s.text for s in furniture if s.in_article]
    claims_in_furniture = [s.text for s in furniture if s.label != "boilerplate"]
    furniture_in_article = [s.text for s in article if s.label == "boilerplate"]
    assert len(claims_in_furniture) <= 0.1 * len(furniture), claims_in_furniture
    assert len(furniture_in_article) <= 0.1 * len(article), furniture_in_article
    assert result.verdict == expected["verdict"]
    assert result.language == "en" and not result.out_of_scope  # a French or German footer is fine


def test_plain_text_has_no_region_and_the_feature_is_neutral(annotator):
    src = read_source(str(PAGES / "ferry-report.html"))
    assert src.in_article is not None and not all(src.in_article) and any(src.in_article)
    text = "The council voted on Monday to close the ferry office.\nThe office opened in 1998."
    plain = annotator.annotate_text(text)
    marked = annotator.annotate_many([text], in_article=[[True, True]])[0]
    assert all(s.in_article for s in plain.sentences)
    assert [s.scores for s in plain.sentences] == [s.scores for s in marked.sentences]


def test_non_english_is_refused_or_marked_out_of_scope(annotator):
    with pytest.raises(NotEnglishError, match=r"French \(fr\)"):
        annotator.annotate_file(str(PAGES / "pont-fr.html"))
    result = annotator.annotate_file(str(PAGES / "pont-fr.html"), any_language=True)
    assert result.out_of_scope and result.language == "fr"
    assert result.to_dict()["out_of_scope"] is True
    runner = CliRunner()
    refused = runner.invoke(app, ["annotate", str(PAGES / "pont-fr.html")])
    assert refused.exit_code == 1 and "French (fr), not English" in refused.output
    assert "Traceback" not in refused.output
    anyway = runner.invoke(app, ["annotate", str(PAGES / "pont-fr.html"), "--any-language"])
    assert anyway.exit_code == 0 and "out of scope" in anyway.stdout


def test_a_page_with_no_claims_gets_verdict_none(annotator):
    result = annotator.annotate_file(str(PAGES / "section-front.html"))
    assert result.verdict == "none" and result.n_claims == 0 and result.low_evidence


def test_low_evidence_and_provenance_in_every_format(tmp_path):
    short = tmp_path / "short.md"
    short.write_text("Menu\nThe ferry office closed on Monday.\nThe move could cost jobs.\nShare this\n",
                     encoding="utf-8")
    runner = CliRunner()

    def run(*args):
        res = runner.invoke(app, ["annotate", str(short), *args])
        assert res.exit_code == 0 and "Traceback" not in res.output, res.output
        return res.stdout

    (doc,) = json.loads(run("-f", "json"))
    assert doc["low_evidence"] is True and doc["claims"] < 5
    model = doc["model"]
    assert model.startswith("hypefact@") and len(model.split("@")[1]) == 12
    assert doc["hypefact_version"] == __version__
    rows = [json.loads(line) for line in run("-f", "jsonl").splitlines()]
    assert all(r["low_evidence"] is True and r["model"] == model and r["hypefact_version"] == __version__
               for r in rows)
    table = list(csv.DictReader(io.StringIO(run("-f", "csv"))))
    assert all(r["low_evidence"] == "1" and r["model"] == model and r["hypefact_version"] == __version__
               for r in table)
    page = run("-f", "html")
    assert "low evidence" in page and model in page and __version__ in page
    pretty = run("-f", "pretty")
    assert "low evidence" in pretty and model in pretty
    assert pretty.index("Verdict:") < pretty.index("The ferry office closed")
    (doc,) = json.loads(run("-f", "json", "--min-claims", "1"))
    assert doc["low_evidence"] is False
    hidden = run("--hide", "boilerplate")
    assert "Share this" not in hidden and "The ferry office closed" in hidden


def test_html_view_starts_at_the_article_with_furniture_collapsed(tmp_path):
    res = CliRunner().invoke(app, ["annotate", str(PAGES / "ferry-report.html"), "-f", "html"])
    assert res.exit_code == 0, res.output
    page = res.stdout
    article = page.index("<div class='article'>")
    assert page.index("<details class='furniture'>") < article  # the menus, collapsed, before
    assert page.index("Grey Sound Ferries") > article
    assert page.index("Harbour wall repairs") > page.index("</div>", article)  # related links after, collapsed


def test_language_detection_names_the_language():
    from classifier.language import detect_language, document_language

    german = ("Der Stadtrat hat am Dienstag beschlossen, die F\u00e4hrverbindung im Winter einzuschr\u00e4nken. "
              "Die Bewohner der Insel kritisierten die Entscheidung scharf.")
    assert detect_language(german).name == "German"
    english = "The council voted on Tuesday to cut the winter ferry service, and islanders criticised the decision."
    assert detect_language(english).is_english
    # a page whose article region is English and whose footer is not: English
    text = english + "\n" + german
    assert document_language(text, [True, False]).is_english
    assert not document_language(german + "\n" + german, [True, False]).is_english
