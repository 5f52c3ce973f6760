"""Output formats for annotated documents: pretty (rich), json, jsonl, csv, html.

Every format carries, per document, the verdict, whether it is ``low_evidence``
(fewer claim-making sentences than ``--min-claims``), the model's id and the
hypefact version: a result can always be traced to what produced it.
"""

from __future__ import annotations

import csv
import html as html_lib
import io
import json

from .labels import LABELS
from .annotate import DocumentResult

FORMATS = ("pretty", "jsonl", "json", "csv", "html")
STYLE = {"sourced_fact": "green", "attributed_claim": "cyan", "speculation": "magenta", "boilerplate": "bright_black"}
HTML_COLOURS = {"sourced_fact": "#b7e4c7", "attributed_claim": "#bde0fe", "speculation": "#ffc8dd",
                "boilerplate": "#e0e0e0"}
CSV_COLUMNS = ("path", "index", "start", "end", "label", "confidence", *[f"p_{lab}" for lab in LABELS],
               "in_article", "verdict", "low_evidence", "model", "hypefact_version", "text")
#: What ``--hide`` can hide from the pretty output.
HIDEABLE = frozenset(LABELS)


def sentence_rows(results: list[DocumentResult]):
    """One flat dict per sentence, with its document's path, verdict and provenance (jsonl and csv)."""
    for r in results:
        for s in r.sentences:
            row = {"path": r.path, "index": s.index, "start": s.start, "end": s.end, "text": s.text,
                   "label": s.label, "confidence": s.confidence, "scores": s.scores, "in_article": s.in_article,
                   "verdict": r.verdict, "low_evidence": r.low_evidence, "model": r.model,
                   "hypefact_version": r.version}
            if s.sources is not None:
                row["sources"] = s.sources
            if s.why is not None:
                row["why"] = s.why
            yield row


def verdict_phrase(r: DocumentResult) -> str:
    """The verdict as a reader should take it: with its caveats spelled out."""
    text = r.verdict
    if r.verdict == "none":
        text += " (no claim-making sentences: nothing to judge)"
    elif r.low_evidence:
        text += f" (low evidence: only {r.n_claims} claim-making sentence{'s' if r.n_claims != 1 else ''})"
    if r.out_of_scope:
        text += f" [out of scope: language {r.language}]"
    return text


def write_jsonl(results: list[DocumentResult], fh) -> None:
    """One JSON line per sentence, written as it is made (memory stays flat on a huge document)."""
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    write = fh.write
    for row in sentence_rows(results):
        write(dumps(row) + "\n")


def to_json(results: list[DocumentResult]) -> str:
    """A JSON array of documents, one sentence a line.

    Written piece by piece with the C encoder: ``json.dumps(indent=...)`` falls back to the
    pure-Python encoder and costs 3-5x the whole ``jsonl`` output.
    """
    encode = json.JSONEncoder(ensure_ascii=False).encode
    docs = []
    for r in results:
        d = r.to_dict()
        sentences = d.pop("sentences")
        body = ",\n    ".join(encode(s) for s in sentences)
        docs.append(encode(d)[:-1] + (f', "sentences": [\n    {body}\n  ]}}' if sentences else ', "sentences": []}'))
    return "[\n  " + ",\n  ".join(docs) + "\n]\n" if docs else "[]\n"


def to_jsonl(results: list[DocumentResult]) -> str:
    """One object per sentence (each with its ``sources``; the document's ledger is in json)."""
    buf = io.StringIO()
    write_jsonl(results, buf)
    return buf.getvalue()


def write_csv(results: list[DocumentResult], fh) -> None:
    writer = csv.writer(fh)
    writer.writerow(CSV_COLUMNS)
    for row in sentence_rows(results):
        writer.writerow([row["path"], row["index"], row["start"], row["end"], row["label"], row["confidence"],
                         *[row["scores"].get(lab, 0.0) for lab in LABELS], int(row["in_article"]), row["verdict"],
                         int(row["low_evidence"]), row["model"], row["hypefact_version"], row["text"]])


def to_csv(results: list[DocumentResult]) -> str:
    buf = io.StringIO()
    write_csv(results, buf)
    return buf.getvalue()


