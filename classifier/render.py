"""Output formats for annotated documents: pretty (rich), json, jsonl, csv, html."""

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
CSV_COLUMNS = ("path", "index", "start", "end", "label", "confidence", *[f"p_{lab}" for lab in LABELS], "text")


def sentence_rows(results: list[DocumentResult]):
    """One flat dict per sentence, with its document's path (jsonl and csv)."""
    for r in results:
        for s in r.sentences:
            yield {"path": r.path, "index": s.index, "start": s.start, "end": s.end, "text": s.text,
                   "label": s.label, "confidence": s.confidence, "scores": s.scores, "sources": s.sources}


def to_json(results: list[DocumentResult]) -> str:
    return json.dumps([r.to_dict() for r in results], ensure_ascii=False, indent=2) + "\n"


def to_jsonl(results: list[DocumentResult]) -> str:
    """One object per sentence, then (when there is one) one per document: ``{"path", "ledger"}``."""
    lines = []
    for r in results:
        lines += [json.dumps(row, ensure_ascii=False) for row in sentence_rows([r])]
        if r.ledger is not None:
            lines.append(json.dumps({"path": r.path, "ledger": r.ledger}, ensure_ascii=False))
    return "".join(line + "\n" for line in lines)


def to_csv(results: list[DocumentResult]) -> str:
    buf = io.StringIO()
    writer = csv.writer(buf)
    writer.writerow(CSV_COLUMNS)
    for row in sentence_rows(results):
        writer.writerow([row["path"], row["index"], row["start"], row["end"], row["label"], row["confidence"],
                         *[row["scores"].get(lab, 0.0) for lab in LABELS], row["text"]])
    return buf.getvalue()


def to_html(results: list[DocumentResult]) -> str:
    """A self-contained page: displaCy's entity style over character offsets, summary on top."""
    from spacy import displacy

    colours = {}
    parts = []
    for r in results:
        ents = []
        for s in r.sentences:
            tag = f"{s.label} {s.confidence:.2f}"
            colours[tag] = HTML_COLOURS[s.label]
            ents.append({"start": s.start, "end": s.end, "label": tag})
        body = displacy.render({"text": r.text, "ents": ents, "title": None}, style="ent", manual=True,
                               page=False, options={"colors": colours})
        summary = " · ".join(f"{lab}: {r.counts[lab]}" for lab in LABELS)
        shares = ", ".join(f"{lab} {share:.0%}" for lab, share in r.shares.items())
        parts.append(
            f"<section><h2>{html_lib.escape(r.path)}</h2>"
            f"<p class='verdict'>Verdict: <strong>{r.verdict}</strong> &mdash; {summary}<br>"
            f"Shares of claim-making sentences: {shares}</p>{_ledger_html(r.ledger)}{body}</section>"
        )
    legend = "".join(f"<span style='background:{c};padding:2px 6px;margin-right:6px'>{lab}</span>"
                     for lab, c in HTML_COLOURS.items())
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>hypefact</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.6}"
            ".verdict{background:#f6f6f6;padding:.6em}" + LEDGER_CSS + "</style></head><body>"
            f"<h1>hypefact</h1><p>{legend}</p>{''.join(parts)}</body></html>\n")


def print_pretty(results: list[DocumentResult], console) -> None:
    """Each sentence coloured by label with its confidence, then counts, shares and verdict."""
    from rich.table import Table
    from rich.text import Text

    for r in results:
        console.rule(f"[bold]{r.path}")
        for note in r.notes:
            console.print(f"[yellow]note:[/] {note}")
        for s in r.sentences:
            line = Text()
            line.append(f"{s.label[:4]} {s.confidence:.2f} ", style=f"bold {STYLE[s.label]}")
            line.append(s.text, style=STYLE[s.label])
            console.print(line)
        table = Table(title=f"Verdict: {r.verdict}", show_edge=False)
        table.add_column("label")
        table.add_column("sentences", justify="right")
        table.add_column("share of claims", justify="right")
        for lab in LABELS:
            share = f"{r.shares[lab]:.0%}" if lab in r.shares else "-"
            table.add_row(Text(lab, style=STYLE[lab]), str(r.counts[lab]), share)
        console.print(table)
        if r.ledger is not None:
            print_ledger(r.ledger, console)


def render(results: list[DocumentResult], fmt: str) -> str:
    """Any machine-readable format as a string (pretty is printed, see :func:`print_pretty`)."""
    return {"json": to_json, "jsonl": to_jsonl, "csv": to_csv, "html": to_html}[fmt](results)


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
