"""``hypefact annotate`` and ``hypefact evaluate``: thin commands over :func:`classifier.annotate.annotate_paths`
and :func:`classifier.training.evaluate.evaluate`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from ..labels import DEFAULT_MIN_CLAIMS
from .app import app, choices, console, fail, info, output_failure, write_streamed


@app.command()
def annotate(
    paths: List[str] = typer.Argument(..., help="Files (.txt, .md, .html/.htm), http(s) URLs, or - for stdin."),
    format: str = typer.Option("pretty", "--format", "-f", help="pretty, jsonl, json, csv or html.",
                               autocompletion=choices("pretty", "jsonl", "json", "csv", "html")),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model file (default: the shipped model)."),
    spacy_model: Optional[str] = typer.Option(
        None, "--spacy-model", help="An installed trained spaCy pipeline (its senter splits, its NER types sources)."),
    max_mb: float = typer.Option(20.0, "--max-mb", help="Refuse files larger than this many MB."),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="Force an input encoding."),
    sources: Optional[bool] = typer.Option(
        None, "--sources/--no-sources", help="Find what each claim rests on (\"sources\" per sentence, a ledger per "
        "document). Default: on for pretty, json and html; off for the bulk formats jsonl and csv (it about "
        "doubles the time)."),
    explain: bool = typer.Option(False, "--explain", help="Say why: the features that pushed each sentence "
                                 "towards its label, with their weights (json/jsonl \"why\", html tooltip, pretty)."),
    min_claims: int = typer.Option(DEFAULT_MIN_CLAIMS, "--min-claims", min=1,
                                   help="Mark a verdict low_evidence below this many claim-making sentences."),
    any_language: bool = typer.Option(False, "--any-language", help="Annotate text that is not English too "
                                      "(marked out of scope; refused by default)."),
    allow_private: bool = typer.Option(False, "--allow-private", help="Allow URLs on loopback, private and "
                                       "link-local addresses (refused by default, at every redirect)."),
    timeout: float = typer.Option(20.0, "--timeout", min=0.1, help="Seconds allowed for each URL, all in."),
    hide: List[str] = typer.Option([], "--hide", help="Pretty output: leave out sentences with this label "
                                   "(e.g. --hide boilerplate); repeatable."),
    allow_pickle: bool = typer.Option(False, "--allow-pickle", help="Load a model that has only a joblib file "
                                      "(a pickle: loading it runs code; only for files you trust)."),
    server: Optional[str] = typer.Option(
        None, "--server", help="Use a running `hypefact serve` (socket path or http://127.0.0.1:PORT); "
                               "without it, a server at $HYPEFACT_SERVER or the default socket is used if one answers."),
    token: Optional[str] = typer.Option(None, "--token", envvar="HYPEFACT_TOKEN", help="The token of a TCP server."),
    local: bool = typer.Option(False, "--local", help="Annotate in this process even if a server is running."),
):
    """Label every sentence of each article, page or URL and give a verdict: reporting, mixed, analysis
    (or none when nothing in it makes a claim)."""
    from ..render import FORMATS, HIDEABLE, print_pretty, write_rendered

    if format not in FORMATS:
        fail(f"unknown format {format!r} (choose from {', '.join(FORMATS)})", 2)
    bad = sorted(set(hide) - HIDEABLE)
    if bad:
        fail(f"--hide {bad[0]!r}: choose from {', '.join(sorted(HIDEABLE))}", 2)
    max_bytes = int(max_mb * 1024 * 1024)
    # What only this process can do: the server runs its own model with default settings.
    local_only = [name for name, used in (("--model", model is not None), ("--spacy-model", spacy_model is not None),
                                          ("--explain", explain), ("--min-claims", min_claims != DEFAULT_MIN_CLAIMS),
                                          ("--any-language", any_language), ("--allow-private", allow_private),
                                          ("--allow-pickle", allow_pickle),
                                          ("--sources", sources is not None)) if used]
    if server is None and not local and not local_only:
        from ..client import find_server

        server = find_server(token)
    if server is not None:
        from ..client import ClientError, annotate_paths_remote

        if local_only:
            fail(f"{', '.join(local_only)} cannot go to a server (give --model and --spacy-model to "
                 "`hypefact serve`), or add --local", 2)
        try:
            results, failures = annotate_paths_remote(server, paths, max_bytes, encoding, token)
        except ClientError as exc:
            fail(str(exc))
    else:
        from ..annotate import annotate_paths

        annotator = _load_annotator(model, spacy_model, allow_pickle)
        annotator.explain = explain
        annotator.min_claims = min_claims
        annotator.with_sources = sources if sources is not None else format in ("pretty", "json", "html")
        results, failures = annotate_paths(annotator, paths, max_bytes, encoding,
                                           any_language=any_language, allow_private=allow_private, timeout=timeout)
    for failure in failures:
        info(f"error: {failure.message}")
    if results:
        if format == "pretty":
            try:
                print_pretty(results, console(output), frozenset(hide))
            except OSError as exc:
                fail(output_failure(output, exc))
        else:
            write_streamed(lambda fh: write_rendered(results, format, fh), output)
    if failures:
        info(f"{len(failures)} of {len(paths)} input(s) could not be annotated")
        raise typer.Exit(1)


def _load_annotator(model: Optional[Path], spacy_model: Optional[str], allow_pickle: bool = False):
    from ..about import HypefactError
    from ..annotate import Annotator

    try:
        return Annotator.load(model, spacy_model, allow_pickle=allow_pickle)
    except (HypefactError, ValueError) as exc:
        fail(str(exc))


@app.command()
def serve(
    socket_path: Optional[str] = typer.Option(None, "--socket", help="UNIX socket to listen on (default: "
                                              "$XDG_RUNTIME_DIR/hypefact.sock or /tmp/hypefact-UID.sock)."),
    port: Optional[int] = typer.Option(None, "--port", help="Listen on 127.0.0.1:PORT instead (needs a token)."),
    token_file: Optional[Path] = typer.Option(None, "--token-file", help="With --port: write the token here "
                                              "(mode 0600); default: $HYPEFACT_TOKEN, else a new one printed."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model file (default: the shipped model)."),
    spacy_model: Optional[str] = typer.Option(None, "--spacy-model", help="An installed trained spaCy pipeline."),
    verbose: bool = typer.Option(False, "--verbose", help="Log every request on standard error."),
    allow_private: bool = typer.Option(False, "--allow-private", help="Let clients' URLs reach loopback, private "
                                       "and link-local addresses (refused by default, as in annotate)."),
):
    """Keep the model loaded and annotate for clients (`hypefact annotate --server`), until Ctrl-C."""
    import os
    import secrets

    from ..about import HypefactError
    from ..client import default_socket
    from ..serve import serve as run

    token = None
    if port is None:
        socket_path = socket_path or default_socket()
    elif socket_path:
        fail("give --socket or --port, not both", 2)
    else:
        token = os.environ.get("HYPEFACT_TOKEN") or secrets.token_urlsafe(24)
        if token_file:
            fd = os.open(token_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "w") as fh:
                fh.write(token + "\n")
    annotator = _load_annotator(model, spacy_model)

    def ready(server):
        where = socket_path or f"http://127.0.0.1:{server.server_address[1]}"
        info(f"hypefact serve: listening on {where}")
        if token and not token_file and not os.environ.get("HYPEFACT_TOKEN"):
            info(f"hypefact serve: token {token}")

    try:
        run(annotator, socket_path, port, token, verbose, ready, allow_private)
    except HypefactError as exc:
        fail(str(exc))


@app.command()
def evaluate(
    labels: List[Path] = typer.Argument(..., help="Label files (JSON Lines) or folders."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model file (default: the shipped model)."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
    errors: bool = typer.Option(False, "--errors", help="Also list misclassified units in context."),
    allow_pickle: bool = typer.Option(False, "--allow-pickle", help="Load a model that has only a joblib file "
                                      "(a pickle: loading it runs code; only for files you trust)."),
):
    """Score the model on labeled sentences: accuracy, macro-F1, per-label figures, confusion."""
    from ..about import HypefactError
    from ..training.evaluate import evaluate

    try:
        ev = evaluate(labels, model, allow_pickle)
    except HypefactError as exc:
        fail(str(exc))
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

    out = console()
    table = Table(title=f"{report['n']} units · accuracy {report['accuracy']:.3f} · macro-F1 {report['macro_f1']:.3f}")
    for col in ("label", "precision", "recall", "F1", "support"):
        table.add_column(col, justify="left" if col == "label" else "right")
    for lab, m in report["per_label"].items():
        table.add_row(lab, f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}", str(m["support"]))
    out.print(table)
    conf = Table(title="confusion (rows: gold, columns: predicted)")
    conf.add_column("")
    labels = report["confusion"]["labels"]
    for lab in labels:
        conf.add_column(lab[:10], justify="right")
    for lab, row in zip(labels, report["confusion"]["matrix"]):
        conf.add_row(lab, *map(str, row))
    out.print(conf)
    docs = report.get("documents") or {}
    if docs.get("n"):
        table = Table(title=f"{docs['n']} documents · speculation-share MAE {docs['speculation_share_mae']:.3f} · "
                            f"clear-cut verdicts right {docs['clear_cut_right']}/{docs['clear_cut']}")
        for col in ("document", "units", "true share", "predicted", "true verdict", "predicted verdict"):
            table.add_column(col, justify="left" if "document" in col or "verdict" in col else "right")
        for d in docs["per_document"]:
            table.add_row(d["doc"], str(d["units"]), f"{d['true_share']:.2f}", f"{d['predicted_share']:.2f}",
                          d["true_verdict"], d["predicted_verdict"])
        out.print(table)


def _print_errors(errs: list[dict]) -> None:
    out = console()
    out.print(f"[bold]{len(errs)} misclassified units[/]")
    for e in errs:
        out.rule(f"{e['doc']}: gold {e['gold']}, predicted {e['predicted']}")
        for t in e["before"]:
            out.print(f"[dim]  {t}[/]")
        out.print(f"> {e['text']}")
        for t in e["after"]:
            out.print(f"[dim]  {t}[/]")
        out.print("  " + ", ".join(f"{k} {v:.2f}" for k, v in e["scores"].items()))
