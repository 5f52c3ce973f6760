"""A model as files on disk: where the default one is, saving, verifying, loading, snapshots.

A model is written as files side by side: ``<name>.joblib`` (the fitted
scikit-learn estimator, :class:`~classifier.model.estimator.UnitClassifier`),
``<name>.npz`` (the same model compiled to plain arrays, see
:mod:`classifier.model.compiled`, which ``annotate`` uses: it loads without
importing scikit-learn and without running any code), ``<name>.json``, the
sidecar (label set, data hash, library versions, metrics, SHA-256 of both
files), and a Markdown model card ``<name>.md``.

Model files are joblib pickles, which run code when loaded: every file is
checked against the SHA-256 in its sidecar (:func:`verified`) before it is used.

Where the default model is: in a source checkout, ``models/hypefact.joblib``
beside the package; in an installed wheel (which ships only the pickle-free
compiled form), ``classifier/shipped/``.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._io import atomic_write_text, atomic_writer, sha256_of, utc_now
from ..about import HypefactError, __version__
from .compiled import CompiledModel, save_compiled

_PACKAGE = Path(__file__).resolve().parent.parent
_CHECKOUT = _PACKAGE.parent
#: True when running from a source checkout (the model and the training data are beside the package).
IN_CHECKOUT = (_CHECKOUT / "pyproject.toml").is_file() and (_CHECKOUT / "models").is_dir()
DEFAULT_MODEL = (_CHECKOUT / "models" if IN_CHECKOUT else _PACKAGE / "shipped") / "hypefact.joblib"
#: The project's own labeled data; only a checkout has it (the wheel ships the model, not the data).
DEFAULT_DATA: Path | None = _CHECKOUT / "data" / "labels" if IN_CHECKOUT else None


class ModelError(HypefactError):
    """A model file that is missing, unreadable or does not match its sidecar."""


def sidecar_path(model_path: str | os.PathLike) -> Path:
    return Path(model_path).with_suffix(".json")


def compiled_path(model_path: str | os.PathLike) -> Path:
    return Path(model_path).with_suffix(".npz")


def card_path(model_path: str | os.PathLike) -> Path:
    """Where a model's Markdown card goes: next to its sidecar."""
    return Path(model_path).with_suffix(".md")


def default_data() -> Path:
    """The default training data, or a clear error outside a checkout."""
    if DEFAULT_DATA is None:
        raise HypefactError("no training data here: hypefact was installed without its source checkout; "
                         "point --data at your label files (JSON Lines) or at data/labels of a clone")
    return DEFAULT_DATA


def library_versions() -> dict:
    import joblib
    import sklearn
    import spacy

    return {"hypefact": __version__, "python": platform.python_version(), "scikit-learn": sklearn.__version__,
            "spacy": spacy.__version__, "joblib": joblib.__version__, "numpy": np.__version__}


