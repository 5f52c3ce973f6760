"""How outlets trend: per outlet (or feed) and week (or month), what ``hypefact score`` stored.

For each group and period: the articles scored, their verdict mix, the mean share
of speculation, and the mean share of claims resting on anonymous sources (when
the database has it, see :data:`LEDGER_TABLE`). This is what
``hypefact report`` prints as a table, CSV or a self-contained HTML page with
small inline SVG charts (no script, no CDN: it renders offline).

Which score: each article's newest (as ``hypefact export``). Which date: the
article's publication date, else the day hypefact first saw it.

**Outlet** is the host of the article's URL, lower-cased, without a leading
``www.`` (``https://www.example.org/a`` -> ``example.org``). An article without a
web URL (a file in a folder, a dump line without ``url``) belongs to the title of
the first source it was seen in (the feed's title), else to that source's name.
**Feed** (``by="feed"``) is each source the article was seen in, by its title,
else its URL or path; an article carried by two feeds counts in both.

**Wire copy is counted once**: the same text (the same ``content_hash``, the
SHA-256 of the classified text) stored under several articles, say one agency
story in four feeds, counts as one article in a group and once in the totals,
dated by its earliest copy. The ``shared`` column says how many of a group's
articles also appear, word for word, in another group.
"""

from __future__ import annotations

import csv
import html
import io
import urllib.parse
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import PurePath

from ..about import HypefactError
from ..labels import VERDICTS
from .store import Store

GROUPINGS = ("outlet", "feed")
PERIODS = ("week", "month")
FORMATS = ("table", "csv", "html")

#: Where the per-article anonymous-source share comes from: the source ledger that ``hypefact
#: score`` writes beside each score (``source_ledgers.anonymous_share``, the share of the
#: article's sourced claims resting on an anonymous source; an article with no claims to
#: source has none). A database whose scores carry no ledger (scored before it existed)
#: shows the column as n/a.
LEDGER_TABLE = "source_ledgers"


class TrendError(HypefactError):
    """A report that cannot be made (bad option); the message is meant for the user."""


@dataclass
class TrendRow:
    """One group in one period (``group`` is ``"all"`` in the totals)."""

    group: str
    period: str
    articles: int = 0            # distinct texts
    shared: int = 0              # of them, also found word for word in another group
    verdicts: Counter = field(default_factory=Counter)
    speculation: float | None = None  # mean share of speculation among claim-making units
    anonymous: float | None = None    # mean anonymous-source share (None: not stored / no claims)
    with_claims: int = 0         # articles the speculation mean is over
    with_sources: int = 0        # articles the anonymous-source mean is over

    def verdict_share(self, verdict: str) -> float:
        return self.verdicts.get(verdict, 0) / self.articles if self.articles else 0.0


@dataclass
class TrendReport:
    by: str
    period: str
    since: str | None
    rows: list[TrendRow]      # per group and period, groups by name, periods in order
    totals: list[TrendRow]    # per period over all groups (each text once)
    verdicts: tuple[str, ...]  # the verdict columns (the known ones, then any other found)
    anonymous_stored: bool    # whether the database has the anonymous-source share at all
    copies_merged: int = 0    # stored articles folded into another with the same text

    @property
    def groups(self) -> list[str]:
        return list(dict.fromkeys(r.group for r in self.rows))

    @property
    def periods(self) -> list[str]:
        return sorted({r.period for r in self.rows})


@dataclass
class _Text:
    """One distinct article text within one group: the facts the report averages."""

    date: str
    verdict: str
    speculation: float | None
    anonymous: float | None


def outlet_of(url: str | None) -> str | None:
    """The outlet of an article URL: its host, lower-case, without ``www.``; None for no web URL."""
    if not url:
        return None
    try:
        parts = urllib.parse.urlsplit(url.strip())
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    host = parts.hostname.lower()
    return host[4:] if host.startswith("www.") else host


def period_of(iso: str, period: str) -> str:
    """``2025-06-03T08:00:00Z`` -> ``2025-W23`` (ISO week) or ``2025-06`` (month)."""
    try:
        day = date.fromisoformat(iso[:10])
    except (TypeError, ValueError):
        return "undated"
    if period == "month":
        return f"{day.year:04d}-{day.month:02d}"
    year, week, _ = day.isocalendar()
    return f"{year:04d}-W{week:02d}"


