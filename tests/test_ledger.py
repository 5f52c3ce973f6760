"""The source ledger (classifier.ledger): the hard cases one by one, the fixture's figures, and its outputs."""

import importlib.util
import io
import json
import sqlite3

import pytest
from rich.console import Console
from typer.testing import CliRunner

from classifier.annotate import DocumentResult, Sentence
from classifier.cli import app
from classifier.labels import LABELS, summarize
from classifier.ledger import Source, SourceFinder, build_ledger, find_sources
from classifier.render import print_pretty, render

from conftest import ROOT

A, F, S = "attributed_claim", "sourced_fact", "speculation"


@pytest.fixture(scope="module")
def finder():
    return SourceFinder()


def first(finder, texts, labels, i):
    """(span, type, unit, verb, quote, name) of unit i's first source, or None."""
    found = finder.find(texts, labels)[i]
    if not found:
        return None
    s = found[0]
    return s.text, s.type, s.unit, s.verb, s.quote, s.name


def test_source_after_the_quote_with_a_title_and_an_appositive(finder):
    texts = ['"We played like strangers," said Tomas Brenk, the Harwick United manager.',
             "Finance Minister Lena Varga said the plan was ready.",
             "Maria Ortiz, the agency's director, said the lanes would open in March."]
    assert first(finder, texts, [A, A, A], 0) == ("Tomas Brenk", "person", 0, "said", True, "Tomas Brenk")
    assert first(finder, texts, [A, A, A], 1)[:2] == ("Lena Varga", "person")
    assert first(finder, texts, [A, A, A], 2)[:4] == ("Maria Ortiz", "person", 2, "said")


def test_a_bare_quotation_rests_on_the_speaker_in_the_unit_before(finder):
    texts = ["Club captain Joel Marsh was more blunt.", '"Some of us did not turn up."']
    assert first(finder, texts, [F, A], 1) == ("Joel Marsh", "person", 0, None, True, "Joel Marsh")
    # and on the one after, when the quotation opens the piece
    texts = ['"I thought it was just a cold."', "That is how Mira Jansen, a teacher, remembers the first day."]
    assert first(finder, texts, [A, A], 0)[:3] == ("Mira Jansen", "person", 1)


def test_according_to_in_the_middle_and_records(finder):
    texts = ["Demand, according to the Pellinor Group, was strongest in food packaging.",
             "The cloud unit had revenue of $410 million last year, filings show.",
             "The bridge opened in 1932."]
    assert first(finder, texts, [A, F, F], 0)[:4] == ("Pellinor Group", "organisation", 0, "according to")
    assert first(finder, texts, [A, F, F], 1)[:2] == ("filings", "document")
    assert first(finder, texts, [A, F, F], 2) is None  # a fact that cites nothing is no claim


def test_the_company_and_she_resolve_to_names_met_earlier(finder):
    texts = ["Veltrix Holdings said on Monday it would cut 600 jobs.",
             "The company said the cuts were needed to stay competitive.",
             "Headteacher Sarah Quill said the scheme was paid for by a charity.",
             '"Hungry children cannot learn," she said.']
    labels = [A, A, A, A]
    assert first(finder, texts, labels, 1)[:2] == ("company", "organisation")  # determiners stay out
    assert first(finder, texts, labels, 1)[5] == "Veltrix Holdings"
    assert first(finder, texts, labels, 3) == ("she", "person", 3, "said", True, "Sarah Quill")


@pytest.mark.parametrize("text, span", [
    ("Norrland Systems is reportedly preparing to sell its cloud unit.", "reportedly"),
    ("The river is seen as one of the cleanest in the region.", "is seen as"),
    ("Two people familiar with the matter said the board approved the plan.", "people familiar with the matter"),
    ("Insiders tell a different story.", "Insiders"),
    ("It is understood that two more ministers will leave.", "It is understood"),
])
def test_anonymous_sources(finder, text, span):
    assert first(finder, [text], [A], 0)[:2] == (span, "anonymous")


def test_outlets_and_documents(finder):
    texts = ["The Daily Courant first reported the groundings.",
             "According to a leaked internal memo, Quillon plans to stop selling its budget phones."]
    assert first(finder, texts, [A, A], 0)[:2] == ("Daily Courant", "outlet")
    assert first(finder, texts, [A, A], 1)[:2] == ("leaked internal memo", "document")


