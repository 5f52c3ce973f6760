"""Saving and loading models safely.

A model is written as three files side by side: ``<name>.joblib`` (the fitted
scikit-learn estimator, :class:`~classifier.estimator.UnitClassifier`),
``<name>.npz`` (the same model compiled to plain arrays, see
:mod:`classifier.compiled`, which ``annotate`` uses: it loads without importing
scikit-learn and without running any code) and ``<name>.json``, the sidecar
(label set, data hash, library versions, metrics, SHA-256 of both files).

Model files are joblib pickles, which run code when loaded: :func:`load_model`
only opens a file whose SHA-256 matches the JSON sidecar written next to it.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
import time
from pathlib import Path

import numpy as np

from . import __version__

#: The shipped default model, inside the project checkout.
DEFAULT_MODEL = Path(__file__).resolve().parent.parent / "models" / "hypefact.joblib"
DEFAULT_DATA = Path(__file__).resolve().parent.parent / "data" / "labels"


class ModelError(Exception):
    """A model file that is missing, unreadable or does not match its sidecar."""


def __getattr__(name):
    # The estimator needs scikit-learn (a second to import); load it only when asked for.
    if name in ("UnitClassifier",):
        from . import estimator

        return getattr(estimator, name)
    if name in ("context_features", "sequence_cues", "split_units"):
        from . import context

        return getattr(context, name)
    raise AttributeError(name)


# ---------------------------------------------------------------------------
# Saving and loading


def sha256_of(path: str | os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def sidecar_path(model_path: str | os.PathLike) -> Path:
    return Path(model_path).with_suffix(".json")


def library_versions() -> dict:
    import joblib
    import sklearn
    import spacy

    return {"hypefact": __version__, "python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "spacy": spacy.__version__, "joblib": joblib.__version__, "numpy": np.__version__}


def compiled_path(model_path: str | os.PathLike) -> Path:
    return Path(model_path).with_suffix(".npz")


def save_model(estimator, path: str | os.PathLike, metadata: dict | None = None) -> dict:
    """Write the model (.joblib), its compiled form (.npz) and sidecar (.json) atomically.

    Returns the sidecar's content. The sidecar is written first: a crash between
    the renames leaves files whose hashes do not match it, which loading refuses,
    never a silent mix of old and new.
    """
    import joblib

    from .compiled import save_compiled
    from .data import atomic_write_text

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp_npz = str(tmp) + ".npz"
    try:
        joblib.dump(estimator, tmp, compress=3)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        save_compiled(estimator, tmp_npz)
        meta = {
            "name": path.stem,
            "created": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "labels": [str(c) for c in estimator.classes_],
            "versions": library_versions(),
            **(metadata or {}),
            "model_file": path.name,
            "sha256": sha256_of(tmp),
            "bytes": os.path.getsize(tmp),
            "compiled_file": compiled_path(path).name,
            "compiled_sha256": sha256_of(tmp_npz),
        }
        atomic_write_text(sidecar_path(path), json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp_npz, compiled_path(path))
        os.replace(tmp, path)
    finally:
        for leftover in (tmp, tmp_npz):
            if os.path.exists(leftover):
                os.unlink(leftover)
    return meta


def read_sidecar(path: str | os.PathLike) -> dict:
    side = sidecar_path(path)
    try:
        return json.loads(side.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{side}: the model's sidecar is missing; refusing to load {path} "
                         "(a joblib file runs code when loaded)") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ModelError(f"{side}: the model's sidecar is not valid JSON") from None


def resolve_model_path(path: str | os.PathLike | None = None) -> Path:
    """The model to use: the given path, else ``$HYPEFACT_MODEL``, else the shipped default."""
    chosen = path or os.environ.get("HYPEFACT_MODEL") or DEFAULT_MODEL
    return Path(chosen)


def load_model(path: str | os.PathLike | None = None):
    """Load a model after checking its SHA-256 against the sidecar; returns (estimator, sidecar)."""
    import joblib

    path = resolve_model_path(path)
    if not path.exists():
        raise ModelError(f"{path}: no such model file (train one with `hypefact train`)")
    meta = read_sidecar(path)
    actual = sha256_of(path)
    if meta.get("sha256") != actual:
        raise ModelError(f"{path}: SHA-256 {actual[:12]}... does not match its sidecar "
                         f"({str(meta.get('sha256'))[:12]}...); refusing to load a file that may have been "
                         "altered (joblib files run code when loaded)")
    try:
        estimator = joblib.load(path)
    except Exception as exc:  # a corrupt pickle can raise nearly anything
        raise ModelError(f"{path}: cannot load the model: {exc}") from None
    return estimator, meta


def load_predictor(path: str | os.PathLike | None = None):
    """What annotate and evaluate use: the compiled model when there is one, else the estimator.

    The compiled ``.npz`` loads with NumPy alone (no scikit-learn import, no code
    run on load); its SHA-256 is checked against the sidecar like the joblib file's.
    Returns (predictor, sidecar); a predictor has ``classes_`` and ``predict_proba``.
    """
    path = resolve_model_path(path)
    meta = read_sidecar(path) if sidecar_path(path).exists() else None
    npz = compiled_path(path)
    if meta and meta.get("compiled_sha256") and npz.exists():
        actual = sha256_of(npz)
        if actual != meta["compiled_sha256"]:
            raise ModelError(f"{npz}: SHA-256 {actual[:12]}... does not match its sidecar; refusing to use it")
        from .compiled import CompiledModel

        try:
            return CompiledModel.load(npz), meta
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"{npz}: cannot load the compiled model: {exc}") from None
    return load_model(path)