def save_model(estimator, path: str | os.PathLike, metadata: dict | None = None) -> dict:
    """Write the model (.joblib), its compiled form (.npz) and sidecar (.json) atomically.

    Returns the sidecar's content. The sidecar is written first: a crash between
    the renames leaves files whose hashes do not match it, which loading refuses,
    never a silent mix of old and new.
    """
    import joblib

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp_model, tmp_npz = path.with_name(f".{path.name}.new"), path.with_name(f".{path.stem}.new.npz")
    try:
        with atomic_writer(tmp_model, binary=True) as fh:
            joblib.dump(estimator, fh, compress=3)
        save_compiled(estimator, tmp_npz)
        meta = {
            "name": path.stem,
            "created": utc_now(),
            "labels": [str(c) for c in estimator.classes_],
            "versions": library_versions(),
            **(metadata or {}),
            "model_file": path.name,
            "sha256": sha256_of(tmp_model),
            "bytes": os.path.getsize(tmp_model),
            "compiled_file": compiled_path(path).name,
            "compiled_sha256": sha256_of(tmp_npz),
        }
        atomic_write_text(sidecar_path(path), json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
        os.replace(tmp_npz, compiled_path(path))
        os.replace(tmp_model, path)
    finally:
        for leftover in (tmp_model, tmp_npz):
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


def verified(file: str | os.PathLike, expected: str | None, what: str = "") -> Path:
    """``file`` if its SHA-256 is ``expected`` (from the sidecar), else :class:`ModelError`.

    The one hash check every loader, snapshot and promotion goes through.
    """
    file = Path(file)
    actual = sha256_of(file)
    if actual != expected:
        raise ModelError(f"{file}: SHA-256 {actual[:12]}... does not match its sidecar "
                         f"({str(expected)[:12]}...); refusing to use {what or 'a file'} that may have been altered")
    return file


def resolve_model_path(path: str | os.PathLike | None = None) -> Path:
    """The model to use: the given path, else ``$HYPEFACT_MODEL``, else the shipped default."""
    return Path(path or os.environ.get("HYPEFACT_MODEL") or DEFAULT_MODEL)


def load_model(path: str | os.PathLike | None = None):
    """Load the scikit-learn estimator after checking its SHA-256; returns (estimator, sidecar)."""
    import joblib

    path = resolve_model_path(path)
    if not path.exists():
        hint = ("only the compiled form ships with an installed hypefact; train a model with `hypefact train`"
                if compiled_path(path).exists() else "train one with `hypefact train`")
        raise ModelError(f"{path}: no such model file ({hint})")
    meta = read_sidecar(path)
    verified(path, meta.get("sha256"), "a joblib file (it runs code when loaded)")
    try:
        estimator = joblib.load(path)
    except Exception as exc:  # a corrupt pickle can raise nearly anything
        raise ModelError(f"{path}: cannot load the model: {exc}") from None
    return estimator, meta


def load_predictor(path: str | os.PathLike | None = None):
    """What annotate, evaluate and score use: the compiled model when there is one, else the estimator.

    The compiled ``.npz`` loads with NumPy alone (no scikit-learn import, no code
    run on load); its SHA-256 is checked against the sidecar like the joblib file's.
    Returns (predictor, sidecar); a predictor has ``classes_`` and ``predict_proba``.
    """
    path = resolve_model_path(path)
    npz = compiled_path(path)
    if not path.exists() and not npz.exists():
        raise ModelError(f"{path}: no such model file (train one with `hypefact train`)")
    meta = read_sidecar(path)
    if meta.get("compiled_sha256") and npz.exists():
        verified(npz, meta["compiled_sha256"], "the compiled model")
        try:
            return CompiledModel.load(npz), meta
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"{npz}: cannot load the compiled model: {exc}") from None
    return load_model(path)


@dataclass
class ModelSnapshot:
    """A private copy of a model's files (``.npz`` and/or ``.joblib``, ``.json`` sidecar), so
    that a model replaced mid-run changes nothing.

    ``sha256`` is the model's identity (the joblib file's, as in the sidecar): every
    batch score is stored under it, and workers refuse to score with any other model.
    """

    path: Path
    sha256: str
    name: str
    info: dict
    _dir: str | None = None

    def files(self) -> dict[str, bytes]:
        """The snapshot's files by suffix (``.json`` and ``.npz`` and/or ``.joblib``), to ship elsewhere."""
        return {p.suffix: p.read_bytes() for p in sorted(self.path.parent.iterdir()) if p.stem == self.path.stem}

    def close(self) -> None:
        if self._dir:
            shutil.rmtree(self._dir, ignore_errors=True)
            self._dir = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def snapshot_model(model_path=None, attempts: int = 5) -> ModelSnapshot:
    """Copy the model (``--model``, ``$HYPEFACT_MODEL`` or the shipped one) and check it against its sidecar.

    The model's files are read together and their SHA-256s compared with the
    sidecar's; a mismatch is retried for a moment, since a model being replaced
    is written file by file. The compiled form is enough (an installed wheel has
    no joblib file); the joblib file is copied only when there is no compiled one.
    """
    src = resolve_model_path(model_path)
    problem = ""
    for attempt in range(attempts):
        if attempt:
            time.sleep(0.25 * attempt)
        npz = compiled_path(src)
        if not src.exists() and not npz.exists():
            problem = f"{src}: no such model file (train one with `hypefact train`)"
            continue
        try:
            meta = read_sidecar(src)
            if meta.get("compiled_sha256") and npz.exists():
                files, expected = {".npz": npz.read_bytes()}, {".npz": meta["compiled_sha256"]}
            else:
                files, expected = {".joblib": src.read_bytes()}, {".joblib": meta.get("sha256")}
        except ModelError as exc:
            problem = str(exc)
            continue
        except OSError as exc:
            problem = f"{src}: cannot read the model: {exc}"
            continue
        bad = [s for s, data in files.items() if hashlib.sha256(data).hexdigest() != expected[s]]
        if not bad:
            break
        problem = f"{src.with_suffix(bad[0])}: SHA-256 does not match its sidecar"
    else:
        raise ModelError(f"{problem}; refusing to load it (it may have been altered, or it is being rewritten: "
                         "try again)" if "SHA-256" in problem else problem)
    tmp = tempfile.mkdtemp(prefix="hypefact-model-")
    path = Path(tmp) / "model.joblib"
    for suffix, data in files.items():
        path.with_suffix(suffix).write_bytes(data)
    path.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    return ModelSnapshot(path, meta["sha256"], str(meta.get("name") or src.stem), meta, tmp)
