"""hypefact label, driven with real keystrokes through a pseudo-terminal."""

from __future__ import annotations

import json
import os
import signal

import pexpect
import pytest

from classifier.training.corpus import read_labels
from classifier.training.session import LabelingError, LabelWriter
from retrain_helpers import HYPEFACT, copy_model, run_cli, small_model

STORY = """# Council approves Northbridge bypass

The council approved the £40m bypass on Tuesday by 31 votes to 12.
The leader, Harriet Cole, said the road would cut journey times by a third.
Critics say the scheme could cost far more than the council expects.
Construction is due to start in March.
Share this article
"""
N_UNITS = 6


@pytest.fixture
def story(tmp_path):
    path = tmp_path / "story.md"
    path.write_text(STORY, encoding="utf-8")
    return path


def _spawn(tmp_path, *args, model=None):
    env = {**os.environ, "HYPEFACT_MODEL": str(model or small_model()), "NO_COLOR": "1"}
    # Ctrl-C as a user at a terminal has it: a test run started in the background of a shell
    # (`cmd &`) inherits SIGINT ignored, and so would the child, which would never see Ctrl-C.
    return pexpect.spawn(HYPEFACT, ["label", *map(str, args)], env=env, cwd=str(tmp_path), encoding="utf-8",
                         timeout=30, dimensions=(40, 140),
                         preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))


def _lines(path):
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_keys_accept_choose_skip_undo_quit_and_resume(tmp_path, story):
    into = tmp_path / "mine.jsonl"
    child = _spawn(tmp_path, story, "--into", into)
    child.expect(f"{N_UNITS} to go")
    child.expect("model guess: (\\w+)")
    first_guess = child.match.group(1)
    child.send("\r")  # accept the guess
    child.expect(f"saved: {first_guess} \\(the guess\\)")
    assert len(_lines(into)) == 1  # on disk at once, not at exit
    child.send("2")
    child.expect("saved: attributed_claim")
    child.send("s")
    child.expect("skipped")
    child.send("u")  # undo the skip: the same unit again
    child.expect("undone: skip")
    child.send("u")  # undo the answer "2": its line leaves the file
    child.expect("undone: attributed_claim")
    assert len(_lines(into)) == 1
    child.send("4")
    child.expect("saved: boilerplate")
    child.send("q")
    child.expect("stopped: 2 labeled, 0 skipped, 4 left")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0

    rows = _lines(into)
    assert [r["label"] for r in rows] == [first_guess, "boilerplate"]
    assert all(r["doc"] == "story" and STORY[r["start"]:r["end"]] == r["text"] for r in rows)
    assert rows[0]["guess"] == first_guess and rows[0]["strategy"] == "uncertain"
    assert len(read_labels([into])) == 2  # a valid label file

    # A new session skips what is labeled and never shows it again.
    child = _spawn(tmp_path, story, "--into", into, "--strategy", "random")
    child.expect(f"{N_UNITS - 2} to go \\(random order\\)")
    for _ in range(N_UNITS - 3):
        child.send("1")
        child.expect("saved: sourced_fact")
    child.send("1")
    child.expect("all units answered: 4 labeled")
    child.expect(pexpect.EOF)
    child.close()
    rows = _lines(into)
    assert len(rows) == N_UNITS and len({r["text"] for r in rows}) == N_UNITS

    result = run_cli("label", str(story), "--into", str(into), env={"HYPEFACT_MODEL": str(small_model())},
                     cwd=tmp_path)
    assert result.returncode == 2  # no TTY here: refused before anything else


def test_ctrl_c_keeps_every_answer_given(tmp_path, story):
    into = tmp_path / "mine.jsonl"
    into.write_text('{"text": "Kept from before", "label": "boilerplate", "doc": "x"}', encoding="utf-8")  # no \n
    child = _spawn(tmp_path, story, "--into", into)
    child.expect("model guess")
    child.send("3")
    child.expect("saved: speculation")
    child.send("1")
    child.expect("saved: sourced_fact")
    child.sendintr()  # Ctrl-C with the third unit on screen
    child.expect("interrupted: 2 answers were saved")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 130 or child.signalstatus == signal.SIGINT
    units = read_labels([into])
    assert [u.label for u in units] == ["boilerplate", "speculation", "sourced_fact"]
    assert into.read_text(encoding="utf-8").endswith("\n")


def test_without_a_terminal_it_says_so(tmp_path, story):
    into = tmp_path / "mine.jsonl"
    result = run_cli("label", str(story), "--into", str(into), input="1\n1\n")
    assert result.returncode == 2
    assert "needs a terminal" in result.stderr and "standard input is not one" in result.stderr
    assert not into.exists()


def test_a_model_whose_hash_does_not_match_is_refused(tmp_path, story):
    bad = copy_model(small_model(), tmp_path / "bad.joblib")
    with open(bad, "r+b") as fh:
        fh.seek(100)
        byte = fh.read(1)
        fh.seek(100)
        fh.write(bytes([byte[0] ^ 0xFF]))
    into = tmp_path / "mine.jsonl"
    child = _spawn(tmp_path, story, "--into", into, "--model", bad)
    child.expect("does not match its sidecar")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 1
    assert not into.exists()


def test_undo_only_removes_its_own_last_line(tmp_path):
    path = tmp_path / "mine.jsonl"
    writer = LabelWriter(path)
    offset, data = writer.append({"text": "One", "label": "boilerplate"})
    with pytest.raises(LabelingError, match="another hypefact label session"):
        LabelWriter(path)
    with open(path, "a", encoding="utf-8") as fh:  # someone else appends meanwhile
        fh.write('{"text": "Two", "label": "boilerplate"}\n')
    with pytest.raises(LabelingError, match="changed since"):
        writer.undo(offset, data)
    assert len(_lines(path)) == 2
    writer.close()


def test_folders_and_standard_input_like_annotate(tmp_path, story):
    """`hypefact label new-articles/` (the README's example) and `... | hypefact label -`: keys then come from /dev/tty."""
    folder = tmp_path / "new-articles"
    (folder / "older").mkdir(parents=True)
    (folder / "one.md").write_text("The plant closed in May.\nIt may never reopen.\n", encoding="utf-8")
    (folder / "older" / "two.html").write_text("<p>Officials said the road was safe.</p><p>Share this</p>",
                                               encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF-1.4 not an article")  # not an article suffix: left out
    into = tmp_path / "mine.jsonl"
    env = {**os.environ, "HYPEFACT_MODEL": str(small_model()), "NO_COLOR": "1"}
    child = pexpect.spawn("/bin/sh", ["-c", f'cat "{story}" | "{HYPEFACT}" label - "{folder}" --into "{into}"'],
                          env=env, cwd=str(tmp_path), encoding="utf-8", timeout=30, dimensions=(40, 140))
    child.expect(f"{N_UNITS + 4} to go")
    for _ in range(N_UNITS + 4):
        child.send("1")
    child.expect("all units answered")
    child.expect(pexpect.EOF)
    child.close()
    assert child.exitstatus == 0
    rows = _lines(into)
    assert {r["doc"] for r in rows} == {"stdin", "one", "two"}
    assert {r["source"] for r in rows} == {"-", str(folder / "one.md"), str(folder / "older" / "two.html")}


def test_an_empty_folder_is_a_clear_error(tmp_path):
    from classifier.training.session import build_pool

    empty = tmp_path / "empty"
    (empty / ".hidden").mkdir(parents=True)
    (empty / ".hidden" / "a.md").write_text("Hidden folders are skipped.", encoding="utf-8")
    with pytest.raises(LabelingError, match="no .txt, .md or .html files in"):
        build_pool([str(empty)])
