"""Check the HTML of `hypefact report` in a real headless browser (Chromium), offline.

Usage:
    python benchmarks/report_in_browser.py                 # a demo database built from data/labels
    python benchmarks/report_in_browser.py --db news.db    # your own database
    python benchmarks/report_in_browser.py --screenshot report.png

Needs Chromium (Debian: ``apt-get install -y chromium``). Without ``--db`` it writes
a JSON Lines dump of articles built from the project's own data/labels, spread over
three made-up outlets and ten weeks, with some texts repeated at two outlets (wire
copy), and scores it with the shipped model (``--jobs 1``, about a minute).

It renders the report with ``--format html``, loads a copy of the page in headless
Chromium with network access switched off, and has the browser measure what it drew:
every ``<svg>`` chart laid out with a non-zero size, every bar of the verdict mix with a
non-zero height, the speculation line drawn. It prints those figures and exits 1
if any chart did not render. The page itself holds no script; the measuring script
is added to the copy only.
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# Runs in the browser after layout: what was actually drawn, written into the page.
MEASURE = """
<script>
window.addEventListener('load', () => {
  const charts = [...document.querySelectorAll('svg')].map(svg => {
    const box = svg.getBoundingClientRect();
    const bars = [...svg.querySelectorAll('rect.bar')];
    const lines = [...svg.querySelectorAll('polyline.speculation')];
    return {width: box.width, height: box.height, bars: bars.length,
            drawn_bars: bars.filter(b => b.getBBox().height > 0 && b.getBoundingClientRect().width > 0).length,
            line_length: lines.reduce((s, l) => s + l.getTotalLength(), 0)};
  });
  const pre = document.createElement('pre');
  pre.id = 'browser-check';
  pre.textContent = JSON.stringify({charts, tables: document.querySelectorAll('table').length,
                                    user_agent: navigator.userAgent});
  document.body.appendChild(pre);
});
</script>
"""


def find_chromium() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "chrome"):
        path = shutil.which(name)
        if path:
            return path
    return None


def demo_database(folder: Path) -> Path:
    """Score a small made-up set of outlets (texts from data/labels) into a fresh database."""
    from classifier.batch.run import make_engine, score_sources
    from classifier.training.corpus import document_texts, read_labels

    texts = [t for t in document_texts(read_labels([ROOT / "data" / "labels"])).values() if len(t) > 400][:60]
    outlets = ["gazette.example", "herald.example", "courier.example"]
    lines = []
    for i, text in enumerate(texts):
        week = i % 10
        day = f"2025-{3 + (week * 7 + i % 5) // 28:02d}-{1 + (week * 7 + i % 5) % 28:02d}T08:00:00Z"
        host = outlets[i % 3]
        lines.append({"id": f"{host}/{i}", "url": f"https://www.{host}/news/{i}", "published": day, "text": text})
        if i % 7 == 0:  # wire copy: the same text at the next outlet too
            other = outlets[(i + 1) % 3]
            lines.append({"id": f"{other}/wire-{i}", "url": f"https://{other}/wire/{i}", "published": day, "text": text})
    dump = folder / "demo.jsonl"
    dump.write_text("".join(json.dumps(x) + "\n" for x in lines), encoding="utf-8")
    db = folder / "demo.db"
    score_sources([str(dump)], db, engine=make_engine("local", 1))
    return db


def measure_in_browser(page: str, chromium: str, screenshot: Path | None = None) -> dict:
    """Load ``page`` (the report's HTML) in headless Chromium without network; what it drew."""
    import html

    if "<script" in page.lower():
        raise RuntimeError("the report must not need a script")
    with tempfile.TemporaryDirectory() as tmp:
        tmp = Path(tmp)
        checked = tmp / "report-checked.html"
        checked.write_text(page.replace("</body>", MEASURE + "</body>"), encoding="utf-8")
        flags = [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                 "--proxy-server=127.0.0.1:9", "--proxy-bypass-list=<-loopback>",  # no network: it must render offline
                 "--user-data-dir=" + str(tmp / "profile"), "--window-size=1400,2000"]
        out = subprocess.run(flags + ["--dump-dom", checked.as_uri()], capture_output=True, text=True, timeout=120)
        found = re.search(r'<pre id="browser-check">(.*?)</pre>', out.stdout, re.S)
        if not found:
            raise RuntimeError("the browser did not run the check: " + out.stderr[-2000:])
        if screenshot:
            plain = tmp / "report.html"
            plain.write_text(page, encoding="utf-8")
            subprocess.run(flags + [f"--screenshot={screenshot.resolve()}", plain.as_uri()],
                           capture_output=True, timeout=120)
        return json.loads(html.unescape(found.group(1)))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, help="a database written by `hypefact score` (default: a demo)")
    parser.add_argument("--by", default="outlet")
    parser.add_argument("--period", default="week")
    parser.add_argument("--screenshot", type=Path, help="also save a PNG of the page here")
    args = parser.parse_args()

    chromium = find_chromium()
    if chromium is None:
        print("Chromium not found (Debian: apt-get install -y chromium)", file=sys.stderr)
        return 2
    from classifier.batch.store import Store
    from classifier.batch.trends import to_html, trend_report

    with tempfile.TemporaryDirectory() as tmp:
        db = args.db or demo_database(Path(tmp))
        with Store(db) as store:
            page = to_html(trend_report(store, by=args.by, period=args.period))
    try:
        result = measure_in_browser(page, chromium, args.screenshot)
    except RuntimeError as exc:
        print(exc, file=sys.stderr)
        return 1
    charts = result["charts"]
    print(f"browser: {result['user_agent']}")
    print(f"{len(charts)} charts, {result['tables']} tables")
    bad = []
    for k, c in enumerate(charts):
        print(f"  chart {k}: {c['width']:.0f} x {c['height']:.0f} px, bars drawn {c['drawn_bars']}/{c['bars']}, "
              f"speculation line {c['line_length']:.0f} px")
        if c["width"] <= 0 or c["height"] <= 0 or c["drawn_bars"] != c["bars"] or c["bars"] == 0:
            bad.append(k)
    if bad or not charts:
        print(f"FAILED: charts {bad} did not render", file=sys.stderr)
        return 1
    print("ok: every chart rendered" + (f"; screenshot in {args.screenshot}" if args.screenshot else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