def to_html(results: list[DocumentResult]) -> str:
    """A self-contained page: displaCy's entity style over character offsets, summary on top.

    A page's text is shown from its article region: the furniture before the article
    (menus, banners) and after it (related links, comments, footers) sits in
    collapsed ``<details>`` blocks, there to open but out of the way.
    """
    from spacy import displacy

    colours = {}
    parts = []
    for r in results:
        ents = []
        for s in r.sentences:
            tag = f"{s.label} {s.confidence:.2f}"
            colours[tag] = HTML_COLOURS[s.label]
            ents.append({"start": s.start, "end": s.end, "label": tag})
            if s.why is not None:  # --explain: the reasons as the sentence's tooltip
                ents[-1]["params"] = {"why": html_lib.escape(_why_line(s),
                                                             quote=True)}
        options = {"colors": colours}
        if any(s.why is not None for s in r.sentences):
            options["template"] = _ent_with_tooltip()

        def block(lo: int, hi: int) -> str:
            inner = [{**e, "start": e["start"] - lo, "end": e["end"] - lo} for e in ents
                     if e["start"] >= lo and e["end"] <= hi]
            return displacy.render({"text": r.text[lo:hi], "ents": inner, "title": None}, style="ent", manual=True,
                                   page=False, options=options)

        first, last = _article_bounds(r)
        body = ""
        if first > 0:
            body += (f"<details class='furniture'><summary>Page furniture before the article "
                     f"({_count(r, 0, first)} sentences)</summary>{block(0, first)}</details>")
        body += f"<div class='article'>{block(first, last)}</div>"
        if last < len(r.text):
            body += (f"<details class='furniture'><summary>Page furniture after the article "
                     f"({_count(r, last, len(r.text))} sentences)</summary>{block(last, len(r.text))}</details>")
        summary = " · ".join(f"{lab}: {r.counts[lab]}" for lab in LABELS)
        shares = ", ".join(f"{lab} {share:.0%}" for lab, share in r.shares.items())
        flag = " low-evidence" if r.low_evidence else ""
        notes = "".join(f"<br><em>note: {html_lib.escape(n)}</em>" for n in r.notes)
        parts.append(
            f"<section><h2>{html_lib.escape(r.path)}</h2>"
            f"<p class='verdict{flag}'>Verdict: <strong>{html_lib.escape(verdict_phrase(r))}</strong> &mdash; {summary}<br>"
            f"Shares of claim-making sentences: {shares}<br>"
            f"<small>model {html_lib.escape(r.model)} · hypefact {html_lib.escape(r.version)}</small>{notes}</p>"
            f"{_ledger_html(r.ledger)}{body}</section>"
        )
    legend = "".join(f"<span style='background:{c};padding:2px 6px;margin-right:6px'>{lab}</span>"
                     for lab, c in HTML_COLOURS.items())
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>hypefact</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.6}"
            ".verdict{background:#f6f6f6;padding:.6em}.low-evidence{background:#fff3cd}"
            ".furniture{color:#666;margin:.5em 0}" + LEDGER_CSS + "</style></head><body>"
            f"<h1>hypefact</h1><p>{legend}</p>{''.join(parts)}</body></html>\n")


def _why_line(s) -> str:
    """``why, over <runner-up>: <reasons>`` (explain is imported only when there are reasons: the thin
    client of ``hypefact serve`` renders without NumPy)."""
    from .explain import format_why

    return f"why, over {_runner_up(s)}: {format_why(s.why)}"


def _runner_up(s) -> str:
    """The label a sentence's reasons are weighed against: its second most likely."""
    ranked = sorted(s.scores, key=lambda lab: -s.scores[lab])
    return ranked[1] if len(ranked) > 1 else s.label


def _ent_with_tooltip() -> str:
    """displaCy's entity template with a ``title`` (the browser's tooltip) on each sentence."""
    from spacy.displacy.templates import TPL_ENT

    return TPL_ENT.replace("<mark class=\"entity\"", "<mark class=\"entity\" title=\"{why}\"", 1)


def _article_bounds(r: DocumentResult) -> tuple[int, int]:
    """Character span from the first to the last sentence inside the article region (whole text if none)."""
    inside = [s for s in r.sentences if s.in_article]
    if not inside or len(inside) == len(r.sentences):
        return 0, len(r.text)
    start = r.text.rfind("\n", 0, inside[0].start) + 1
    end = r.text.find("\n", inside[-1].end)
    return start, (len(r.text) if end == -1 else end)


def _count(r: DocumentResult, lo: int, hi: int) -> int:
    return sum(1 for s in r.sentences if s.start >= lo and s.end <= hi)