def test_ledger_counts_types_unknowns_and_named_sources():
    def src(text, type_, name=None):
        return Source(text, type_, 0, 0, len(text), "said", False, name)

    sources = [[src("Maria Ortiz", "person", "Maria Ortiz")], [], [src("sources", "anonymous")],
               [src("she", "person", "Maria Ortiz")], [src("filings", "document")], [], []]
    labels = [A, A, A, A, F, F, S]
    ledger = build_ledger(sources, labels)
    # four attributed claims (one without a source found) and one fact citing a record
    assert ledger.claims == 5
    assert ledger.counts == {"person": 2, "organisation": 0, "document": 1, "outlet": 0, "anonymous": 1, "unknown": 1}
    assert ledger.anonymous_share == 0.2
    assert ledger.named == [{"name": "Maria Ortiz", "type": "person", "claims": 2}]
    assert build_ledger([[], []], [S, F]).to_dict()["anonymous_share"] == 0.0


def _benchmark():
    spec = importlib.util.spec_from_file_location("sources_benchmark", ROOT / "benchmarks" / "sources.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_figures_on_the_hand_marked_fixture_stay_above_their_floors(finder):
    """benchmarks/sources.py's figures (docs/sources.md): floors a little below what the rules reach."""
    bench = _benchmark()
    docs = bench.load()
    assert sum(len(d["units"]) for d in docs) >= 300
    types = {s["type"] for d in docs for u in d["units"] for s in u["sources"]}
    assert types == {"person", "organisation", "document", "outlet", "anonymous"}
    whole = bench.score(docs, finder)
    assert whole["span_f1"] >= 0.95 and whole["type_accuracy"] >= 0.94
    # the last round, written after the rules were frozen (see docs/sources.md)
    last = bench.score([d for d in docs if d["split"] == bench.SPLITS[-1]], finder)
    assert last["span_f1"] >= 0.95 and last["type_accuracy"] >= 0.93


def test_a_trained_pipelines_entities_type_the_names():
    """--spacy-model: PERSON/ORG entities override the capitalisation guess (a blank pipeline with an entity ruler)."""
    import spacy

    text = "Quorvex Lumen said it would open a new plant."
    assert find_sources([text], [A])[0][0].type == "person"  # two capitalised words and no suffix: a person
    nlp = spacy.blank("en")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "ORG", "pattern": "Quorvex Lumen"}])
    assert find_sources([text], [A], nlp)[0][0].type == "organisation"


def test_annotate_cli_uses_a_trained_pipeline_given_by_path(tmp_path):
    import spacy

    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("entity_ruler").add_patterns([{"label": "ORG", "pattern": "Quorvex Lumen"}])
    nlp.to_disk(tmp_path / "pipe")
    story = tmp_path / "story.txt"
    story.write_text('"We will build it here," Quorvex Lumen said on Monday.\n', encoding="utf-8")
    result = CliRunner().invoke(app, ["annotate", str(story), "-f", "json", "--spacy-model", str(tmp_path / "pipe")])
    assert result.exit_code == 0, result.output
    [doc] = json.loads(result.stdout)
    assert doc["ledger"]["named"] == [{"name": "Quorvex Lumen", "type": "organisation", "claims": 1}]


STORY = ("Veltrix Holdings said on Monday it would cut 600 jobs at its Brannock plant.\n"
         "The plant employs about 2,100 people.\n"
         '"We had no choice," said Maria Ortiz, the company\'s finance director.\n'
         "According to people familiar with the matter, the board approved the plan last week.\n")


def test_annotate_json_has_sources_per_sentence_and_a_ledger(annotator):
    doc = annotator.annotate_text(STORY, path="story.txt")
    d = doc.to_dict()
    for s in d["sentences"]:
        for src in s["sources"]:
            assert STORY[src["start"]:src["end"]] == src["text"]  # offsets into the document, like sentences'
    found = [src["text"] for s in d["sentences"] for src in s["sources"]]
    assert "Maria Ortiz" in found and "people familiar with the matter" in found
    assert d["ledger"]["counts"]["anonymous"] >= 1 and 0 < d["ledger"]["anonymous_share"] < 1


