"""The Dask engine of ``hypefact score``: scoring on a dask.distributed cluster.

``DaskEngine(address)`` connects to an existing scheduler (``--scheduler
tcp://host:8786``); without an address it starts a LocalCluster of processes on
127.0.0.1. The model file travels to each worker once, inside a worker plugin
(:class:`ModelPlugin`, registered under a name derived from the model's
SHA-256, so re-registering the same model is a no-op), and is loaded on the
worker's first task; tasks carry only article ids and text. Results come back
to the client, which is the only process that writes to the database.

Workers need hypefact installed (the same version) to unpickle the plugin and
run the task function.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
import time
from pathlib import Path

from distributed.diagnostics.plugin import WorkerPlugin

from ..annotate import Annotator
from .engines import BatchError, Engine, ModelMismatch, score_chunk


class ModelPlugin(WorkerPlugin):
    """A dask worker plugin carrying the model's bytes: sent to each worker once, loaded on first use."""

    def __init__(self, model_files: dict[str, bytes], sha256: str, spacy_model: str | None):
        self.model_files = model_files  # by suffix: .joblib, .json and, when there is one, .npz
        self.sha256 = sha256
        self.spacy_model = spacy_model
        self._annotator = None
        self._lock = threading.Lock()
        self._dir = None

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k not in ("_annotator", "_lock", "_dir")}

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._annotator, self._lock, self._dir = None, threading.Lock(), None

    def setup(self, worker=None):
        pass

    def teardown(self, worker=None):
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)

    def annotator(self):
        with self._lock:
            if self._annotator is None:
                self._dir = tempfile.mkdtemp(prefix=f"hypefact-model-{os.getpid()}-")  # reaped if the worker dies
                path = Path(self._dir) / "model.joblib"
                for suffix, data in self.model_files.items():
                    path.with_suffix(suffix).write_bytes(data)
                annotator = Annotator.load(path, self.spacy_model)  # checks the SHA-256 against the sidecar
                if annotator.model_info.get("sha256") != self.sha256:
                    raise ModelMismatch(f"worker got model {annotator.model_info.get('sha256')}, expected {self.sha256}")
                self._annotator = annotator
            return self._annotator


def _score_chunk_dask(plugin_name: str, chunk: list[tuple[str, str]], seconds_per_text: float | None = None):
    from distributed import get_worker

    plugin = get_worker().plugins[plugin_name]
    annotator = plugin.annotator()
    return score_chunk(annotator, chunk, seconds_per_text)


def _call_within(fn, seconds: float):
    """``fn()``, or TimeoutError if it has not returned after ``seconds`` (it is left running in a daemon
    thread): distributed's own timeouts do not cover a peer that accepts a connection and never speaks."""
    box: dict = {}

    def run():
        try:
            box["value"] = fn()
        except BaseException as exc:  # handed to the caller
            box["error"] = exc

    thread = threading.Thread(target=run, daemon=True, name="hypefact-dask-call")
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        raise TimeoutError(f"no answer after {seconds:g} s")
    if "error" in box:
        raise box["error"]
    return box["value"]


def _connect(address: str, timeout: float):
    """A Client of the scheduler at ``address``, within ``timeout`` seconds whatever the peer does."""
    from distributed import Client

    try:
        return _call_within(lambda: Client(address, timeout=timeout), timeout + 2)
    except TimeoutError:
        raise BatchError(f"cannot reach the dask scheduler {address}: it accepted the connection but did not "
                         f"answer within {timeout:g} s (is it a dask scheduler?)") from None


class DaskEngine(Engine):
    """dask.distributed: an existing scheduler (``address``) or a LocalCluster of ``jobs`` processes."""

    name = "dask"

    def __init__(self, address: str | None = None, jobs: int = 2, client=None, connect_timeout: float = 30.0):
        self.address = address
        self.jobs = max(1, jobs)
        self.client = client
        self.connect_timeout = connect_timeout
        self._own_client = client is None
        self._cluster = None
        self.workers = self.jobs

    def start(self, model, spacy_model):
        import logging

        from distributed import Client, LocalCluster

        if self.client is None:
            try:
                if self.address:
                    self.client = _connect(self.address, self.connect_timeout)
                else:
                    self._cluster = LocalCluster(n_workers=self.jobs, threads_per_worker=1, processes=True,
                                                 host="127.0.0.1", dashboard_address=None,
                                                 silence_logs=logging.ERROR)
                    self.client = Client(self._cluster)
            except BatchError:
                self.close()
                raise
            except Exception as exc:  # a malformed address, a refused or dead port: one line, no traceback
                self.close()
                raise BatchError(f"cannot reach the dask scheduler {self.address or '(local)'}: "
                                 f"{type(exc).__name__}: {exc}") from None
        n = len(self.client.scheduler_info().get("workers", {}))
        if n == 0:
            try:
                self.client.wait_for_workers(1, timeout=self.connect_timeout)
            except (TimeoutError, OSError):
                self.close()
                raise BatchError(f"the dask cluster at {self.address} has no workers") from None
            n = len(self.client.scheduler_info().get("workers", {}))
        self.workers = max(1, n)
        self.plugin_name = f"hypefact-model-{model.sha256[:16]}-{spacy_model or 'default'}"
        plugin = ModelPlugin(model.files(), model.sha256, spacy_model)
        self.client.register_plugin(plugin, name=self.plugin_name)

    def submit(self, chunk):
        return self.client.submit(_score_chunk_dask, self.plugin_name, chunk, self.article_seconds, pure=False)

    def wait_any(self, futures):
        """The futures that are done, waiting for at least one; a cluster left with no workers (or no
        scheduler) for ``connect_timeout`` seconds stops the run instead of waiting forever."""
        from distributed import wait

        gone_since = None
        while True:
            try:
                done, _ = wait(futures, timeout=1.0, return_when="FIRST_COMPLETED")
            except TimeoutError:
                done = ()
            if done:
                return set(done)
            if self._workers_alive():
                gone_since = None
                continue
            gone_since = gone_since or time.monotonic()
            if time.monotonic() - gone_since > self.connect_timeout:
                raise BatchError(f"the dask cluster {self.address or '(local)'} has had no workers for "
                                 f"{self.connect_timeout:g} s; stopping (what was stored stays stored: run the "
                                 "same command again once workers are back)")

    def _workers_alive(self) -> bool:
        try:
            return bool(_call_within(lambda: self.client.scheduler_info().get("workers"), self.connect_timeout))
        except Exception:  # the scheduler is gone too
            return False

    def cancel(self, futures):
        futures = list(futures)
        if futures and self.client is not None:
            try:
                self.client.cancel(futures)
            except Exception:
                pass

    def close(self):
        if self._own_client and self.client is not None:
            try:
                self.client.close()
            except Exception:
                pass
            self.client = None
        if self._cluster is not None:
            try:
                self._cluster.close()
            except Exception:
                pass
            self._cluster = None