def print_pretty(results: list[DocumentResult], console, hide: frozenset[str] | set[str] = frozenset()) -> None:
    """Verdict and shares first, then each sentence coloured by label with its confidence.

    ``hide`` leaves out sentences of those labels (``--hide boilerplate`` shows a
    page without its furniture); the counts still include them.
    """
    from rich.table import Table
    from rich.text import Text

    for r in results:
        console.rule(f"[bold]{r.path}")
        style = "bold yellow" if r.low_evidence or r.out_of_scope else "bold"
        console.print(Text(f"Verdict: {verdict_phrase(r)}", style=style))
        table = Table(show_edge=False)
        table.add_column("label")
        table.add_column("sentences", justify="right")
        table.add_column("share of claims", justify="right")
        for lab in LABELS:
            share = f"{r.shares[lab]:.0%}" if lab in r.shares else "-"
            table.add_row(Text(lab, style=STYLE[lab]), str(r.counts[lab]), share)
        console.print(table)
        console.print(f"[dim]model {r.model} · hypefact {r.version}[/]")
        for note in r.notes:
            console.print(f"[yellow]note:[/] {note}")
        hidden = 0
        for s in r.sentences:
            if s.label in hide:
                hidden += 1
                continue
            line = Text()
            line.append(f"{s.label[:4]} {s.confidence:.2f} ", style=f"bold {STYLE[s.label]}")
            line.append(s.text, style=STYLE[s.label])
            console.print(line)
            if s.why is not None:
                console.print(Text("     " + _why_line(s), style="dim"))
        if hidden:
            console.print(f"[dim]({hidden} {', '.join(sorted(hide))} sentence{'s' if hidden != 1 else ''} hidden)[/]")
        if r.ledger is not None:
            print_ledger(r.ledger, console)


def render(results: list[DocumentResult], fmt: str) -> str:
    """Any machine-readable format as a string (pretty is printed, see :func:`print_pretty`)."""
    return {"json": to_json, "jsonl": to_jsonl, "csv": to_csv, "html": to_html}[fmt](results)


def write_rendered(results: list[DocumentResult], fmt: str, fh) -> None:
    """Write a machine-readable format to ``fh``; jsonl and csv row by row, never whole in memory."""
    if fmt == "jsonl":
        write_jsonl(results, fh)
    elif fmt == "csv":
        write_csv(results, fh)
    else:
        fh.write(render(results, fmt))


# ---------------------------------------------------------------------------
# The source ledger (classifier.ledger): who the claims rest on

LEDGER_CSS = (".sources{border-collapse:collapse;margin:.4em 0}.sources td,.sources th{padding:2px 10px;"
              "border-bottom:1px solid #ddd;text-align:left}.anon{font-weight:bold;padding:.3em .6em;"
              "display:inline-block}.anon.high{background:#ffd6d6;color:#8a0000}.anon.low{background:#eef6ee}")
#: An anonymous share at or above this is shown in warning colours.
ANON_WARN = 0.25
_SOURCE_ROWS = ("person", "organisation", "document", "outlet", "anonymous", "unknown")


def _share(n: int, total: int) -> str:
    return f"{n / total:.0%}" if total else "-"


def print_ledger(ledger: dict, console) -> None:
    """The "Sources" table: claims by source type (anonymous stands out), then the named sources."""
    from rich.table import Table

    claims = ledger["claims"]
    share = ledger["anonymous_share"]
    style = "bold red" if share >= ANON_WARN else "bold green"
    table = Table(title=f"Sources of {claims} claim(s)", show_edge=False)
    table.add_column("source")
    table.add_column("claims", justify="right")
    table.add_column("share", justify="right")
    for kind in _SOURCE_ROWS:
        n = ledger["counts"].get(kind, 0)
        row_style = style if kind == "anonymous" else ("dim" if n == 0 else None)
        table.add_row(kind, str(n), _share(n, claims), style=row_style)
    console.print(table)
    console.print(f"[{style}]Anonymous sources: {share:.0%} of claims[/]")
    if ledger["named"]:
        console.print("Named sources: " + "; ".join(f"{n['name']} ({n['type']}, {n['claims']})" for n in ledger["named"]))


def _ledger_html(ledger: dict | None) -> str:
    if ledger is None:
        return ""
    claims = ledger["claims"]
    share = ledger["anonymous_share"]
    rows = "".join(f"<tr><td>{kind}</td><td>{ledger['counts'].get(kind, 0)}</td>"
                   f"<td>{_share(ledger['counts'].get(kind, 0), claims)}</td></tr>" for kind in _SOURCE_ROWS)
    named = ", ".join(f"{html_lib.escape(n['name'])} ({n['type']}, {n['claims']})" for n in ledger["named"])
    level = "high" if share >= ANON_WARN else "low"
    return (f"<h3>Sources</h3><p class='anon {level}'>Anonymous sources: {share:.0%} of {claims} claim(s)</p>"
            f"<table class='sources'><tr><th>source</th><th>claims</th><th>share</th></tr>{rows}</table>"
            + (f"<p>Named sources: {named}</p>" if named else ""))
