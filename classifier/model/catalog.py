"""The models folder: listing models, naming new ones, promoting one to the default.

Models live beside the default model (``models/`` in the checkout, or the
folder of ``$HYPEFACT_MODEL``). Each is ``NAME.joblib`` + ``NAME.json`` (sidecar)
+ ``NAME.md`` (model card). Listing reads sidecars and hashes files; it never
unpickles a model.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass
from pathlib import Path

from .._io import atomic_write_text, sha256_of, temp_copy_beside, utc_now
from .files import (ModelError, card_path, compiled_path, install_model, model_files, read_sidecar, resolve_model_path,
                    sidecar_path, verified)


def default_model() -> Path:
    return resolve_model_path(None)


def models_dir() -> Path:
    return default_model().parent


@dataclass
class ModelInfo:
    path: Path
    name: str
    created: str
    units: int | None
    documents: int | None
    macro_f1: float | None
    per_label_f1: dict
    status: str  # ok | hash mismatch (.npz/.joblib) | compiled file missing | no sidecar | bad sidecar
    is_default: bool

    def to_dict(self) -> dict:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()}


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def model_status(path: Path, meta: dict) -> str:
    """``ok`` when every file the sidecar lists is there and matches its SHA-256, else what is wrong.

    Both forms are checked: the ``.npz`` is what annotate and score load, the
    ``.joblib`` what training loads. A form that is absent is fine (a wheel ships
    no joblib file), as long as one form is there; one that is present must match.
    """
    _, joblib_file, npz = model_files(path)
    present = 0
    for file, expected in ((joblib_file, meta.get("sha256")), (npz, meta.get("compiled_sha256"))):
        if file is None or not file.exists():
            continue
        present += 1
        try:
            if sha256_of(file) != expected:
                return f"hash mismatch ({file.suffix})"
        except OSError as exc:
            return f"unreadable {file.suffix} ({exc.strerror or exc})"
    if npz is not None and not npz.exists():
        return "compiled file missing"
    return "ok" if present else "no model file"


def model_info(path: Path, default: Path | None = None) -> ModelInfo:
    default = default or default_model()
    try:
        meta = read_sidecar(path)
        status = model_status(path, meta)
    except ModelError as exc:
        meta, status = {}, "no sidecar" if "missing" in str(exc) else "bad sidecar"
    data = meta.get("training_data", {})
    cv = meta.get("cv_metrics") or {}
    return ModelInfo(path, path.stem, meta.get("created", "?"), data.get("units"),
                     data.get("documents"), cv.get("macro_f1"),
                     {k: v["f1"] for k, v in cv.get("per_label", {}).items()}, status, _same(path, default))


def list_models(directory: str | os.PathLike | None = None) -> list[ModelInfo]:
    """Every ``*.joblib`` in the folder (newest first), and the default model wherever it is."""
    directory = Path(directory) if directory else models_dir()
    default = default_model()
    paths = sorted(directory.glob("*.joblib")) if directory.is_dir() else []
    if sidecar_path(default).exists() and not any(_same(p, default) for p in paths):
        paths.append(default)
    infos = sorted((model_info(p, default) for p in paths), key=lambda m: m.created, reverse=True)
    return sorted(infos, key=lambda m: not m.is_default)  # the default first, then newest first


def new_model_path(directory: str | os.PathLike | None = None, stem: str = "hypefact") -> Path:
    """A fresh ``models/hypefact-YYYYMMDD-HHMMSS.joblib`` that does not exist yet."""
    directory = Path(directory) if directory else models_dir()
    base = f"{stem}-{time.strftime('%Y%m%d-%H%M%S')}"
    path, n = directory / f"{base}.joblib", 1
    while path.exists() or sidecar_path(path).exists():
        n += 1
        path = directory / f"{base}-{n}.joblib"
    return path


def promote(source: str | os.PathLike, target: str | os.PathLike | None = None) -> Path:
    """Make ``source`` the default model: copy its files (after checking their hashes) to ``target``.

    The copies are complete and checked before anything changes; then
    :func:`classifier.model.files.install_model` switches the default over with one
    atomic rename of the sidecar, so the old model stays usable until that moment
    and a kill at any point never leaves no usable model.
    """
    source, target = Path(source), Path(target) if target else default_model()
    if _same(source, target):
        return target
    meta, src_model, src_npz = model_files(source)
    verified(src_model, meta.get("sha256"), "this model for promotion")
    if src_npz is not None:
        verified(src_npz, meta["compiled_sha256"], "this model's compiled form for promotion")
    target.parent.mkdir(parents=True, exist_ok=True)
    pairs = {".joblib": (src_model, meta["sha256"])}
    if src_npz is not None:  # the compiled form (.npz) travels with the model
        pairs[".npz"] = (src_npz, meta["compiled_sha256"])
    temps: dict[str, str] = {}
    try:
        for suffix, (src, expected) in pairs.items():
            temps[suffix] = temp_copy_beside(src, target.with_suffix(suffix))
            if sha256_of(temps[suffix]) != expected:
                raise ModelError(f"{source}: does not match its sidecar (changed while being copied?); not promoting it")
        meta.update(name=target.stem, model_file=target.name, promoted_from=source.name, promoted=utc_now())
        if src_npz is not None:
            meta["compiled_file"] = compiled_path(target).name
        install_model(temps, meta, target)
    finally:
        for tmp in temps.values():
            if os.path.exists(tmp):
                os.unlink(tmp)
    if card_path(source).exists():
        card = card_path(source).read_text(encoding="utf-8")
        atomic_write_text(card_path(target), card.replace(f"# Model card: {source.stem}", f"# Model card: {target.stem}", 1))
    return target
