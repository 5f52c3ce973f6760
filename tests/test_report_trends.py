"""`hypefact report`: per outlet or feed and period, with wire copy counted once, and its HTML charts."""

import csv
import io
import sqlite3
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import pytest
from typer.testing import CliRunner

from classifier.batch.store import ModelId, Store
from classifier.batch.trends import TrendError, outlet_of, period_of, period_range, svg_chart, to_html, trend_report
from classifier.cli import app

MODEL = ModelId("test", "a" * 64)


@dataclass
class Art:
    id: str
    text: str
    url: str | None
    published: str | None
    title: str = "t"
    guid: str | None = None
    notes: list = field(default_factory=list)

    @property
    def content_hash(self):
        import hashlib
        return hashlib.sha256(self.text.encode()).hexdigest()


def result(verdict, speculation, claims=4):
    """A stored score: ``claims`` claim-making sentences, ``speculation`` of them speculative."""
    n_spec = round(speculation * claims)
    counts = {"sourced_fact": claims - n_spec, "attributed_claim": 0, "speculation": n_spec, "boilerplate": 1}
    shares = {"sourced_fact": (claims - n_spec) / claims if claims else 0.0, "attributed_claim": 0.0,
              "speculation": n_spec / claims if claims else 0.0}
    return {"verdict": verdict, "counts": counts, "shares": shares, "sentences": []}


WIRE = "An agency story carried word for word by several outlets."


@pytest.fixture
def db(tmp_path):
    """Two outlets over two ISO weeks (2025-W23: 2-8 June; W24: 9-15 June), one wire story in both."""
    path = tmp_path / "news.db"
    with Store(path) as store:
        gazette = store.source_id("https://gazette.example/rss", "feed_url")
        herald = store.source_id("https://herald.example/feed", "feed_url")
        folder = store.source_id("/data/letters", "folder")
        store.finish_source(gazette, "ok", None, "The Gazette", None, MODEL.sha256)
        store.finish_source(herald, "ok", None, "Herald Top Stories", None, MODEL.sha256)
        store.finish_source(folder, "ok", None, None, None, MODEL.sha256)
        items = [
            (gazette, Art("g1", "Gazette one.", "https://www.gazette.example/a/1", "2025-06-02T08:00:00Z"),
             result("reporting", 0.25)),
            (gazette, Art("g2", "Gazette two.", "https://gazette.example/a/2", "2025-06-04T08:00:00Z"),
             result("analysis", 0.75)),
            (gazette, Art("g3", "Gazette three.", "https://gazette.example/a/3", "2025-06-10T08:00:00Z"),
             result("mixed", 0.5)),
            # the wire story: in the Gazette's feed on 3 June and (a later copy) in the Herald's
            (gazette, Art("w1", WIRE, "https://gazette.example/wire/x", "2025-06-03T08:00:00Z"),
             result("reporting", 0.0)),
            (herald, Art("w2", WIRE, "https://herald.example/news/x", "2025-06-11T09:00:00Z"),
             result("reporting", 0.0)),
            # the same wire text twice in the Herald's feed (two guids): still one article
            (herald, Art("w3", WIRE, "https://herald.example/news/x-again", "2025-06-12T09:00:00Z"),
             result("reporting", 0.0)),
            (herald, Art("h1", "Herald one.", "https://herald.example/news/1", "2025-06-13T09:00:00Z"),
             result("analysis", 1.0)),
            # a menu page: no claims, so not in the speculation mean
            (herald, Art("h2", "Herald menu.", "https://herald.example/news/menu", "2025-06-13T10:00:00Z"),
             result("mixed", 0.0, claims=0)),
            # no URL: belongs to its source's name
            (folder, Art("f1", "A letter.", None, "2025-05-20T08:00:00Z"), result("analysis", 0.5)),
        ]
        for source, art, res in items:
            store.write_scored(art, source, res, MODEL, None)
        # the Herald's feed also carried the Gazette's story g3
        store.link([("g3", herald)])
    return path


