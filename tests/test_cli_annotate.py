"""`hypefact annotate` through typer's CliRunner: every format, offsets, bad input."""

import csv
import io
import json

import pytest
from typer.testing import CliRunner

from classifier.labels import LABELS
from classifier.cli import app

ARTICLE = (
    "# Council backs bridge repair\n\n"
    "The council voted 31 to 9 on Thursday to spend \u00a348 million on the bridge.\n"
    '"We will not let it fall," said Mary Okafor, the transport chief.\n'
    "The repairs could easily overrun, and traders may suffer.\n"
    "Share this article\n"
)

runner = CliRunner()


def run(*args, input=None):
    result = runner.invoke(app, list(args), input=input)
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def article(tmp_path):
    path = tmp_path / "story.md"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def test_json_format_schema_and_offsets(article):
    result = run("annotate", str(article), "--format", "json")
    assert result.exit_code == 0, result.output
    (doc,) = json.loads(result.stdout)
    assert set(doc) >= {"path", "verdict", "counts", "shares", "sentences"}
    assert doc["verdict"] in ("reporting", "analysis", "mixed")
    assert set(doc["counts"]) == set(LABELS)
    assert sum(doc["counts"].values()) == len(doc["sentences"]) == 5
    for s in doc["sentences"]:
        assert ARTICLE[s["start"]:s["end"]] == s["text"]
        assert s["label"] in LABELS
        assert abs(sum(s["scores"].values()) - 1) < 1e-3
        assert s["confidence"] == max(s["scores"].values())
    labels = [s["label"] for s in doc["sentences"]]
    # clear-cut units: a quote with "said", page furniture, a hedged prediction
    assert labels[2] == "attributed_claim"
    assert labels[3] == "speculation"
    assert labels[4] == "boilerplate"


def test_jsonl_and_csv_have_one_row_per_sentence(article):
    jl = run("annotate", str(article), "-f", "jsonl")
    rows = [json.loads(line) for line in jl.stdout.splitlines()]
    # one row per sentence; the bulk formats skip the source ledger unless asked (it doubles the time)
    assert len(rows) == 5 and all(r["path"] == str(article) and "sources" not in r for r in rows)
    with_sources = [json.loads(line) for line in run("annotate", str(article), "-f", "jsonl", "--sources")
                    .stdout.splitlines()]
    assert all("sources" in r for r in with_sources) and any(r["sources"] for r in with_sources)
    assert [r["label"] for r in with_sources] == [r["label"] for r in rows]
    cs = run("annotate", str(article), "-f", "csv")
    table = list(csv.DictReader(io.StringIO(cs.stdout)))
    assert [r["label"] for r in table] == [r["label"] for r in rows]
    assert [r["text"] for r in table] == [r["text"] for r in rows]


def test_html_is_a_self_contained_page(article, tmp_path):
    out = tmp_path / "out.html"
    result = run("annotate", str(article), "-f", "html", "-o", str(out))
    assert result.exit_code == 0
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "Verdict:" in page
    assert "<script src" not in page and "mary okafor" in page.lower()


def test_pretty_shows_each_sentence_and_the_verdict(article):
    result = run("annotate", str(article))
    assert result.exit_code == 0
    assert "Verdict:" in result.stdout
    assert "Share this article" in result.stdout


def test_stdin(article):
    result = run("annotate", "-", "-f", "json", input=ARTICLE)
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["path"] == "<stdin>"


def test_html_input_keeps_furniture_as_lines(tmp_path):
    page = tmp_path / "page.html"
    page.write_text("<html><body><nav>Home | World | Sport</nav><h1>Bridge repairs approved</h1>"
                    "<p>The council voted 31 to 9 on Thursday. \u201cIt will not fall,\u201d the mayor said.</p>"
                    "<div class='promo'>Sign up for our newsletter</div></body></html>", encoding="utf-8")
    (doc,) = json.loads(run("annotate", str(page), "-f", "json").stdout)
    texts = [s["text"] for s in doc["sentences"]]
    assert texts[0] == "Home | World | Sport" and texts[-1] == "Sign up for our newsletter"
    assert doc["sentences"][0]["label"] == doc["sentences"][-1]["label"] == "boilerplate"


def test_bad_inputs_give_one_line_errors(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("")
    binary = tmp_path / "image.txt"
    binary.write_bytes(bytes(range(256)) * 10)
    for path, message in [(empty, "empty"), (binary, "binary"), (tmp_path / "nope.md", "no such file")]:
        result = run("annotate", str(path))
        assert result.exit_code == 1
        assert message in result.stderr
        assert result.stderr.startswith("error: ")


def test_huge_file_is_refused_clearly(tmp_path):
    big = tmp_path / "big.txt"
    line = "The council met again on Tuesday and voted on the budget.\n"
    with open(big, "w") as fh:
        for _ in range(50 * 1024 * 1024 // len(line) + 1):
            fh.write(line)
    assert big.stat().st_size > 50 * 1024 * 1024
    result = run("annotate", str(big))
    assert result.exit_code == 1 and "limit" in result.stderr


def test_cp1252_file_is_annotated_with_a_note(tmp_path):
    old = tmp_path / "old.txt"
    old.write_bytes("The caf\u00e9 owner said prices rose by \u00a32 \u2013 a 10% jump.".encode("cp1252"))
    result = run("annotate", str(old), "-f", "json")
    assert result.exit_code == 0
    (doc,) = json.loads(result.stdout)
    assert "\u00e9" in doc["sentences"][0]["text"] and "cp1252" in doc["notes"][0]


def test_malformed_html_is_annotated(tmp_path):
    page = tmp_path / "broken.html"
    page.write_text("<html><body><p>The mayor resigned on Monday.<p>She said she was tired</div></b><li>Home",
                    encoding="utf-8")
    result = run("annotate", str(page), "-f", "json")
    assert result.exit_code == 0
    assert len(json.loads(result.stdout)[0]["sentences"]) == 3


def test_one_bad_file_does_not_stop_the_others(article, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\x00\x01\x02binary")
    result = run("annotate", str(article), str(bad), str(article), "-f", "json")
    assert result.exit_code == 1
    assert len(json.loads(result.stdout)) == 2
    assert "bad.txt" in result.stderr and "1 of 3" in result.stderr


def test_unknown_format_and_missing_model(article, tmp_path):
    assert run("annotate", str(article), "-f", "xml").exit_code == 2
    result = run("annotate", str(article), "--model", str(tmp_path / "none.joblib"))
    assert result.exit_code == 1 and "no such model" in result.stderr
