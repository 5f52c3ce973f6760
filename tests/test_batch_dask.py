"""``--engine dask`` on a LocalCluster bound to loopback gives the same rows as the local engine."""

from __future__ import annotations

import sqlite3

import pytest
from batch_support import check_db, score_rows, write_articles
from typer.testing import CliRunner

from classifier.cli import app

distributed = pytest.importorskip("distributed")


@pytest.fixture(scope="module")
def cluster():
    import logging

    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False, protocol="tcp",
                                       host="127.0.0.1", dashboard_address=None, silence_logs=logging.ERROR)
    yield cluster
    cluster.close()


def test_dask_engine_matches_local(cluster, tmp_path):
    folder = tmp_path / "articles"
    write_articles(folder, 24)
    address = cluster.scheduler_address
    assert address.startswith("tcp://127.0.0.1:")
    runner = CliRunner()
    dask_db, local_db = tmp_path / "dask.db", tmp_path / "local.db"
    res = runner.invoke(app, ["score", str(folder), "--db", str(dask_db), "--scheduler", address, "--chunk", "3",
                              "--no-progress"])
    assert res.exit_code == 0, res.output
    assert "dask" in res.output
    res = runner.invoke(app, ["score", str(folder), "--db", str(local_db), "--jobs", "1", "--no-progress"])
    assert res.exit_code == 0, res.output
    check_db(dask_db)
    dask_rows, local_rows = score_rows(dask_db), score_rows(local_db)
    assert len(dask_rows) == 24
    assert dask_rows == local_rows  # same ids, hashes, verdicts, counts and sentence labels

    # The model went to each worker once, as a plugin, and was loaded there once.
    plugins = cluster.scheduler.worker_plugins
    assert len([n for n in plugins if n.startswith("hypefact-model-")]) == 1
    loaded = []
    for worker in cluster.workers.values():
        [plugin] = [p for n, p in worker.plugins.items() if n.startswith("hypefact-model-")]
        assert plugin.model_files[".npz"] and ".joblib" not in plugin.model_files  # the compiled model travelled, no pickle
        if plugin._annotator is not None:
            loaded.append(plugin._annotator)
    assert loaded and all(a.model_info["sha256"] == plugin.sha256 for a in loaded)

    # Re-running on the cluster scores nothing, and the runs table says which engine did the work.
    res = runner.invoke(app, ["score", str(folder), "--db", str(dask_db), "--scheduler", address, "--no-progress"])
    assert res.exit_code == 0, res.output
    with sqlite3.connect(dask_db) as c:
        assert c.execute("SELECT engine, new, skipped FROM runs ORDER BY id").fetchall() == \
               [("dask", 24, 0), ("dask", 0, 24)]


def test_unreachable_scheduler_is_a_clear_error(tmp_path):
    import socket

    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    res = CliRunner().invoke(app, ["score", str(tmp_path), "--db", str(tmp_path / "x.db"),
                                   "--scheduler", f"tcp://127.0.0.1:{port}", "--timeout", "1", "--no-progress"])
    assert res.exit_code == 1 and "cannot reach the dask scheduler" in res.output
