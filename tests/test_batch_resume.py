"""A run killed with SIGKILL mid-batch loses nothing committed, leaves nothing half-written,
and the next run scores exactly what is missing."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time

from batch_support import ROOT, check_db, counts, write_articles
from typer.testing import CliRunner

from classifier.cli import app

N = 60


def scored(db) -> int:
    try:
        with sqlite3.connect(db, timeout=1) as c:
            return c.execute("SELECT COUNT(*) FROM scores").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


def test_resume_after_kill_9(tmp_path, annotator):
    folder = tmp_path / "articles"
    write_articles(folder, N)
    db = tmp_path / "resume.db"
    # Two local worker processes (joblib/loky), small chunks: the kill lands between and during commits.
    cmd = [sys.executable, "-m", "classifier.cli", "score", str(folder), "--db", str(db), "--jobs", "2",
           "--chunk", "2", "--no-progress"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            start_new_session=True)  # its own process group: the kill takes the workers too
    try:
        deadline = time.monotonic() + 90
        while scored(db) < 6:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the run never started scoring"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    done = scored(db)
    assert 6 <= done < N, f"killed too late to test anything ({done} of {N} stored)"
    check_db(db)  # every stored article is whole: article + score + all its sentences, or nothing
    with sqlite3.connect(db) as c:
        assert c.execute("SELECT status FROM runs").fetchall() == [("running",)]  # it never got to finish

    # Resume (in this process, one job): only the missing articles are scored.
    res = CliRunner().invoke(app, ["score", str(folder), "--db", str(db), "--jobs", "1", "--no-progress"])
    assert res.exit_code == 0, res.output
    with sqlite3.connect(db) as c:
        new, updated, skipped = c.execute("SELECT new, updated, skipped FROM runs ORDER BY id DESC").fetchone()
        ids = [r[0] for r in c.execute("SELECT article_id FROM scores")]
        guids = sorted(r[0] for r in c.execute("SELECT guid FROM articles"))
    assert (new, updated, skipped) == (N - done, 0, done)
    assert len(ids) == len(set(ids)) == N  # no duplicates, nothing missing
    assert guids == sorted(p.name for p in folder.iterdir())
    check_db(db)
    assert counts(db)["sentences"] > N

    # What the killed worker processes stored is what the in-process annotator says.
    with sqlite3.connect(db) as c:
        sample = c.execute("SELECT a.text, s.verdict, s.count_speculation FROM scores s JOIN articles a "
                           "ON a.id = s.article_id WHERE s.run_id = 1 LIMIT 5").fetchall()
    for text, verdict, n_spec in sample:
        want = annotator.annotate_text(text)
        assert (verdict, n_spec) == (want.verdict, want.counts["speculation"])