def rows_of(report):
    return {(r.group, r.period): r for r in report.rows}


def test_outlet_and_period():
    assert outlet_of("https://www.Example.org:8080/a?b") == "example.org"
    assert outlet_of("file:///x") is None and outlet_of(None) is None and outlet_of("not a url") is None
    assert period_of("2025-06-02T08:00:00Z", "week") == "2025-W23"
    assert period_of("2024-12-30T00:00:00Z", "week") == "2025-W01"  # ISO week of the new year
    assert period_of("2025-06-02T08:00:00Z", "month") == "2025-06"
    assert period_range(["2024-W52", "2025-W02"], "week") == ["2024-W52", "2025-W01", "2025-W02"]
    assert period_range(["2024-11", "2025-02", "undated"], "month") == ["2024-11", "2024-12", "2025-01", "2025-02",
                                                                       "undated"]


def test_by_outlet_counts_wire_copy_once(db):
    with Store(db) as store:
        report = trend_report(store, by="outlet", period="week")
    rows = rows_of(report)
    assert report.groups == ["gazette.example", "herald.example", "letters"]
    g23 = rows[("gazette.example", "2025-W23")]
    assert (g23.articles, g23.shared) == (3, 1)  # g1, g2 and the wire story (also at the Herald)
    assert dict(g23.verdicts) == {"reporting": 2, "analysis": 1}
    assert g23.speculation == pytest.approx((0.25 + 0.75 + 0.0) / 3)
    h24 = rows[("herald.example", "2025-W24")]
    assert (h24.articles, h24.shared) == (3, 1)  # the wire story once (two copies), h1, the menu
    assert h24.with_claims == 2 and h24.speculation == pytest.approx((0.0 + 1.0) / 2)
    assert rows[("letters", "2025-W21")].articles == 1
    # totals: each text once, dated by its earliest copy (the wire story in W23)
    totals = {r.period: r for r in report.totals}
    assert totals["2025-W23"].articles == 3 and totals["2025-W24"].articles == 3
    assert sum(r.articles for r in report.totals) == 7  # 9 stored articles, 2 copies of one text
    assert report.copies_merged == 2
    assert not report.anonymous_stored and all(r.anonymous is None for r in report.rows)


def test_by_feed_month_and_since(db):
    with Store(db) as store:
        report = trend_report(store, by="feed", period="month", since="2025-06-01T00:00:00Z")
    rows = rows_of(report)
    assert set(report.groups) == {"The Gazette", "Herald Top Stories"}  # feed titles; the letter is before --since
    assert rows[("The Gazette", "2025-06")].articles == 4
    herald = rows[("Herald Top Stories", "2025-06")]
    assert herald.articles == 4  # wire (once), h1, menu, and g3 which the Herald's feed also carried
    assert herald.shared == 2


def test_anonymous_share_read_when_stored(db):
    with sqlite3.connect(db) as c:  # what the source ledger writes beside a score
        for article, claims, anonymous in (("g1", 4, 2), ("g2", 3, 0)):
            sha = c.execute("SELECT model_sha256 FROM scores WHERE article_id = ?", (article,)).fetchone()[0]
            c.execute("INSERT INTO source_ledgers(article_id, model_sha256, claims, person, organisation, document, "
                      "outlet, anonymous, unknown, anonymous_share) VALUES (?, ?, ?, 0, 0, 0, 0, ?, 0, ?)",
                      (article, sha, claims, anonymous, anonymous / claims))
    with Store(db) as store:
        report = trend_report(store)
    g23 = rows_of(report)[("gazette.example", "2025-W23")]
    assert report.anonymous_stored and g23.anonymous == pytest.approx(0.25) and g23.with_sources == 2
    assert rows_of(report)[("herald.example", "2025-W24")].anonymous is None


