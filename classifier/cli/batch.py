"""``hypefact score`` and ``hypefact export``: thin commands over :func:`classifier.batch.run.score_sources` and
:func:`classifier.batch.export.export`.

Exit status of ``score``: 0 when every source and entry was scored or skipped as
unchanged; 1 when the run finished but some input was bad (listed in the summary
and in the database's ``problems`` table); 2 for a usage error; 130 when
interrupted (what was stored stays stored).
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional

import typer

from .app import app, choices, fail

DEFAULT_DB = Path("hypefact.db")


def _since(value: Optional[str]) -> Optional[str]:
    """``--since`` as ISO 8601 UTC; a bare date means its midnight UTC."""
    if not value:
        return None
    from ..batch.sources import parse_date

    iso = parse_date(value.strip())
    if iso is None:
        fail(f"--since {value!r}: give a date like 2024-05-01 or 2024-05-01T08:00:00Z", 2)
    return iso


@app.command()
def score(
    sources: List[str] = typer.Argument(..., help="RSS/Atom files or http(s) feed URLs, folders of articles "
                                                  "(.txt/.md/.html), or JSON Lines dumps (.jsonl)."),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="SQLite database to store results in (created if missing)."),
    jobs: Optional[int] = typer.Option(None, "--jobs", "-j", min=1,
                                       help="Worker processes (local) or LocalCluster workers (dask); default: CPUs."),
    engine: Optional[str] = typer.Option(None, "--engine", help="local (processes) or dask.",
                                         autocompletion=choices("local", "dask")),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Address of a dask scheduler, e.g. "
                                            "tcp://host:8786 (implies --engine dask; without it dask starts a LocalCluster)."),
    fetch_articles: bool = typer.Option(False, "--fetch-articles", help="Download each entry's link and extract "
                                        "the page: every line is scored, the article region found by trafilatura is a feature."),
    since: Optional[str] = typer.Option(None, "--since", help="Skip entries published before this date (UTC)."),
    model: Optional[Path] = typer.Option(None, "--model", help="Model file (default: the shipped model)."),
    spacy_model: Optional[str] = typer.Option(None, "--spacy-model", help="An installed trained spaCy pipeline."),
    allow_pickle: bool = typer.Option(False, "--allow-pickle", help="Load a model that has only a joblib file "
                                      "(a pickle: loading it runs code; only for files you trust)."),
    timeout: float = typer.Option(20.0, "--timeout", min=0.1, help="Seconds allowed for each HTTP request (and for reaching a dask scheduler)."),
    max_mb: float = typer.Option(20.0, "--max-mb", min=0.001, help="Refuse feeds, pages and articles over this size."),
    allow_private: bool = typer.Option(False, "--allow-private", help="Allow fetching from loopback, private and "
                                       "link-local addresses (refused by default, at every redirect)."),
    per_host: int = typer.Option(2, "--per-host", min=1, help="Concurrent article downloads per host."),
    chunk: int = typer.Option(16, "--chunk", min=1, help="Articles per task sent to a worker."),
    any_language: bool = typer.Option(False, "--any-language", help="Score articles that are not in English too "
                                      "(noted as out of scope); by default they are reported and not scored."),
    article_seconds: float = typer.Option(60.0, "--article-seconds", min=0.01, help="Skip (and report) an article "
                                          "still being split into sentences after this many seconds."),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress",
                                            help="Progress bar (default: on a terminal) or plain log lines."),
):
    """Score feeds, folders and dumps into a database; re-runs score only new or changed articles."""
    from ..batch.run import BatchError, BatchOptions, make_engine, score_sources
    from ..batch.report import make_listener, print_summary
    from ..batch.sources import ReadOptions

    engine = engine or ("dask" if scheduler else "local")
    if engine not in ("local", "dask"):
        fail(f"--engine {engine!r}: choose local or dask", 2)
    if scheduler and engine != "dask":
        fail("--scheduler goes with --engine dask", 2)
    read = ReadOptions(timeout=timeout, max_bytes=int(max_mb * 1024 * 1024), fetch_articles=fetch_articles,
                       per_host=per_host, since=_since(since), allow_private=allow_private)
    options = BatchOptions(read=read, spacy_model=spacy_model, chunk_articles=chunk, article_seconds=article_seconds,
                           any_language=any_language)
    run_args = {"sources": sources, "engine": engine, "jobs": jobs, "scheduler": scheduler,
                "fetch_articles": fetch_articles, "since": read.since, "model": str(model) if model else None}
    try:
        eng = make_engine(engine, jobs, scheduler, connect_timeout=timeout)
        summary = score_sources(sources, db, engine=eng, model_path=model, options=options, allow_pickle=allow_pickle,
                                listener=make_listener(progress), run_args=run_args)
    except BatchError as exc:
        fail(str(exc))
    print_summary(summary)
    if summary.interrupted:
        raise typer.Exit(130)
    if summary.errors:
        raise typer.Exit(1)


@app.command()
def export(
    format: str = typer.Option(..., "--format", "-f", help="csv, jsonl or parquet (one row per article); prodigy or "
                               "doccano (a pre-annotated task per sentence); prodigy-spans or doccano-spans (one task "
                               "per article, a span per sentence); datasette-metadata.",
                               autocompletion=choices("csv", "jsonl", "parquet", "prodigy", "doccano", "prodigy-spans",
                                                      "doccano-spans", "datasette-metadata")),
    db: Path = typer.Option(DEFAULT_DB, "--db", help="The database written by `hypefact score`."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here (required for parquet)."),
    verdict: Optional[List[str]] = typer.Option(None, "--verdict", help="Only this verdict (repeatable)."),
    source: Optional[List[str]] = typer.Option(None, "--source", help="Only articles seen in a source whose URL "
                                               "or path contains this (repeatable)."),
    since: Optional[str] = typer.Option(None, "--since", help="Only articles published (else first seen) since."),
    model_sha: Optional[str] = typer.Option(None, "--model-sha", help="Only scores by the model with this "
                                            "SHA-256 (a prefix will do)."),
    all_models: bool = typer.Option(False, "--all-models", help="One row per score, not just each article's newest."),
    text: bool = typer.Option(False, "--text", help="Include the article text."),
    sentences: bool = typer.Option(False, "--sentences", help="Include per-sentence labels (jsonl, parquet)."),
):
    """Write stored scores as CSV, JSON Lines or Parquet, filtered by verdict, source or date.

    Also writes pre-annotated tasks for Prodigy or doccano (correct them there, bring
    them back with `hypefact import`) and a metadata file for Datasette.
    """
    from ..batch.export import TASK_FORMATS, ExportError
    from ..batch.export import export as do_export
    from .._io import OutputError
    from ..batch.store import Store, StoreError
    from .app import output_failure

    if not db.exists():
        fail(f"{db}: no such database (run `hypefact score` first)")
    try:
        with Store(db, read_only=True) as store:
            n = do_export(store, format, output, verdicts=verdict, sources=source, since=_since(since),
                          model_sha=model_sha, all_models=all_models, with_text=text, with_sentences=sentences)
    except (ExportError, StoreError, OutputError) as exc:
        fail(str(exc), 2 if isinstance(exc, ExportError) else 1)
    except OSError as exc:
        fail(output_failure(output, exc))
    if output is not None:
        what = "file" if format == "datasette-metadata" else "task" if format in TASK_FORMATS else "row"
        typer.echo(f"wrote {n} {what}{'s' if n != 1 else ''} to {output}", err=True)


@app.command()
def report(
    db: Path = typer.Option(DEFAULT_DB, "--db", help="The database written by `hypefact score`."),
    by: str = typer.Option("outlet", "--by", help="outlet (the article URL's host, else the feed's title) or feed."),
    period: str = typer.Option("week", "--period", help="week (ISO weeks) or month."),
    since: Optional[str] = typer.Option(None, "--since", help="Only articles published (else first seen) since."),
    format: str = typer.Option("table", "--format", "-f", help="table, csv or html (inline SVG charts)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o", help="Write here instead of stdout."),
):
    """How outlets trend: articles, verdict mix, speculation and anonymous-source shares per week or month."""
    from ..about import HypefactError
    from ..batch.store import Store, StoreError
    from ..batch.trends import FORMATS, print_table, render, trend_report
    from .app import console, write_output

    if format not in FORMATS:
        fail(f"--format {format!r}: choose from {', '.join(FORMATS)}", 2)
    if not db.exists():
        fail(f"{db}: no such database (run `hypefact score` first)")
    try:
        with Store(db) as store:
            trends = trend_report(store, by=by, period=period, since=_since(since))
    except StoreError as exc:
        fail(str(exc))
    except HypefactError as exc:
        fail(str(exc), 2)
    if format == "table":
        print_table(trends, console(output))
    else:
        write_output(render(trends, format), output)
