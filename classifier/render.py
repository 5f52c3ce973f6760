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
                   "label": s.label, "confidence": s.confidence, "scores": s.scores}


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
    buf = io.StringIO()
    write_jsonl(results, buf)
    return buf.getvalue()


def write_csv(results: list[DocumentResult], fh) -> None:
    writer = csv.writer(fh)
    writer.writerow(CSV_COLUMNS)
    for row in sentence_rows(results):
        writer.writerow([row["path"], row["index"], row["start"], row["end"], row["label"], row["confidence"],
                         *[row["scores"].get(lab, 0.0) for lab in LABELS], row["text"]])


def to_csv(results: list[DocumentResult]) -> str:
    buf = io.StringIO()
    write_csv(results, buf)
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
            f"Shares of claim-making sentences: {shares}</p>{body}</section>"
        )
    legend = "".join(f"<span style='background:{c};padding:2px 6px;margin-right:6px'>{lab}</span>"
                     for lab, c in HTML_COLOURS.items())
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>hypefact</title>"
            "<style>body{font-family:sans-serif;max-width:60em;margin:2em auto;line-height:1.6}"
            ".verdict{background:#f6f6f6;padding:.6em}</style></head><body>"
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