def period_range(periods: list[str], period: str, limit: int = 260) -> list[str]:
    """Every period from the first to the last of ``periods`` (so a chart shows quiet weeks as gaps);
    just ``periods``, sorted, when the span is longer than ``limit``. "undated" stays last."""
    dated = sorted(p for p in periods if p != "undated")
    tail = ["undated"] if "undated" in periods else []
    if not dated:
        return tail
    if period == "month":
        (y0, m0), (y1, m1) = (map(int, dated[0].split("-")), map(int, dated[-1].split("-")))
        span = [(y0 * 12 + m0 - 1 + k) for k in range((y1 * 12 + m1) - (y0 * 12 + m0) + 1)]
        out = [f"{n // 12:04d}-{n % 12 + 1:02d}" for n in span]
    else:
        first, last = (date.fromisocalendar(int(p[:4]), int(p[6:]), 1) for p in (dated[0], dated[-1]))
        out = [period_of((first + timedelta(weeks=k)).isoformat(), "week")
               for k in range((last - first).days // 7 + 1)]
    return (out if len(out) <= limit else dated) + tail


def _source_name(title: str | None, key: str) -> str:
    if title and title.strip():
        return title.strip()
    if "://" in key:
        return key
    return PurePath(key).name or key


def _has_rows(store: Store, table: str) -> bool:
    exists = list(store.query("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", [table]))
    return bool(exists) and bool(list(store.query(f"SELECT 1 FROM {table} LIMIT 1")))


def trend_report(store: Store, by: str = "outlet", period: str = "week", since: str | None = None) -> TrendReport:
    """Aggregate the stored scores per ``by`` (outlet or feed) and ``period`` (week or month).

    ``since`` is ISO 8601 UTC (see ``hypefact export``): articles dated before it are left out.
    """
    if by not in GROUPINGS:
        raise TrendError(f"--by {by!r}: choose from {', '.join(GROUPINGS)}")
    if period not in PERIODS:
        raise TrendError(f"--period {period!r}: choose from {', '.join(PERIODS)}")
    anonymous_stored = _has_rows(store, LEDGER_TABLE)
    anonymous = "CASE WHEN l.claims > 0 THEN l.anonymous_share END" if anonymous_stored else "NULL"
    ledger_join = (f"LEFT JOIN {LEDGER_TABLE} l ON l.article_id = s.article_id AND l.model_sha256 = s.model_sha256"
                   if anonymous_stored else "")
    sql = f"""
        SELECT * FROM (
            SELECT a.id, a.url, COALESCE(a.published, a.first_seen) AS day, s.content_hash, s.verdict,
                   s.share_speculation, s.count_sourced_fact + s.count_attributed_claim + s.count_speculation
                   AS claims, {anonymous} AS anonymous,
                   ROW_NUMBER() OVER (PARTITION BY s.article_id ORDER BY s.scored_at DESC, s.model_sha256) AS rn
            FROM scores s JOIN articles a ON a.id = s.article_id {ledger_join}
            {"WHERE COALESCE(a.published, a.first_seen) >= ?" if since else ""}
        ) WHERE rn = 1
    """
    articles = list(store.query(sql, [since] if since else []))
    sources: dict[str, list[tuple[str, str]]] = defaultdict(list)  # article id -> [(name, key)] by first seen
    for row in store.query("SELECT l.article_id, so.key, so.title FROM article_sources l "
                           "JOIN sources so ON so.id = l.source_id ORDER BY l.first_seen, so.key"):
        sources[row["article_id"]].append((_source_name(row["title"], row["key"]), row["key"]))

    # group -> text hash -> its earliest copy in that group; and every group a text appears in
    texts: dict[str, dict[str, _Text]] = defaultdict(dict)
    groups_of: dict[str, set[str]] = defaultdict(set)
    for a in articles:
        if by == "outlet":
            first = sources[a["id"]][:1]
            names = [outlet_of(a["url"]) or (first[0][0] if first else "(unknown)")]
        else:
            names = [name for name, _ in sources[a["id"]]] or ["(unknown)"]
        fact = _Text(a["day"], a["verdict"], a["share_speculation"] if a["claims"] else None,
                     a["anonymous"])
        for name in names:
            held = texts[name].get(a["content_hash"])
            if held is None or fact.date < held.date:
                texts[name][a["content_hash"]] = fact
            groups_of[a["content_hash"]].add(name)
    merged = len(articles) - len({a["content_hash"] for a in articles})

    rows = []
    for name in sorted(texts, key=str.casefold):
        buckets: dict[str, list[tuple[str, _Text]]] = defaultdict(list)
        for h, fact in texts[name].items():
            buckets[period_of(fact.date, period)].append((h, fact))
        for p in sorted(buckets):
            rows.append(_row(name, p, buckets[p], groups_of))
    # totals: each text once over all groups, dated by its earliest copy anywhere
    everywhere: dict[str, _Text] = {}
    for name in texts:
        for h, fact in texts[name].items():
            if h not in everywhere or fact.date < everywhere[h].date:
                everywhere[h] = fact
    by_period: dict[str, list[tuple[str, _Text]]] = defaultdict(list)
    for h, fact in everywhere.items():
        by_period[period_of(fact.date, period)].append((h, fact))
    totals = [_row("all", p, by_period[p], groups_of) for p in sorted(by_period)]
    found = {v for r in rows for v in r.verdicts}
    verdicts = tuple(VERDICTS) + tuple(sorted(found - set(VERDICTS)))
    return TrendReport(by, period, since, rows, totals, verdicts, anonymous_stored, merged)


def _row(group: str, period: str, items: list[tuple[str, _Text]], groups_of: dict[str, set[str]]) -> TrendRow:
    row = TrendRow(group, period, articles=len(items))
    row.shared = sum(1 for h, _ in items if len(groups_of.get(h, ())) > 1)
    row.verdicts = Counter(fact.verdict for _, fact in items)
    spec = [fact.speculation for _, fact in items if fact.speculation is not None]
    anon = [fact.anonymous for _, fact in items if fact.anonymous is not None]
    row.with_claims, row.with_sources = len(spec), len(anon)
    row.speculation = sum(spec) / len(spec) if spec else None
    row.anonymous = sum(anon) / len(anon) if anon else None
    return row


# -- output ----------------------------------------------------------------------------

def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.0%}"


def _header(report: TrendReport) -> list[str]:
    return [report.by, report.period, "articles", "shared", *report.verdicts, "speculation_share",
            "anonymous_source_share"]


def to_csv(report: TrendReport) -> str:
    """One line per group and period, then the totals (group ``all``); shares as fractions, empty when n/a."""
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(_header(report))
    for r in report.rows + report.totals:
        writer.writerow([r.group, r.period, r.articles, r.shared, *(r.verdicts.get(v, 0) for v in report.verdicts),
                         "" if r.speculation is None else round(r.speculation, 4),
                         "" if r.anonymous is None else round(r.anonymous, 4)])
    return buf.getvalue()


def print_table(report: TrendReport, console=None) -> None:
    """The report as a Rich table: one row per group and period, the totals in the footer rows."""
    from rich import box
    from rich.console import Console
    from rich.table import Table

    console = console or Console(highlight=False)
    if not console.is_terminal and console.width < 160:
        console.width = 160  # a file or a pipe has no edge: do not squeeze the table
    table = Table(title=_title(report), box=box.SIMPLE_HEAVY if console.is_terminal else box.ASCII)
    for col in _header(report):
        name = {"speculation_share": "speculation", "anonymous_source_share": "anonymous sources"}.get(col, col)
        if col == report.by:  # a long feed title is cut, not the figures
            table.add_column(name, no_wrap=True, max_width=40, overflow="ellipsis")
            continue
        table.add_column(name, no_wrap=col == report.period, min_width=len(name) if col != report.period else None,
                         justify="left" if col == report.period else "right")
    last = None
    for r in report.rows:
        table.add_row("" if r.group == last else r.group, r.period, str(r.articles), str(r.shared),
                      *(str(r.verdicts.get(v, 0)) for v in report.verdicts), _pct(r.speculation), _pct(r.anonymous))
        last = r.group
    table.add_section()
    for r in report.totals:
        table.add_row("all" if r is report.totals[0] else "", r.period, str(r.articles), str(r.shared),
                      *(str(r.verdicts.get(v, 0)) for v in report.verdicts), _pct(r.speculation), _pct(r.anonymous))
    console.print(table)
    for line in _notes(report):
        console.print(line, markup=False)


def _title(report: TrendReport) -> str:
    since = f" since {report.since[:10]}" if report.since else ""
    return f"hypefact: articles per {report.by} and {report.period}{since}"


def _notes(report: TrendReport) -> list[str]:
    notes = [f"{sum(r.articles for r in report.totals)} distinct article texts"
             + (f" ({report.copies_merged} stored copies of the same text counted once)" if report.copies_merged else "")
             + "; speculation share: mean over articles with at least one claim-making sentence."]
    if not report.anonymous_stored:
        notes.append("anonymous-source share: n/a (this database has no source ledger; "
                     "rescore with a hypefact that stores one)")
    return notes


# -- HTML with inline SVG -------------------------------------------------------------------

VERDICT_COLOURS = {"reporting": "#95d5b2", "mixed": "#ffd166", "analysis": "#f4978e"}
OTHER_COLOUR = "#c9c9c9"
SPECULATION_COLOUR = "#6a1b9a"
ANONYMOUS_COLOUR = "#1d3557"
_BAR, _GAP, _LEFT, _TOP, _PLOT, _BOTTOM = 18, 8, 34, 8, 90, 44


def svg_chart(rows: list[TrendRow], verdicts: tuple[str, ...], periods: list[str]) -> str:
    """A small chart of one group: per period a 100 % bar of the verdict mix, with the mean
    speculation share (solid line) and anonymous-source share (dashed) on the same 0-100 % axis.
    Periods without articles are left empty, so gaps show. Every bar and point has a ``<title>``
    (the browser's tooltip)."""
    by_period = {r.period: r for r in rows}
    width = _LEFT + len(periods) * (_BAR + _GAP) + _GAP
    height = _TOP + _PLOT + _BOTTOM
    out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
           f'viewBox="0 0 {width} {height}" role="img" class="trend">']
    for frac in (0.0, 0.5, 1.0):
        y = _TOP + _PLOT * (1 - frac)
        out.append(f'<line x1="{_LEFT - 3}" y1="{y:.1f}" x2="{width}" y2="{y:.1f}" stroke="#ddd" stroke-width="1"/>')
        out.append(f'<text x="{_LEFT - 5}" y="{y + 3:.1f}" font-size="9" text-anchor="end" fill="#555">{frac:.0%}</text>')
    spec_points, anon_points = [], []
    label_every = max(1, len(periods) // 12)
    for k, p in enumerate(periods):
        x = _LEFT + _GAP + k * (_BAR + _GAP)
        r = by_period.get(p)
        if r and r.articles:
            y = _TOP + _PLOT
            for v in verdicts:
                n = r.verdicts.get(v, 0)
                if not n:
                    continue
                h = _PLOT * n / r.articles
                y -= h
                tip = html.escape(f"{p}: {n} of {r.articles} {v}")
                out.append(f'<rect class="bar {html.escape(v)}" x="{x}" y="{y:.2f}" width="{_BAR}" height="{h:.2f}" '
                           f'fill="{VERDICT_COLOURS.get(v, OTHER_COLOUR)}"><title>{tip}</title></rect>')
            cx = x + _BAR / 2
            if r.speculation is not None:
                spec_points.append((cx, _TOP + _PLOT * (1 - r.speculation),
                                    f"{p}: mean speculation share {r.speculation:.0%}"))
            if r.anonymous is not None:
                anon_points.append((cx, _TOP + _PLOT * (1 - r.anonymous),
                                    f"{p}: anonymous-source share {r.anonymous:.0%}"))
        if k % label_every == 0:
            ly = _TOP + _PLOT + 8
            out.append(f'<text x="{x + _BAR / 2:.1f}" y="{ly}" font-size="9" fill="#333" text-anchor="end" '
                       f'transform="rotate(-50 {x + _BAR / 2:.1f} {ly})">{html.escape(p)}</text>')
    for points, colour, dash, cls in ((spec_points, SPECULATION_COLOUR, "", "speculation"),
                                      (anon_points, ANONYMOUS_COLOUR, ' stroke-dasharray="4 3"', "anonymous")):
        if len(points) > 1:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y, _ in points)
            out.append(f'<polyline class="line {cls}" points="{path}" fill="none" stroke="{colour}" '
                       f'stroke-width="2"{dash}/>')
        for x, y, tip in points:
            out.append(f'<circle class="point {cls}" cx="{x:.1f}" cy="{y:.1f}" r="3" fill="{colour}">'
                       f'<title>{html.escape(tip)}</title></circle>')
    out.append("</svg>")
    return "".join(out)


