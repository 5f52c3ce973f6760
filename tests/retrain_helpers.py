"""Shared helpers of the tests/test_retrain_*.py files (small data, a small model, running the CLI)."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import subprocess
import sys
import tempfile
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "data" / "labels"
HERE = Path(__file__).resolve().parent / "data"
HYPEFACT = str(Path(sys.executable).with_name("hypefact"))


def shipped_files(n: int, offset: int = 0) -> list[Path]:
    """``n`` shipped label files, spread over the domains."""
    files = sorted(DATA.glob("*.jsonl"))
    return files[offset::max(1, len(files) // n)][:n]


def write_jsonl(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    return path


@lru_cache(maxsize=None)
def small_model() -> Path:
    """A quick model (sentence stage only, 16 shipped documents) in a private temp folder, built once."""
    from classifier.training.corpus import read_labels
    from classifier.training.train import fit_model, save_trained

    folder = Path(tempfile.mkdtemp(prefix="hypefact-test-model-"))
    atexit.register(shutil.rmtree, folder, True)
    units = read_labels(shipped_files(16))
    model = fit_model(units, context=False)
    meta = {"training_data": {"units": len(units), "documents": len({u.doc for u in units})}}
    save_trained(model, meta, folder / "small.joblib")
    return folder / "small.joblib"


def copy_model(src: Path, dst: Path) -> Path:
    """A model with its sidecar (and card) under another name, as ``hypefact train`` would leave it."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    for suffix in (".joblib", ".npz", ".json", ".md"):
        if src.with_suffix(suffix).exists():
            shutil.copyfile(src.with_suffix(suffix), dst.with_suffix(suffix))
    return dst


def run_cli(*args: str, env: dict | None = None, cwd: Path | None = None, input: str | None = None,
            timeout: int = 300) -> subprocess.CompletedProcess:
    """``hypefact ARGS`` in a child process, as a user runs it."""
    full_env = {**os.environ, "NO_COLOR": "1", **(env or {})}
    return subprocess.run([HYPEFACT, *args], capture_output=True, text=True, env=full_env, cwd=cwd,
                          input=input, timeout=timeout)
