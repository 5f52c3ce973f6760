"""The ``hypefact`` command line: a thin layer over the library.

Heavy imports (spaCy, scikit-learn) happen inside the commands so that
``hypefact --help`` and start-up stay fast.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Tell reporting from hype, sentence by sentence.")


def fail(message: str, code: int = 1) -> None:
    """Print a one-line error and exit (no traceback for the user's mistakes)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def write_output(text: str, output: Optional[Path]) -> None:
    if output is None:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    from .data import atomic_write_text

    atomic_write_text(output, text)


def _console(output: Optional[Path] = None):
    from rich.console import Console

    if output is not None:
        return Console(file=open(output, "w", encoding="utf-8"), force_terminal=False, width=100)
    return Console(highlight=False, soft_wrap=True)


@app.command()
def annotate(
    paths: List[str] = typer.Argument(..., help="Files (.txt, .md, .html/.htm) or - for stdin."),
    format: str = typer.Option("pretty", "--format", "-f", help="pretty, jsonl, json, csv or html."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model file (default: the shipped model)."),
    spacy_model: Optional[str] = typer.Option(None, "--spacy-model", help="An installed trained spaCy pipeline."),
    max_mb: float = typer.Option(20.0, "--max-mb", help="Refuse files larger than this many MB."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Force an input encoding."),
):
    """Label every sentence of each article and give a verdict: reporting, analysis or mixed."""
    from .render import FORMATS, print_pretty, render

    if format not in FORMATS:
        fail(f"unknown format {format!r} (choose from {', '.join(FORMATS)})", 2)
    annotator = _load_annotator(model, spacy_model)
    from .textio import InputError

    results, failed = [], 0
    for path in paths:
        try:
            results.append(annotator.annotate_file(path, int(max_mb * 1024 * 1024), encoding))
        except InputError as exc:
            failed += 1
            typer.echo(f"error: {exc}", err=True)
    if results:
        if format == "pretty":
            print_pretty(results, _console(output))
        else:
            write_output(render(results, format), output)
    if failed:
        typer.echo(f"{failed} of {len(paths)} input(s) could not be annotated", err=True)
        raise typer.Exit(1)


def _load_annotator(model: Optional[Path], spacy_model: Optional[str]):
    from .annotate import Annotator
    from .model import ModelError

    try:
        return Annotator.load(model, spacy_model)
    except (ModelError, ValueError) as exc:
        fail(str(exc))


@app.command()
def evaluate(
    labels: List[Path] = typer.Argument(..., help="Label files (JSON Lines) or folders."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model file (default: the shipped model)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    errors: bool = typer.Option(False, "--errors", help="Also list misclassified units in context."),
):
    """Score the model on labeled sentences: accuracy, macro-F1, per-label figures, confusion."""
    from .data import LabelFileError, read_labels
    from .evaluate import evaluate_units
    from .model import ModelError, load_predictor

    try:
        units = read_labels(labels)
        estimator, _ = load_predictor(model)
    except (LabelFileError, ModelError) as exc:
        fail(str(exc))
    if not units:
        fail("no labeled units found")
    ev = evaluate_units(estimator, units)
    report = ev.report()
    if as_json:
        if errors:
            report["errors"] = ev.errors()
        typer.echo(json.dumps(report, indent=2))
        return
    _print_report(report)
    if errors:
        _print_errors(ev.errors())


def _print_report(report: dict) -> None:
    from rich.table import Table

    console = _console()
    table = Table(title=f"{report['n']} units · accuracy {report['accuracy']:.3f} · macro-F1 {report['macro_f1']:.3f}")
    for col in ("label", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for lab, m in report["per_label"].items():
        table.add_row(lab, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(m["support"]))
    console.print(table)
    conf = Table(title="confusion (rows: gold, columns: predicted)")
    conf.add_column("")
    labels = report["confusion"]["labels"]
    for lab in labels:
        conf.add_column(lab[:10], justify="right")
    for lab, row in zip(labels, report["confusion"]["matrix"]):
        conf.add_row(lab, *map(str, row))
    console.print(conf)
    docs = report.get("documents") or {}
    if docs.get("n"):
        table = Table(title=f"{docs['n']} documents · speculation-share MAE {docs['speculation_share_mae']:.3f} · "
                            f"clear-cut verdicts right {docs['clear_cut_right']}/{docs['clear_cut']}")
        for col in ("document", "units", "true share", "predicted", "true verdict", "predicted verdict"):
            table.add_column(col, justify="left" if "document" in col or "verdict" in col else "right")
        for d in docs["per_document"]:
            table.add_row(d["doc"], str(d["units"]), f"{d['true_share']:.2f}", f"{d['predicted_share']:.2f}",
                          d["true_verdict"], d["predicted_verdict"])
        console.print(table)


def _print_errors(errs: list[dict]) -> None:
    console = _console()
    console.print(f"[bold]{len(errs)} misclassified units[/]")
    for e in errs:
        console.rule(f"{e['doc']}: gold {e['gold']}, predicted {e['predicted']}")
        for t in e["before"]:
            console.print(f"[dim]  {t}[/]")
        console.print(f"> {e['text']}")
        for t in e["after"]:
            console.print(f"[dim]  {t}[/]")
        console.print("  " + ", ".join(f"{k} {v:.2f}" for k, v in e["scores"].items()))


from .cli_batch import register as _register_batch; _register_batch(app)  # noqa: E402,E702
from .cli_labels import register as _register_labels; _register_labels(app)  # noqa: E402,E702


def main() -> None:
    app()


if __name__ == "__main__":
    main()
