"""Attacks through files: outputs that are symlinks, FIFOs or folders, inputs that are FIFOs,
closed standard input, a full disk, encodings with NUL bytes (issue 16, items 3, 10 and 15)."""

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from typer.testing import CliRunner

from classifier.cli import app

ARTICLE = "The council voted 31 to 9 on Thursday.\nThe repairs could easily overrun.\n"
runner = CliRunner()


def run(*args, input=None):
    result = runner.invoke(app, list(args), input=input)
    assert "Traceback" not in result.output
    return result


@pytest.fixture
def article(tmp_path):
    path = tmp_path / "story.txt"
    path.write_text(ARTICLE, encoding="utf-8")
    return path


def finishes(fn, seconds: float = 10.0, unblock=()):
    """Run ``fn`` in a thread; True if it returned in time. FIFOs it may hang on are then
    opened and closed (a writer that writes nothing), so that the thread can end."""
    box = {}
    t = threading.Thread(target=lambda: box.setdefault("value", fn()), daemon=True)
    t.start()
    t.join(seconds)
    hung = t.is_alive()
    for _ in range(3):
        if not t.is_alive():
            break
        for fifo in unblock:
            fd = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)
            t.join(1)
            os.close(fd)
    return not hung and "value" in box, box.get("value")


# -- item 3: outputs ------------------------------------------------------------


def test_output_through_a_symlink_keeps_the_link(article, tmp_path):
    real = tmp_path / "real.json"
    real.write_text("old", encoding="utf-8")
    os.chmod(real, 0o640)
    link = tmp_path / "link.json"
    link.symlink_to(real)
    result = run("annotate", str(article), "-f", "json", "-o", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink(), "the symlink was replaced by a regular file"
    assert '"verdict"' in real.read_text(encoding="utf-8")
    assert (real.stat().st_mode & 0o777) == 0o640


def test_import_into_a_symlink_keeps_the_link(tmp_path):
    export = tmp_path / "export.jsonl"
    export.write_text('{"text": "The council voted.", "label": ["sourced_fact"]}\n', encoding="utf-8")
    real = tmp_path / "labels" / "mine.jsonl"
    real.parent.mkdir()
    real.write_text("", encoding="utf-8")
    link = tmp_path / "into.jsonl"
    link.symlink_to(real)
    result = run("import", str(export), "--from", "doccano", "--into", str(link))
    assert result.exit_code == 0, result.output
    assert link.is_symlink()
    assert "The council voted." in real.read_text(encoding="utf-8")


def test_output_to_a_fifo_writes_into_it(article, tmp_path):
    # A FIFO stands in for a device (-o /dev/stdout): it must be written to, never replaced.
    fifo = tmp_path / "out.fifo"
    os.mkfifo(fifo)
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        result = run("annotate", str(article), "-f", "jsonl", "-o", str(fifo))
        assert result.exit_code == 0, result.output
        assert fifo.is_fifo(), "the FIFO was replaced by a regular file"
        assert b'"label"' in os.read(reader, 1 << 16)
    finally:
        os.close(reader)


def test_output_to_dev_stdout_when_it_is_a_pipe():
    """-o /dev/stdout with standard output a pipe: /dev/stdout resolves to no file path at all."""
    code = "from classifier._io import atomic_write_text; atomic_write_text('/dev/stdout', 'hello\\n')"
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == "hello\n"
    assert Path("/dev/stdout").is_symlink()


@pytest.mark.parametrize("fmt", ["json", "pretty"])
def test_output_to_a_folder_is_one_line(article, tmp_path, fmt):
    result = run("annotate", str(article), "-f", fmt, "-o", str(tmp_path))
    assert result.exit_code == 1
    assert "is a folder" in result.output


def test_export_to_a_folder_is_one_line(tmp_path):
    from classifier.batch.store import Store

    db = tmp_path / "x.db"
    Store(db).close()
    result = run("export", "--db", str(db), "-f", "csv", "-o", str(tmp_path))
    assert result.exit_code != 0
    assert "is a folder" in result.output


def test_full_disk_on_stdout_is_one_line(article):
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    with open("/dev/full", "w") as full:
        proc = subprocess.run([sys.executable, "-m", "classifier.cli", "annotate", str(article), "-f", "json"],
                              stdout=full, stderr=subprocess.PIPE, text=True, timeout=120)
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr and "Exception ignored" not in proc.stderr
    assert "No space left on device" in proc.stderr


# -- item 10: inputs that are FIFOs ----------------------------------------------


def test_annotate_refuses_a_fifo(tmp_path, annotator):
    from classifier.annotate import annotate_paths

    fifo = tmp_path / "story.txt"
    os.mkfifo(fifo)
    done, value = finishes(lambda: annotate_paths(annotator, [str(fifo)]), unblock=[fifo])
    assert done, "reading a FIFO hung"
    results, failures = value
    assert not results and "FIFO" in failures[0].message


def test_folder_with_a_fifo_entry_and_a_fifo_feed(tmp_path):
    from classifier.batch.sources import ReadOptions, SourceStatus, expand_sources, iter_source

    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "good.txt").write_text(ARTICLE, encoding="utf-8")
    os.mkfifo(folder / "stuck.txt")
    feed = tmp_path / "feed.xml"
    os.mkfifo(feed)
    dump = tmp_path / "dump.jsonl"
    os.mkfifo(dump)

    def read_all():
        out = []
        for spec in expand_sources([str(folder), str(feed), str(dump)]):
            out += list(iter_source(spec, ReadOptions(), SourceStatus()))
        return out

    done, items = finishes(read_all, unblock=[folder / "stuck.txt", feed, dump])
    assert done, "reading a FIFO source hung"
    messages = " | ".join(str(i) for i in items if hasattr(i, "message"))
    assert messages.count("FIFO") == 3, messages
    assert any(getattr(i, "text", "").startswith("The council") for i in items)


