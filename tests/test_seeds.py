"""The three seed articles: verdicts, and seed 001's page furniture found as boilerplate."""

import json

import pytest
from typer.testing import CliRunner

from classifier.cli import app
from conftest import shared_path


def annotate_seed(name):
    path = shared_path("seeds", name)
    result = CliRunner().invoke(app, ["annotate", str(path), "-f", "json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)[0]


@pytest.mark.parametrize("name,verdict", [
    ("000_067edb8c00c34e94.txt", "reporting"),
    ("001_54de7c2fc5897d18.txt", "reporting"),
    ("002_8b0fc522cf43492e.txt", "analysis"),
])
def test_seed_verdicts(name, verdict):
    assert annotate_seed(name)["verdict"] == verdict


def test_seed_001_furniture_is_boilerplate():
    doc = annotate_seed("001_54de7c2fc5897d18.txt")
    furniture = [s for s in doc["sentences"]
                 if s["text"].startswith(("--- title:", "- [", "| ", "|--", "> **Disclaimer"))]
    kinds = {"front matter": "--- title:", "ticker list": "- [", "links table": "| ", "disclaimer": "> **Disclaimer"}
    for kind, prefix in kinds.items():
        units = [s for s in furniture if s["text"].startswith(prefix)]
        assert units, f"no {kind} unit found"
        wrong = [s["text"][:60] for s in units if s["label"] != "boilerplate"]
        assert not wrong, f"{kind} not boilerplate: {wrong}"
    # ... while the article's own sentences between the furniture are read as claims.
    prose = [s for s in doc["sentences"] if s not in furniture and len(s["text"].split()) >= 12]
    assert len(prose) >= 5
    claims = [s for s in prose if s["label"] != "boilerplate"]
    assert len(claims) >= 0.8 * len(prose), [s["text"][:60] for s in prose if s not in claims]