def to_html(report: TrendReport) -> str:
    """A self-contained page: a legend, one small chart and table per group, then the totals.
    No scripts and no external resources: it renders offline in any browser."""
    periods = period_range(sorted({r.period for r in report.rows + report.totals}), report.period)
    legend = "".join(f'<span class="key"><span class="swatch" style="background:{VERDICT_COLOURS.get(v, OTHER_COLOUR)}">'
                     f"</span>{html.escape(v)}</span>" for v in report.verdicts)
    legend += (f'<span class="key"><span class="swatch line" style="border-top:2px solid {SPECULATION_COLOUR}">'
               "</span>mean speculation share</span>")
    if report.anonymous_stored:
        legend += (f'<span class="key"><span class="swatch line" style="border-top:2px dashed {ANONYMOUS_COLOUR}">'
                   "</span>anonymous-source share</span>")
    sections = []
    by_group: dict[str, list[TrendRow]] = defaultdict(list)
    for r in report.rows:
        by_group[r.group].append(r)
    for name, rows in [("all", report.totals)] + list(by_group.items()):
        title = f"All {report.by}s (each text once)" if rows is report.totals else name
        sections.append(f'<section><h2>{html.escape(title)}</h2>{svg_chart(rows, report.verdicts, periods)}'
                        f"{_html_table(report, rows)}</section>")
    notes = "".join(f"<p class='note'>{html.escape(n)}</p>" for n in _notes(report))
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>{html.escape(_title(report))}</title><style>"
            "body{font-family:sans-serif;max-width:70em;margin:2em auto;padding:0 1em;color:#222}"
            "section{display:inline-block;vertical-align:top;margin:0 2em 2em 0}"
            "h2{font-size:1.05em;margin:.2em 0}table{border-collapse:collapse;font-size:.8em}"
            "td,th{padding:.15em .5em;text-align:right;border-bottom:1px solid #eee}td:first-child,th:first-child"
            "{text-align:left}.key{margin-right:1.2em;white-space:nowrap}.swatch{display:inline-block;width:1em;"
            "height:1em;vertical-align:middle;margin-right:.3em}.swatch.line{height:0;border-top:2px solid}"
            ".note{color:#555;font-size:.85em}</style></head><body>"
            f"<h1>{html.escape(_title(report))}</h1><p>{legend}</p>{notes}{''.join(sections)}</body></html>\n")


def _html_table(report: TrendReport, rows: list[TrendRow]) -> str:
    head = "".join(f"<th>{html.escape(c.replace('_', ' '))}</th>"
                   for c in [report.period, "articles", "shared", *report.verdicts, "speculation", "anonymous"])
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(c))}</td>" for c in
                         [r.period, r.articles, r.shared, *(r.verdicts.get(v, 0) for v in report.verdicts),
                          _pct(r.speculation), _pct(r.anonymous)]) + "</tr>"
        for r in rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render(report: TrendReport, fmt: str) -> str:
    """csv or html as a string (the table is printed, see :func:`print_table`)."""
    if fmt not in ("csv", "html"):
        raise TrendError(f"--format {fmt!r}: choose from {', '.join(FORMATS)}")
    return to_csv(report) if fmt == "csv" else to_html(report)
