"""Attacks on the label files: a full disk mid-answer, torn last lines, byte order marks, JSON nested
100,000 deep, oversized files (issue 16, items 4, 9 and 15)."""

import errno
import json
import os

import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.training import corpus
from classifier.training.corpus import read_labels, scan_labels

runner = CliRunner()
GOOD = [{"text": f"The council voted {n} to 9 on Thursday.", "label": "sourced_fact", "doc": "d"} for n in range(3)]


def lines(records) -> str:
    return "".join(json.dumps(r) + "\n" for r in records)


# -- item 4: a full disk while labeling ----------------------------------------------


def test_full_disk_while_labeling_leaves_no_half_line(tmp_path, monkeypatch):
    from classifier.about import HypefactError
    from classifier.training import session

    path = tmp_path / "mine.jsonl"
    path.write_text(lines(GOOD), encoding="utf-8")
    before = path.read_bytes()
    writer = session.LabelWriter(path)
    real_write = os.write

    def disk_full(fd, data):  # the disk fills up halfway through the line
        real_write(fd, data[: len(data) // 2])
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(session.os, "write", disk_full)
    with pytest.raises(HypefactError, match="No space left"):
        writer.append({"text": "A new answer.", "label": "speculation", "doc": "d"})
    monkeypatch.undo()
    writer.close()
    assert path.read_bytes() == before, "a half-written line was left behind"
    assert len(read_labels([path])) == 3


def test_a_torn_last_line_does_not_block_train_or_check(tmp_path):
    path = tmp_path / "mine.jsonl"
    path.write_text(lines(GOOD) + '{"text": "Cut sh', encoding="utf-8")
    assert len(read_labels([path])) == 3  # what train reads
    units, errors = scan_labels([path])
    assert [e.kind for e in errors] == ["torn"]
    result = runner.invoke(app, ["check", str(path), "--no-model"])
    assert result.exit_code == 0, result.output
    assert "torn" in result.output


def test_label_sets_a_torn_line_aside_before_appending(tmp_path):
    from classifier.training.session import LabelWriter

    path = tmp_path / "mine.jsonl"
    path.write_text(lines(GOOD) + '{"text": "Cut sh', encoding="utf-8")
    writer = LabelWriter(path)
    writer.append({"text": "A new answer.", "label": "speculation", "doc": "d"})
    writer.close()
    assert "torn" in writer.notes[0]
    assert len(read_labels([path])) == 4 and not scan_labels([path])[1]
    assert (tmp_path / "mine.jsonl.torn").read_text(encoding="utf-8") == '{"text": "Cut sh\n'


def test_import_into_a_file_with_a_torn_line(tmp_path):
    target = tmp_path / "mine.jsonl"
    target.write_text(lines(GOOD) + '{"text": "Cut sh', encoding="utf-8")
    export = tmp_path / "export.jsonl"
    export.write_text('{"text": "A brand new unit.", "label": ["speculation"]}\n', encoding="utf-8")
    result = runner.invoke(app, ["import", str(export), "--from", "doccano", "--into", str(target)])
    assert result.exit_code == 0, result.output
    units, errors = scan_labels([target])
    assert len(units) == 4 and not errors


# -- item 15: byte order marks and deep JSON -------------------------------------------


def test_a_byte_order_mark_is_accepted_by_check_and_train(tmp_path):
    path = tmp_path / "excel.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + lines(GOOD).encode("utf-8"))
    assert len(read_labels([path])) == 3
    result = runner.invoke(app, ["check", str(path), "--no-model"])
    assert result.exit_code == 0, result.output


DEEP = "[" * 100_000 + "]" * 100_000


def test_deep_json_in_check_and_train_is_one_finding(tmp_path):
    path = tmp_path / "deep.jsonl"
    path.write_text(lines(GOOD[:1]) + DEEP + "\n" + lines(GOOD[1:]), encoding="utf-8")
    units, errors = scan_labels([path])
    assert len(units) == 3 and "nested too deeply" in str(errors[0])
    result = runner.invoke(app, ["check", str(path), "--no-model"])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{path}:2" in result.output


def test_deep_json_in_import_is_one_problem(tmp_path):
    export = tmp_path / "export.jsonl"
    export.write_text(DEEP + "\n", encoding="utf-8")
    result = runner.invoke(app, ["import", str(export), "--from", "doccano", "--into", str(tmp_path / "t.jsonl")])
    assert result.exit_code == 1 and result.exception is None or isinstance(result.exception, SystemExit)
    assert "nested too deeply" in result.output


# -- item 9: memory -------------------------------------------------------------------


def test_an_oversized_label_file_is_refused_with_one_line(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "MAX_LABEL_FILE_BYTES", 1000)  # stands in for a 2 GB file
    path = tmp_path / "huge.jsonl"
    path.write_text(lines(GOOD * 20), encoding="utf-8")
    units, errors = scan_labels([path])
    assert not units and "over the" in str(errors[0]) and "split it" in str(errors[0])
    result = runner.invoke(app, ["import", str(path), "--from", "doccano", "--into", str(tmp_path / "t.jsonl")])
    assert result.exit_code == 1 and "over the" in result.output


def test_an_over_long_line_is_skipped_not_held(tmp_path, monkeypatch):
    monkeypatch.setattr(corpus, "MAX_LINE_CHARS", 200)
    path = tmp_path / "long.jsonl"
    path.write_text(lines(GOOD[:1]) + json.dumps({"text": "x " * 500, "label": "speculation"}) + "\n"
                    + lines(GOOD[1:]), encoding="utf-8")
    units, errors = scan_labels([path])
    assert len(units) == 3 and f"{path}:2" in str(errors[0])
