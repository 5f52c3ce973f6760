"""Attacks on a run's life: SIGTERM, kill -9 (orphaned workers and model snapshots), and Dask
clusters that never answer, lose every worker or do not exist (issue 16, items 12 and 13)."""

import os
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import threading
import time
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent.parent


# -- item 12: clean up on every exit path -------------------------------------------------------


def test_sigterm_marks_the_run_interrupted_and_cleans_up(tmp_path):
    """A run stopped with SIGTERM keeps what it stored, says `interrupted`, and removes its snapshot."""
    script = textwrap.dedent(f"""
        import os, signal, sys, threading, time
        sys.path.insert(0, {str(TESTS)!r})
        from batch_support import FakeEngine, write_articles
        from classifier.batch.run import score_sources
        from pathlib import Path
        write_articles(Path({str(tmp_path / 'articles')!r}), 40)
        import sqlite3

        def stop_once_something_is_stored():
            while True:
                time.sleep(0.05)
                try:
                    with sqlite3.connect({str(tmp_path / 'x.db')!r}) as c:
                        if c.execute("SELECT COUNT(*) FROM scores").fetchone()[0]:
                            break
                except sqlite3.Error:
                    pass
            os.kill(os.getpid(), signal.SIGTERM)

        threading.Thread(target=stop_once_something_is_stored, daemon=True).start()
        summary = score_sources([{str(tmp_path / 'articles')!r}], {str(tmp_path / 'x.db')!r},
                                engine=FakeEngine(delay=0.02))
        print("interrupted" if summary.interrupted else "finished")
    """)
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "interrupted" in proc.stdout
    with sqlite3.connect(tmp_path / "x.db") as c:
        assert c.execute("SELECT status FROM runs").fetchall() == [("interrupted",)]
        assert 0 < c.execute("SELECT COUNT(*) FROM scores").fetchone()[0] < 40
    assert not list(tmp_path.glob("hypefact-model-*")), "the model snapshot was left behind"


def test_snapshots_of_killed_runs_are_reaped(tmp_path, monkeypatch):
    from classifier.model.files import snapshot_model

    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    orphan = tmp_path / f"hypefact-model-{dead.pid}-abc123"
    orphan.mkdir()
    (orphan / "model.npz").write_bytes(b"x" * 1000)
    mine = tmp_path / f"hypefact-model-{os.getpid()}-live"
    mine.mkdir()
    with snapshot_model():
        pass
    assert not orphan.exists(), "a killed run's snapshot was not reaped"
    assert mine.exists(), "a live process's snapshot was removed"


def test_a_killed_run_is_marked_killed_by_the_next_run(tmp_path):
    sys.path.insert(0, str(TESTS))
    from batch_support import FakeEngine, FakeSnapshot, write_articles

    from classifier.batch.run import BatchRun
    from classifier.batch.store import ModelId, Store

    write_articles(tmp_path / "a", 2)
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    with Store(tmp_path / "x.db") as store:
        killed = store.start_run(ModelId("m", "f" * 64), "local", {"host": socket.gethostname()})
        elsewhere = store.start_run(ModelId("m", "f" * 64), "local", {"host": "another-machine"})
        store.conn.execute("UPDATE runs SET pid = ?", (dead.pid,))
        BatchRun(store, FakeEngine(), FakeSnapshot()).run([str(tmp_path / "a")])
        status = dict(store.conn.execute("SELECT id, status FROM runs"))
    assert status[killed] == "killed" and status[elsewhere] == "running"
    assert list(status.values())[-1] == "done"


def test_pool_workers_exit_when_the_run_is_killed(tmp_path):
    """kill -9 of the main process: its loky workers notice and exit (they used to live on for minutes)."""
    script = textwrap.dedent("""
        import os, time
        from classifier.batch.engines import LocalEngine
        engine = LocalEngine(1)
        print(engine._executor().submit(os.getpid).result(), flush=True)
        time.sleep(120)
    """)
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        worker = int(proc.stdout.readline())
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:
        try:
            os.kill(worker, 0)
        except ProcessLookupError:
            return
        time.sleep(0.2)
    os.kill(worker, signal.SIGKILL)
    pytest.fail("the pool worker outlived the killed run")


# -- item 13: Dask ----------------------------------------------------------------------------------

distributed = pytest.importorskip("distributed")


@pytest.fixture
def silent_port():
    """A TCP port that accepts connections and never says a word."""
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen(16)
    held = []
    stop = threading.Event()

    def accept():
        srv.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(srv.accept()[0])
            except OSError:
                pass

    t = threading.Thread(target=accept, daemon=True)
    t.start()
    yield srv.getsockname()[1]
    stop.set()
    t.join(2)
    for c in held:
        c.close()
    srv.close()


def _batch_error_within(call, hang_message: str, seconds: float = 15) -> str:
    """The message of the BatchError ``call()`` raises, run in a thread that must end within
    ``seconds`` (a hang fails the test with ``hang_message``); "" if it raised none."""
    from classifier.batch.engines import BatchError

    box = {}

    def run():
        try:
            call()
        except BatchError as exc:
            box["error"] = str(exc)

    t = threading.Thread(target=run, daemon=True)
    t.start()
    t.join(seconds)
    assert not t.is_alive(), hang_message
    return box.get("error", "")


def test_a_port_that_never_speaks_is_a_timeout(silent_port):
    from classifier.batch.dask_engine import DaskEngine

    error = _batch_error_within(lambda: DaskEngine(f"tcp://127.0.0.1:{silent_port}", connect_timeout=1).start(None, None),
                                "connecting to a silent port hung past --timeout")
    assert "did not answer" in error


@pytest.mark.parametrize("address", ["tcp://nonsense::", "banana://x", "tcp://127.0.0.1:notaport"])
def test_a_malformed_scheduler_address_is_one_line(address, tmp_path):
    from typer.testing import CliRunner

    from classifier.cli import app

    res = CliRunner().invoke(app, ["score", str(tmp_path), "--db", str(tmp_path / "x.db"), "--scheduler", address,
                                   "--timeout", "1", "--no-progress"])
    assert res.exit_code == 1, res.output
    assert "cannot reach the dask scheduler" in res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)


def _workers_all_died_scenario():
    import logging

    from classifier.batch.dask_engine import DaskEngine
    from classifier.model.files import snapshot_model

    cluster = distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=False, protocol="tcp",
                                       host="127.0.0.1", dashboard_address=None, silence_logs=logging.CRITICAL)
    client = distributed.Client(cluster)
    try:
        with snapshot_model() as snap:
            engine = DaskEngine(client=client, connect_timeout=1)
            engine.start(snap, None)
            cluster.scale(0)
            deadline = time.monotonic() + 10
            while client.scheduler_info()["workers"] and time.monotonic() < deadline:
                time.sleep(0.1)
            future = engine.submit([("a", "The council voted on Thursday.")])
            error = _batch_error_within(lambda: engine.wait_any([future]),
                                        "the run waited forever for workers that are gone")
            assert "no workers" in error
    finally:
        client.close()
        cluster.close()


def test_a_cluster_whose_workers_all_died_stops_the_run():
    """Run in a fresh interpreter: distributed keeps one event-loop runner per process, and other
    tests' clients (one left connecting to a silent port, on purpose) must not decide this one."""
    script = ("import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]; import test_runs; "
              "test_runs._workers_all_died_scenario()")
    here = Path(__file__).resolve().parent
    out = subprocess.run([sys.executable, "-c", script, str(here), str(here.parent)], capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-3000:]
