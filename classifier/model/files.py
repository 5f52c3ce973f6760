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
import re
import shutil
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .._io import (NotRegularFileError, atomic_write_text, atomic_writer, read_regular, sha256_of,
                   temp_copy_beside, utc_now)
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
    """Write the model (.joblib), its compiled form (.npz) and sidecar (.json) at ``path``.

    Returns the sidecar's content. The files are written completely first, then
    put in place by :func:`install_model` with one atomic switch: a crash at any
    moment leaves the old model or the new one, both usable.
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
        install_model({".joblib": tmp_model, ".npz": tmp_npz}, meta, path)
    finally:
        for leftover in (tmp_model, tmp_npz):
            if os.path.exists(leftover):
                os.unlink(leftover)
    return meta


#: Where :func:`install_model` stages a model's files while it switches the sidecar over to them.
STAGING_DIR = "versions"


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_sidecar(target: Path, meta: dict) -> None:
    atomic_write_text(sidecar_path(target), json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
    _fsync_dir(target.parent)


def install_model(files: dict[str, str | os.PathLike], meta: dict, target: str | os.PathLike) -> None:
    """Put a model's complete files (``{".joblib": tmp, ".npz": tmp}``, beside ``target``) in place.

    A model is several files, and no set of renames replaces several files at once;
    the sidecar is what says which files make the model, so switching the sidecar is
    the one atomic step:

    1. the new files are moved into ``versions/`` (content-named, beside the target);
    2. the sidecar is replaced by one naming those staged files: **the switch**.
       Before it, every loader sees the old model, whole; after it, the new one;
    3. the staged files are copied to the usual names (``NAME.joblib``, ``NAME.npz``),
       which nothing reads at this point, and the sidecar is switched back to them;
    4. the staged copies are removed.

    A process killed at any step leaves a usable model; the next install tidies up.
    """
    target = Path(target)
    staging = target.parent / STAGING_DIR
    staging.mkdir(exist_ok=True)
    tag = str(meta.get("sha256") or meta.get("compiled_sha256"))[:12]
    staged: dict[str, Path] = {}
    for suffix, tmp in files.items():
        staged[suffix] = staging / f"{target.stem}-{tag}{suffix}"
        os.replace(tmp, staged[suffix])
    _fsync_dir(staging)
    names = {".joblib": "model_file", ".npz": "compiled_file"}
    _write_sidecar(target, {**meta, **{names[s]: f"{STAGING_DIR}/{p.name}" for s, p in staged.items()}})  # the switch
    for suffix, src in staged.items():
        tmp = temp_copy_beside(src, target.with_suffix(suffix))
        try:
            os.replace(tmp, target.with_suffix(suffix))
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)
    _write_sidecar(target, {**meta, **{names[s]: target.with_suffix(s).name for s in staged}})
    # This install's staged files, and those of an earlier install of this model that was killed.
    staged_name = re.compile(re.escape(target.stem) + r"-[0-9a-f]{12}\.(?:joblib|npz)")
    for leftover in staging.iterdir():
        if staged_name.fullmatch(leftover.name):
            leftover.unlink(missing_ok=True)
    try:
        staging.rmdir()
    except OSError:  # other models are being installed beside this one
        pass


def read_sidecar(path: str | os.PathLike) -> dict:
    side = sidecar_path(path)
    try:
        return json.loads(read_regular(side, "sidecar").decode("utf-8"))
    except NotRegularFileError as exc:
        raise ModelError(str(exc)) from None
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
    try:
        actual = sha256_of(file)
    except NotRegularFileError as exc:
        raise ModelError(str(exc)) from None
    if actual != expected:
        raise ModelError(f"{file}: SHA-256 {actual[:12]}... does not match its sidecar "
                         f"({str(expected)[:12]}...); refusing to use {what or 'a file'} that may have been altered")
    return file


def model_files(path: str | os.PathLike) -> tuple[dict, Path, Path | None]:
    """(sidecar, joblib file, compiled file or None) of the model at ``path``.

    The files are ``NAME.joblib`` and ``NAME.npz`` beside the sidecar, unless the
    sidecar names staged copies under ``versions/`` (a promotion in progress, see
    :func:`install_model`). Nothing outside the sidecar's folder is ever named.
    """
    path = Path(path)
    meta = read_sidecar(path)

    def named(key: str, default: Path) -> Path:
        name = meta.get(key)
        if isinstance(name, str) and name.startswith(STAGING_DIR + "/"):
            leaf = name[len(STAGING_DIR) + 1:]
            if not leaf or "/" in leaf or "\\" in leaf or leaf in (".", ".."):
                raise ModelError(f"{sidecar_path(path)}: names a model file outside its folder ({name!r})")
            return path.parent / STAGING_DIR / leaf
        return default

    compiled = named("compiled_file", compiled_path(path)) if meta.get("compiled_sha256") else None
    return meta, named("model_file", path), compiled


def resolve_model_path(path: str | os.PathLike | None = None) -> Path:
    """The model to use: the given path, else ``$HYPEFACT_MODEL``, else the shipped default."""
    return Path(path or os.environ.get("HYPEFACT_MODEL") or DEFAULT_MODEL)


def _no_such_model(path: Path) -> ModelError:
    return ModelError(f"{path}: no such model file (train one with `hypefact train`)")


def load_model(path: str | os.PathLike | None = None):
    """Load the scikit-learn estimator after checking its SHA-256; returns (estimator, sidecar).

    This unpickles: only the training commands (which need the estimator) call it,
    and only on a file whose hash matches its sidecar.
    """
    import joblib

    path = resolve_model_path(path)
    if not path.exists() and not sidecar_path(path).exists():
        raise _no_such_model(path)
    meta, model_file, compiled = model_files(path)
    if not model_file.exists():
        hint = ("only the compiled form ships with an installed hypefact; train a model with `hypefact train`"
                if compiled is not None and compiled.exists() else "train one with `hypefact train`")
        raise ModelError(f"{path}: no such model file ({hint})")
    verified(model_file, meta.get("sha256"), "a joblib file (it runs code when loaded)")
    try:
        estimator = joblib.load(model_file)
    except Exception as exc:  # a corrupt pickle can raise nearly anything
        raise ModelError(f"{path}: cannot load the model: {exc}") from None
    return estimator, meta


def load_predictor(path: str | os.PathLike | None = None, allow_pickle: bool = False):
    """What annotate, evaluate and score use: the compiled model, checked against its sidecar.

    The compiled ``.npz`` loads with NumPy alone (no scikit-learn import, no code
    run on load). A model without one (or whose ``.npz`` is missing) is refused:
    falling back to the joblib file would run its code. ``allow_pickle`` (the
    ``--allow-pickle`` option) loads the hash-checked joblib file instead.
    Returns (predictor, sidecar); a predictor has ``classes_`` and ``predict_proba``.
    """
    path = resolve_model_path(path)
    if not path.exists() and not compiled_path(path).exists() and not sidecar_path(path).exists():
        raise _no_such_model(path)
    meta, _, npz = model_files(path)
    if npz is not None and npz.exists():
        verified(npz, meta["compiled_sha256"], "the compiled model")
        try:
            return CompiledModel.load(npz), meta
        except (OSError, ValueError, KeyError) as exc:
            raise ModelError(f"{npz}: cannot load the compiled model: {exc}") from None
    if not allow_pickle:
        raise ModelError(no_compiled_form(path, npz))
    return load_model(path)


def no_compiled_form(path: Path, npz: Path | None) -> str:
    why = f"its compiled form {npz} is missing" if npz is not None else "it has no compiled form (.npz)"
    return (f"{path}: {why}; refusing to fall back to the joblib file, which runs code when loaded "
            "(retrain it with `hypefact train`, or pass --allow-pickle if you trust the file)")


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


def snapshot_model(model_path=None, attempts: int = 5, allow_pickle: bool = False) -> ModelSnapshot:
    """Copy the model's compiled form (``--model``, ``$HYPEFACT_MODEL`` or the shipped one), checked
    against its sidecar, into a private folder that workers load from.

    The files are read together and their SHA-256s compared with the sidecar's; a
    mismatch is retried for a moment, in case the model is being replaced. Workers
    only ever load the pickle-free ``.npz``: a model without one is refused, or,
    with ``allow_pickle``, its hash-checked joblib file is loaded here and compiled
    into the snapshot.
    """
    src = resolve_model_path(model_path)
    problem = ""
    for attempt in range(attempts):
        if attempt:
            time.sleep(0.25 * attempt)
        if not src.exists() and not compiled_path(src).exists() and not sidecar_path(src).exists():
            raise _no_such_model(src)
        try:
            meta, _, npz = model_files(src)
            if npz is None or not npz.exists():
                if not allow_pickle:
                    raise ModelError(no_compiled_form(src, npz))
                estimator, meta = load_model(src)
                data = None
                break
            data = read_regular(npz, "model file")
        except NotRegularFileError as exc:
            raise ModelError(str(exc)) from None
        except ModelError as exc:
            if "SHA-256" not in str(exc):
                raise
            problem = str(exc)
            continue
        except OSError as exc:
            problem = f"{src}: cannot read the model: {exc}"
            continue
        if hashlib.sha256(data).hexdigest() == meta["compiled_sha256"]:
            break
        problem = f"{npz}: SHA-256 does not match its sidecar"
    else:
        raise ModelError(f"{problem}; refusing to load it (it may have been altered, or it is being rewritten: "
                         "try again)" if "SHA-256" in problem else problem)
    reap_orphan_snapshots()
    tmp = tempfile.mkdtemp(prefix=f"{SNAPSHOT_PREFIX}{os.getpid()}-")
    path = Path(tmp) / "model.joblib"
    meta = dict(meta)
    if data is None:
        save_compiled(estimator, path.with_suffix(".npz"))
        meta["compiled_sha256"] = sha256_of(path.with_suffix(".npz"))
    else:
        path.with_suffix(".npz").write_bytes(data)
    meta.update(compiled_file="model.npz", model_file="model.joblib")
    path.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    return ModelSnapshot(path, meta["sha256"], str(meta.get("name") or src.stem), meta, tmp)


#: Snapshots are private folders named ``hypefact-model-PID-XXXX`` under the temp folder.
SNAPSHOT_PREFIX = "hypefact-model-"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def reap_orphan_snapshots() -> list[str]:
    """Remove the snapshot folders of runs whose process is gone (killed with ``kill -9``, say).

    A run removes its own snapshot on every exit it lives through; this catches
    the ones it could not. Returns the folders removed.
    """
    removed = []
    base = Path(tempfile.gettempdir())
    for folder in base.glob(f"{SNAPSHOT_PREFIX}*-*"):
        pid = folder.name[len(SNAPSHOT_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)) and folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(str(folder))
    return removed
