"""The retraining loop on the command line: label, check, train, models, import.

``register(app)`` adds the commands to the ``hypefact`` app; the work is done in
:mod:`classifier.training.session`, :mod:`classifier.training.check`, :mod:`classifier.training.train`,
:mod:`classifier.model.catalog` and :mod:`classifier.training.importers`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from .app import app, choices, fail, info


@app.command()
def label(
    sources: List[str] = typer.Argument(..., help="Articles to label: files (.txt, .md, .html/.htm), folders of "
                                                  "them, or - for standard input."),
    into: Optional[Path] = typer.Option(None, "--into", help="Label file to append to (default: data/labels/mine.jsonl)."),
    strategy: str = typer.Option("uncertain", "--strategy", help="uncertain (least sure first) or random.",
                                 autocompletion=choices("uncertain", "random")),
    model: Optional[Path] = typer.Option(None, "--model", help="Model that makes the guesses (default: the default model)."),
    seed: int = typer.Option(0, "--seed", help="Seed of the random order."),
):
    """Label sentences in the terminal, one key each; the model's least certain guesses come first.

    Keys: enter accepts the guess, 1-4 choose a label, s skips, u undoes, q quits.
    Every answer is on disk at once; run it again to carry on where you stopped.
    """
    from ..about import HypefactError
    from ..model.files import DEFAULT_DATA, load_model
    from ..read import InputError
    from ..training.session import LabelWriter, Session, label_queue
    from ..training.terminal import run_terminal

    # The keys come from the terminal: standard input, or /dev/tty when the article comes in on `-`.
    reads_stdin = "-" in sources
    stdin_missing = not (reads_stdin or sys.stdin.isatty())
    if stdin_missing or not sys.stdout.isatty():
        fail("hypefact label is interactive and needs a terminal, but standard "
             f"{'input' if stdin_missing else 'output'} is not one. Run it in a terminal "
             "(over ssh: ssh -t, or inside tmux); to bring in labels made elsewhere use hypefact import.", 2)
    keys_fd = None
    if reads_stdin:
        try:
            keys_fd = os.open("/dev/tty", os.O_RDONLY)
        except OSError:
            fail("hypefact label reads the article on standard input (-), so it reads keys from /dev/tty, "
                 "which cannot be opened here; save the article to a file instead", 2)
    into = into or (DEFAULT_DATA or Path(".")) / "mine.jsonl"
    try:
        estimator, _ = load_model(model)
        queue, n_units, warnings = label_queue(sources, into, estimator, strategy, seed)
        for w in warnings[:5]:
            info(f"warning: {w} (run hypefact check)")
        if not queue:
            typer.echo(f"nothing to label: all {n_units} units of the sources are already in {into}")
            return
        writer = LabelWriter(into)
        for note in writer.notes:
            info(f"warning: {note}")
    except (HypefactError, InputError, ValueError) as exc:
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or into}: {exc.strerror or exc}")
    session = Session(queue, writer, strategy)
    try:
        outcome = run_terminal(session, into, fd=keys_fd)
    except KeyboardInterrupt:
        writer.close()
        typer.echo(f"\ninterrupted: {session.labeled} answers were saved to {into} before Ctrl-C; "
                   "run the same command to carry on")
        raise typer.Exit(130)
    except HypefactError as exc:
        writer.close()
        fail(str(exc))
    writer.close()
    left = session.remaining
    typer.echo(("\x1b[2J\x1b[H" if outcome == "done" else "\n") +
               f"{'all units answered' if outcome == 'done' else 'stopped'}: {session.labeled} labeled, "
               f"{session.skipped} skipped, {left} left; labels are in {into}\n"
               f"next: hypefact check {into}   then: hypefact train --eval LABELS.jsonl")


@app.command()
def check(
    files: Optional[List[Path]] = typer.Argument(None, help="Label files or folders (default: data/labels)."),
    no_model: bool = typer.Option(False, "--no-model", help="Skip the search for likely label errors (it cross-validates)."),
    folds: int = typer.Option(5, "--folds", help="Folds for the out-of-fold probabilities."),
    top: int = typer.Option(30, "--top", help="Show this many likely label errors (0: all)."),
    jobs: int = typer.Option(2, "--jobs", "-j", help="Parallel jobs."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object."),
):
    """Check label files: bad lines, unknown labels, empty text, duplicates, conflicts, likely label errors.

    Exit code 0: nothing blocking (warnings may be listed); 1: blocking problems that
    `hypefact train` would refuse; 2: the files cannot be read at all.
    """
    from ..model.files import ModelError, default_data
    from ..training.check import check_labels
    from ..training.corpus import LabelFileError

    try:
        paths = files or [default_data()]
        report = check_labels(paths, model_pass=not no_model, folds=folds, n_jobs=jobs,
                              progress=None if as_json else info)
    except (LabelFileError, ModelError) as exc:
        fail(str(exc), 2)
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2, ensure_ascii=False))
    else:
        shown_issues = 0
        for f in report.findings:
            if f.kind == "likely_mislabeled":
                if top and shown_issues >= top:
                    continue
                shown_issues += 1
            severity = "error" if f.blocking else "warning"
            typer.echo(f"{f.where}: {severity}: {f.kind}: {f.message}")
        counts = report.counts()
        hidden = counts.get("likely_mislabeled", 0) - shown_issues
        typer.echo("")
        typer.echo(f"checked {report.units} units in {report.files} file(s): {len(report.blocking)} blocking; "
                   + (", ".join(f"{n} {k}" for k, n in sorted(counts.items())) or "no findings"))
        typer.echo(f"label errors: {report.model_pass}" + (f" ({hidden} more: --top 0)" if hidden > 0 else ""))
    raise typer.Exit(1 if report.blocking else 0)


@app.command()
def train(
    data: Optional[List[Path]] = typer.Option(None, "--data", help="Label files or folders (default: data/labels)."),
    output: Optional[Path] = typer.Option(None, "--output", "-o",
                                          help="Model path (default: a new file under models/, or the default "
                                               "model with --promote)."),
    promote: bool = typer.Option(False, "--promote", help="Make the new model the default one."),
    compare_with: Optional[Path] = typer.Option(None, "--compare-with", help="Model to compare with (default: the default model)."),
    no_compare: bool = typer.Option(False, "--no-compare", help="Do not compare with another model."),
    eval_labels: Optional[List[Path]] = typer.Option(None, "--eval", help="Held-out label files to compare the models on."),
    cv: int = typer.Option(5, "--cv", help="Folds for the cross-validated metrics (0 to skip)."),
    jobs: int = typer.Option(2, "--jobs", "-j", help="Parallel jobs."),
    changes: int = typer.Option(40, "--changes", help="Show this many units whose label changed (0: all)."),
):
    """Train a model from labeled sentences, compare it with the default one, and promote it if asked.

    Writes the model, its sidecar (hash, data, versions, metrics) and a model card.
    Without --promote the default model is left as it is.
    """
    from ..about import HypefactError
    from ..training.train import retrain

    try:
        result = retrain(data, output, promote_it=promote, compare_with=compare_with, compare=not no_compare,
                         eval_paths=eval_labels, cv_folds=cv, n_jobs=jobs, progress=info)
    except (HypefactError, ValueError) as exc:
        fail(str(exc))
    except OSError as exc:  # a full disk or an unwritable models folder: nothing half-written is left
        fail(f"cannot write the model: {exc.filename or ''}{': ' if exc.filename else ''}{exc.strerror or exc}")
    for note in result.notes:
        info(note)
    meta, target = result.meta, result.path
    td = meta["training_data"]
    typer.echo(f"trained on {td['units']} units from {td['documents']} documents in {meta['train_seconds']:.0f} s")
    if meta["cv_metrics"]:
        m = meta["cv_metrics"]
        typer.echo(f"cross-validated macro-F1 {m['macro_f1']:.3f}: " +
                   ", ".join(f"{lab} {v['f1']:.3f}" for lab, v in m["per_label"].items()))
    if result.reference is not None:
        _print_comparison(result, changes)
    typer.echo(f"wrote {target} ({meta['bytes'] / 1e6:.1f} MB), its sidecar and model card {target.with_suffix('.md')}")
    if result.promoted:
        typer.echo(f"promoted: {target if output is None else 'the default model'} is now the default model")
    else:
        typer.echo("the default model is unchanged; to use this one: hypefact annotate --model "
                   f"{target} ..., or train again with --promote")


def _print_comparison(result, changes: int) -> None:
    from ..labels import LABELS

    old_name, cmp = result.reference, result.comparison
    if cmp is None:
        a, b = (result.reference_meta or {}).get("cv_metrics") or {}, result.meta.get("cv_metrics") or {}
        if not a or not b:
            typer.echo(f"\nno comparison with {old_name}: give --eval LABELS.jsonl (held-out labels) to score both "
                       "models on the same units" + ("" if a else f" ({old_name} has no cross-validated metrics)"))
            return
        typer.echo(f"\ncross-validated F1 (each on its own training data): {old_name} vs new")
        _table(a, b, list(LABELS))
        return
    eval_n = cmp["new"]["n"]
    typer.echo(f"\non {eval_n} held-out units: {old_name} vs new")
    _table(cmp["old"], cmp["new"], list(LABELS))
    changed = cmp["changed"]
    typer.echo(f"\n{len(changed)} units changed label: {cmp['fixed']} now right, {cmp['broken']} now wrong, "
               f"{len(changed) - cmp['fixed'] - cmp['broken']} wrong either way")
    for c in changed[: changes or None]:
        mark = "+" if c["new"] == c["gold"] else "-" if c["old"] == c["gold"] else " "
        text = " ".join(c["text"].split())
        typer.echo(f" {mark} {c['source']}: {c['old']} -> {c['new']} (gold {c['gold']}): "
                   f"{text if len(text) <= 100 else text[:97] + '...'}")
    if changes and len(changed) > changes:
        typer.echo(f"   ... {len(changed) - changes} more (--changes 0 shows all)")


def _table(a: dict, b: dict, labels: list[str]) -> None:
    typer.echo(f"  {'label':<18} {'old F1':>7} {'new F1':>7} {'change':>7} {'support':>8}")
    for lab in labels:
        x, y = a["per_label"].get(lab, {}), b["per_label"].get(lab, {})
        fx, fy = x.get("f1", 0.0), y.get("f1", 0.0)
        typer.echo(f"  {lab:<18} {fx:7.3f} {fy:7.3f} {fy - fx:+7.3f} {y.get('support', 0):8d}")
    typer.echo(f"  {'macro-F1':<18} {a['macro_f1']:7.3f} {b['macro_f1']:7.3f} {b['macro_f1'] - a['macro_f1']:+7.3f}")
    typer.echo(f"  {'accuracy':<18} {a['accuracy']:7.3f} {b['accuracy']:7.3f} {b['accuracy'] - a['accuracy']:+7.3f}")


@app.command()
def models(
    directory: Optional[Path] = typer.Option(None, "--dir", help="Folder to list (default: where the default model is)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
):
    """List the models: name, date, training data size, cross-validated macro-F1, which is the default."""
    from ..model.catalog import list_models, models_dir

    infos = list_models(directory)
    if as_json:
        typer.echo(json.dumps([m.to_dict() for m in infos], indent=2))
        return
    if not infos:
        typer.echo(f"no models in {directory or models_dir()} (train one with hypefact train)")
        return
    typer.echo(f"  {'name':<28} {'created':<20} {'units':>6} {'docs':>5} {'macro-F1':>8}  status")
    for m in infos:
        f1 = f"{m.macro_f1:.3f}" if m.macro_f1 is not None else "-"
        typer.echo(f"{'*' if m.is_default else ' '} {m.name:<28} {m.created:<20} {m.units or '-':>6} "
                   f"{m.documents or '-':>5} {f1:>8}  {m.status}" + ("  (default)" if m.is_default else ""))
    typer.echo("\n* the default model (the one annotate uses); macro-F1 is cross-validated on the model's own data")


@app.command("import")
def import_(
    file: Path = typer.Argument(..., help="An export from Prodigy or doccano (JSON Lines), or a CSV file."),
    from_: str = typer.Option(..., "--from", help="prodigy, doccano or csv.",
                              autocompletion=choices("prodigy", "doccano", "csv")),
    into: Optional[Path] = typer.Option(None, "--into", help="Label file to add to (default: data/labels/imported-NAME.jsonl)."),
    mapping: Optional[List[str]] = typer.Option(None, "--map", help="THEIRS=OURS label mapping (repeatable); OURS may be skip."),
    skip_unknown: bool = typer.Option(False, "--skip-unknown", help="Drop units with unknown labels instead of stopping."),
):
    """Import labels made with Prodigy, doccano or a spreadsheet into hypefact's JSON Lines.

    Stops with every problem listed, and writes nothing, if any line is bad or a
    label is unknown (map it with --map, or pass --skip-unknown).
    """
    from ..about import HypefactError
    from ..training.importers import FORMATS, ImportProblem, import_labels, parse_mapping
    from ..model.files import DEFAULT_DATA

    if from_ not in FORMATS:
        fail(f"unknown format {from_!r} (choose from {', '.join(FORMATS)})", 2)
    try:
        table = parse_mapping(mapping or [])
    except ValueError as exc:
        fail(str(exc), 2)
    into = into or DEFAULT_DATA / f"imported-{file.stem}.jsonl"
    try:
        summary = import_labels(file, from_, into, table, skip_unknown)
    except ImportProblem as exc:
        fail(str(exc))
    except HypefactError as exc:  # e.g. --into is a folder
        fail(str(exc))
    except OSError as exc:
        fail(f"{exc.filename or into}: {exc.strerror}")
    for note in summary.get("notes", []):
        info(f"warning: {note}")
    counts = ", ".join(f"{k} {n}" for k, n in sorted(summary["label_counts"].items()))
    skipped = "; skipped " + ", ".join(f"{n} ({why})" for why, n in summary["skipped"].items()) if summary["skipped"] else ""
    typer.echo(f"imported {summary['imported']} units into {summary['into']}" + (f" ({counts})" if counts else "") + skipped)
