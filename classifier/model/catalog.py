"""The models folder: listing models, naming new ones, promoting one to the default.

Models live beside the default model (``models/`` in the checkout, or the
folder of ``$HYPEFACT_MODEL``). Each is ``NAME.joblib`` + ``NAME.json`` (sidecar)
+ ``NAME.md`` (model card). Listing reads sidecars and hashes files; it never
unpickles a model.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from .._io import atomic_write_text, sha256_of, temp_copy_beside, utc_now
from .files import ModelError, card_path, compiled_path, read_sidecar, resolve_model_path, sidecar_path, verified


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
    status: str  # ok | hash mismatch | no sidecar | bad sidecar
    is_default: bool

    def to_dict(self) -> dict:
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in self.__dict__.items()}


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return False


def model_info(path: Path, default: Path | None = None) -> ModelInfo:
    default = default or default_model()
    try:
        meta = read_sidecar(path)
        status = "ok" if meta.get("sha256") == sha256_of(path) else "hash mismatch"
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
    if default.exists() and not any(_same(p, default) for p in paths):
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
    """Make ``source`` the default model: copy it (after checking its hash) over ``target``.

    The sidecar is written first, then the model is renamed into place, as
    :func:`classifier.model.files.save_model` does: a crash in between leaves a model
    whose hash does not match, which is refused, never a silent mix.
    """
    source, target = Path(source), Path(target) if target else default_model()
    if _same(source, target):
        return target
    meta = read_sidecar(source)
    verified(source, meta.get("sha256"), "this model for promotion")
    target.parent.mkdir(parents=True, exist_ok=True)
    # The compiled form (.npz) travels with the model when there is one; its hash is in the sidecar too.
    pairs = [(source, target)]
    if meta.get("compiled_sha256"):
        pairs.insert(0, (compiled_path(source), compiled_path(target)))
    temps: list[str] = []
    try:
        for src, dst in pairs:
            temps.append(temp_copy_beside(src, dst))
        if sha256_of(temps[-1]) != meta["sha256"] or (len(temps) > 1 and sha256_of(temps[0]) != meta["compiled_sha256"]):
            raise ModelError(f"{source}: does not match its sidecar (changed while being copied?); not promoting it")
        meta.update(name=target.stem, model_file=target.name, promoted_from=source.name,
                    promoted=utc_now())
        if len(pairs) > 1:
            meta["compiled_file"] = compiled_path(target).name
        atomic_write_text(sidecar_path(target), json.dumps(meta, indent=2, ensure_ascii=False) + "\n")
        for tmp, (_, dst) in zip(temps, pairs):
            os.replace(tmp, dst)
    finally:
        for tmp in temps:
            if os.path.exists(tmp):
                os.unlink(tmp)
    if card_path(source).exists():
        card = card_path(source).read_text(encoding="utf-8")
        atomic_write_text(card_path(target), card.replace(f"# Model card: {source.stem}", f"# Model card: {target.stem}", 1))
    return target