def test_model_that_is_a_fifo_is_refused(tmp_path, monkeypatch):
    import shutil

    from classifier.model.files import DEFAULT_MODEL, ModelError, load_predictor

    for suffix in (".json", ".joblib"):
        shutil.copy(DEFAULT_MODEL.with_suffix(suffix), tmp_path / f"m{suffix}")
    os.mkfifo(tmp_path / "m.npz")
    monkeypatch.setenv("HYPEFACT_MODEL", str(tmp_path / "m.joblib"))

    def load():
        try:
            load_predictor(None)
        except ModelError as exc:
            return str(exc)
        return "loaded"

    done, value = finishes(load, unblock=[tmp_path / "m.npz"])
    assert done, "loading a FIFO model hung"
    assert "FIFO" in value


def test_label_file_that_is_a_fifo_is_refused(tmp_path):
    from classifier.training.corpus import scan_labels

    fifo = tmp_path / "labels.jsonl"
    os.mkfifo(fifo)
    done, value = finishes(lambda: scan_labels([fifo]), unblock=[fifo])
    assert done, "reading a FIFO label file hung"
    units, errors = value
    assert not units and "FIFO" in str(errors[0])


# -- item 15: stdin, encodings -----------------------------------------------------


def test_closed_stdin_is_one_line(monkeypatch, annotator):
    from classifier.annotate import annotate_paths

    monkeypatch.setattr(sys, "stdin", None)  # what Python sets when started with stdin closed (<&-)
    results, failures = annotate_paths(annotator, ["-"])
    assert not results and "standard input is closed" in failures[0].message


@pytest.mark.parametrize("encoding,forced", [("utf-16", True), ("utf-16", False), ("utf-32", False)])
def test_wide_encodings_are_read(tmp_path, annotator, encoding, forced):
    from classifier.annotate import annotate_paths

    path = tmp_path / "story.txt"
    path.write_bytes(ARTICLE.encode(encoding))  # with a byte order mark
    results, failures = annotate_paths(annotator, [str(path)], encoding=encoding if forced else None)
    assert not failures, failures[0].message
    assert results[0].sentences[0].text == "The council voted 31 to 9 on Thursday."


def test_real_binary_is_still_refused_with_an_encoding(tmp_path, annotator):
    from classifier.annotate import annotate_paths

    path = tmp_path / "blob.txt"
    path.write_bytes(b"\x00\x01\x02\x03" * 200)
    _, failures = annotate_paths(annotator, [str(path)], encoding="latin-1")
    assert failures and "binary" in failures[0].message