def test_bad_options(db):
    with Store(db) as store:
        with pytest.raises(TrendError, match="--by"):
            trend_report(store, by="author")
        with pytest.raises(TrendError, match="--period"):
            trend_report(store, period="day")


def test_svg_is_well_formed_and_proportional(db):
    with Store(db) as store:
        report = trend_report(store)
    periods = report.periods
    svg = svg_chart([r for r in report.rows if r.group == "gazette.example"], report.verdicts, periods)
    root = ET.fromstring(svg)
    ns = "{http://www.w3.org/2000/svg}"
    bars = root.findall(f"{ns}rect")
    # W23: 2 reporting + 1 analysis of 3; W24: 1 mixed of 1 -> four bars, heights by share
    assert len(bars) == 3
    heights = sorted(round(float(b.get("height")), 2) for b in bars)
    assert heights == [30.0, 60.0, 90.0]
    assert all(b.find(f"{ns}title").text for b in bars)
    assert len(root.findall(f"{ns}circle")) == 2 and root.find(f"{ns}polyline") is not None


def test_html_page_is_self_contained(db):
    with Store(db) as store:
        page = to_html(trend_report(store))
    assert page.startswith("<!DOCTYPE html>") and page.count("<svg") == 4  # all + three outlets
    assert ">2025-W22</text>" in page  # a quiet week between W21 and W23 keeps its place on the axis
    lowered = page.lower()
    assert "<script" not in lowered and "src=" not in lowered and "<link" not in lowered
    assert "http://" not in lowered.replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "https://" not in lowered
    import lxml.html
    doc = lxml.html.fromstring(page)
    assert len(doc.findall(".//section")) == 4 and len(doc.findall(".//table")) == 4


def test_cli_report(db, tmp_path):
    runner = CliRunner()
    table = runner.invoke(app, ["report", "--db", str(db)])
    assert table.exit_code == 0, table.output
    assert "gazette.example" in table.stdout and "2025-W23" in table.stdout and "n/a" in table.stdout
    out = runner.invoke(app, ["report", "--db", str(db), "--by", "feed", "--period", "month", "-f", "csv"])
    assert out.exit_code == 0, out.output
    rows = list(csv.DictReader(io.StringIO(out.stdout)))
    assert rows[0].keys() >= {"feed", "month", "articles", "shared", "reporting", "mixed", "analysis",
                              "speculation_share", "anonymous_source_share"}
    assert [r for r in rows if r["feed"] == "all"]
    html_path = tmp_path / "trends.html"
    assert runner.invoke(app, ["report", "--db", str(db), "-f", "html", "-o", str(html_path)]).exit_code == 0
    assert "<svg" in html_path.read_text(encoding="utf-8")
    bad = runner.invoke(app, ["report", "--db", str(db), "--period", "day"])
    assert bad.exit_code == 2 and "--period" in bad.output and "Traceback" not in bad.output
    missing = runner.invoke(app, ["report", "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 1 and "no such database" in missing.output


@pytest.mark.slow
def test_html_renders_in_a_real_browser(db):
    """benchmarks/report_in_browser.py's check: headless Chromium, no network, lays out every chart."""
    import importlib.util
    from pathlib import Path

    script = Path(__file__).resolve().parent.parent / "benchmarks" / "report_in_browser.py"
    spec = importlib.util.spec_from_file_location("report_in_browser", script)
    check = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(check)
    chromium = check.find_chromium()
    if chromium is None:
        pytest.skip("Chromium is not installed (Debian: apt-get install -y chromium)")
    with Store(db) as store:
        page = to_html(trend_report(store))
    result = check.measure_in_browser(page, chromium)
    assert len(result["charts"]) == 4 and result["tables"] == 4
    for chart in result["charts"]:
        assert chart["width"] > 100 and chart["height"] > 100
        assert chart["bars"] > 0 and chart["drawn_bars"] == chart["bars"]
    assert result["charts"][0]["line_length"] > 0  # the totals' speculation line joins three weeks