def _hand_built(share_anonymous: bool) -> DocumentResult:
    text = "Sources said the deal was off." if share_anonymous else "Maria Ortiz said the deal was off."
    scores = {lab: (0.7 if lab == A else 0.1) for lab in LABELS}
    sentences = [Sentence(0, 0, len(text), text, A, 0.7, scores)]
    counts, shares, verdict = summarize([A])
    found = find_sources([text], [A])
    ledger = build_ledger(found, [A]).to_dict()
    return DocumentResult("story.md", verdict, counts, shares, sentences, text, [], ledger=ledger)


def test_pretty_and_html_show_the_sources_table_with_the_anonymous_share_standing_out():
    console = Console(record=True, width=100, color_system="truecolor", force_terminal=True, file=io.StringIO())
    print_pretty([_hand_built(True)], console)
    out = console.export_text(clear=False)
    assert "Sources of 1 claim(s)" in out and "Anonymous sources: 100% of claims" in out
    styled = console.export_text(styles=True)
    assert "\x1b[1;31mAnonymous sources: " in styled  # bold red at or above ANON_WARN
    page = render([_hand_built(True), _hand_built(False)], "html")
    assert page.count("<h3>Sources</h3>") == 2
    assert "class='anon high'>Anonymous sources: 100% of 1 claim(s)" in page
    assert "class='anon low'>Anonymous sources: 0% of 1 claim(s)" in page and "Maria Ortiz (person, 1)" in page


def test_score_writes_the_ledger_into_the_database(tmp_path):
    from classifier.batch.store import Store

    dump = tmp_path / "dump.jsonl"
    dump.write_text(json.dumps({"url": "https://example.org/a", "title": "Cuts", "text": STORY}) + "\n", encoding="utf-8")
    db = tmp_path / "news.db"
    result = CliRunner().invoke(app, ["score", str(dump), "--db", str(db), "--jobs", "1"])
    assert result.exit_code == 0, result.output
    con = sqlite3.connect(db)
    [(claims, person, anonymous, share)] = con.execute(
        "SELECT claims, person, anonymous, anonymous_share FROM source_ledgers").fetchall()
    assert claims >= 3 and person >= 1 and anonymous >= 1 and share == pytest.approx(anonymous / claims, abs=1e-4)
    named = dict(con.execute("SELECT name, claims FROM named_sources").fetchall())
    assert named.get("Maria Ortiz") == 1 and named.get("Veltrix Holdings") == 1
    # a database made before the ledger gains its tables when opened
    con.execute("DROP TABLE named_sources")
    con.execute("DROP TABLE source_ledgers")
    con.commit()
    con.close()
    with Store(db) as store:
        assert store.count("source_ledgers") == 0 and store.count("named_sources") == 0


def test_figures_on_real_news_stay_above_their_floors(finder):
    """../shared/dev2's attributed claims, sources hand-marked as offsets (benchmarks/data): docs/sources.md."""
    from conftest import shared_path

    bench = _benchmark()
    r = bench.score_real(finder, shared_path("dev2", "labels.jsonl"))
    assert r["claims"] == 94
    assert r["span_f1"] >= 0.76 and r["type_accuracy"] >= 0.72 and r["type_precision"] >= 0.88


def test_spans_always_point_at_their_text_on_scrambled_input(finder):
    """Random word salad from the rules' own vocabulary: no crash, and every span is where it says it is."""
    import random

    rng = random.Random(7)
    words = ('said according to the company Maria Ortiz , " \u201c \u201d \'s is seen as reportedly people familiar with - '
             '\u2014 : which by in a statement he she it they one of them Dr. J. & Holdings Times memo show . per told '
             'were asked not saying former its chair ( )').split()
    labels = [A, F, S, "boilerplate"]
    for _ in range(300):
        units = [" ".join(rng.choice(words) for _ in range(rng.randint(0, 14))) for _ in range(rng.randint(0, 6))]
        unit_labels = [rng.choice(labels) for _ in units]
        found = finder.find(units, unit_labels, [rng.random() < 0.3 for _ in units])
        for srcs in found:
            for s in srcs:
                assert units[s.unit][s.start:s.end] == s.text
        assert build_ledger(found, unit_labels).claims <= len(units)


def test_the_ledger_can_be_switched_off_from_python(annotator):
    annotator.with_sources = False
    try:
        doc = annotator.annotate_text(STORY)
    finally:
        annotator.with_sources = True
    assert doc.ledger is None and "ledger" not in doc.to_dict()
    assert all(s.sources is None and "sources" not in s.to_dict() for s in doc.sentences)
