"""Attacks on model files: a promotion killed between renames, a tampered or missing compiled form,
file modes (issue 16, items 5 and 14)."""

import os
import shutil
import sys
from pathlib import Path

import pytest

from classifier._io import sha256_of
from classifier.model.files import DEFAULT_MODEL, ModelError, load_model, load_predictor, save_model

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests/ for the shared helpers


def copy_model(src: Path, dst: Path, suffixes=(".joblib", ".npz", ".json", ".md")) -> Path:
    dst.parent.mkdir(parents=True, exist_ok=True)
    for suffix in suffixes:
        if src.with_suffix(suffix).exists():
            shutil.copyfile(src.with_suffix(suffix), dst.with_suffix(suffix))
    return dst


def fit_tiny(folder: Path, repeat: int) -> Path:
    from test_model import small_xy

    from classifier.model.estimator import UnitClassifier

    X, y = small_xy(repeat)
    path = folder / f"tiny{repeat}.joblib"
    save_model(UnitClassifier(cv=2, context=False).fit(X, y), path)
    return path


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory) -> Path:
    """A small model, quick to fit and to load."""
    return fit_tiny(tmp_path_factory.mktemp("tiny"), 2)


@pytest.fixture(scope="module")
def other_tiny_model(tmp_path_factory) -> Path:
    """Another small model (other data, so other hashes)."""
    return fit_tiny(tmp_path_factory.mktemp("tiny"), 3)


# -- item 5: promotion killed between renames ------------------------------------------


class Killed(BaseException):
    """Stands in for kill -9: nothing after it runs (finally blocks aside)."""


@pytest.mark.parametrize("kill_at", [1, 2, 3, 4, 5])
def test_promotion_killed_at_any_rename_leaves_a_usable_default(tmp_path, monkeypatch, tiny_model, other_tiny_model,
                                                                kill_at):
    from classifier.model.catalog import promote

    default = copy_model(other_tiny_model, tmp_path / "models" / "hypefact.joblib")
    old, new = sha256_of(other_tiny_model), sha256_of(tiny_model)
    real_replace, calls = os.replace, []

    def replace(src, dst):
        calls.append(dst)
        if len(calls) == kill_at:
            raise Killed
        return real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace)
    try:
        promote(tiny_model, default)
    except Killed:
        pass
    monkeypatch.undo()
    # Whatever moment the kill came at, the default is one whole model, old or new, in both forms.
    predictor, meta = load_predictor(default)
    estimator, meta2 = load_model(default)
    assert meta["sha256"] == meta2["sha256"] and meta["sha256"] in (old, new)
    assert len(predictor.predict_proba([{"text": "Share this story", "doc": "d"}])) == 1
    # And the next promotion finishes the job.
    promote(tiny_model, default)
    assert load_predictor(default)[1]["sha256"] == new
    assert sorted(p.name for p in default.parent.iterdir()) == ["hypefact.joblib", "hypefact.json", "hypefact.npz"]


def test_promotion_tidies_only_its_own_staged_files(tmp_path, tiny_model, other_tiny_model):
    from classifier.model.catalog import promote

    default = copy_model(other_tiny_model, tmp_path / "models" / "hypefact.joblib")
    staging = default.parent / "versions"
    staging.mkdir()
    stale = staging / "hypefact-0123456789ab.npz"  # left by a killed promotion of this model
    other = staging / "hypefact-20261208-010101-0123456789ab.npz"  # another model's, being installed
    stale.write_bytes(b"old")
    other.write_bytes(b"busy")
    promote(tiny_model, default)
    assert not stale.exists() and other.exists()


def test_train_promote_never_writes_over_the_default_in_place(tmp_path, monkeypatch, tiny_model):
    """`train --promote` saves a model of its own first and then promotes it (one switch)."""
    from classifier.training import train as train_module

    default = copy_model(DEFAULT_MODEL, tmp_path / "models" / "hypefact.joblib")
    monkeypatch.setenv("HYPEFACT_MODEL", str(default))
    monkeypatch.setattr(train_module, "train", lambda paths, **kw: (load_model(tiny_model)[0], {"params": {}}))
    saved = []
    real_save = train_module.save_trained
    monkeypatch.setattr(train_module, "save_trained", lambda m, meta, out: saved.append(Path(out)) or real_save(m, meta, out))
    result = train_module.retrain([tmp_path], promote_it=True, compare=False, cv_folds=0)
    assert result.promoted and saved[0] != default
    assert load_predictor(default)[1]["sha256"] == sha256_of(saved[0])


# -- item 14: what is listed is verified; no silent pickle --------------------------------


def test_models_lists_a_tampered_compiled_file_as_altered(tmp_path):
    path = copy_model(DEFAULT_MODEL, tmp_path / "hypefact.joblib")
    assert statuses(tmp_path) == ["ok"]
    with open(path.with_suffix(".npz"), "ab") as fh:
        fh.write(b"\0")
    assert statuses(tmp_path)[0].startswith("hash mismatch")


def statuses(folder: Path) -> list[str]:
    from classifier.model.catalog import list_models

    return [m.status for m in list_models(folder) if m.path.parent == folder]


def test_models_lists_a_missing_compiled_file(tmp_path):
    copy_model(DEFAULT_MODEL, tmp_path / "hypefact.joblib", (".joblib", ".json"))
    assert statuses(tmp_path) == ["compiled file missing"]


@pytest.fixture
def joblib_only(tmp_path, monkeypatch, tiny_model):
    """A model without its .npz, and joblib.load watched (to see whether anything unpickles)."""
    import joblib

    path = copy_model(tiny_model, tmp_path / "m.joblib", (".joblib", ".json"))
    calls = []
    real = joblib.load
    monkeypatch.setattr(joblib, "load", lambda *a, **k: calls.append(a) or real(*a, **k))
    return path, calls


def test_a_missing_compiled_file_is_never_a_silent_unpickle(joblib_only):
    from classifier.annotate import Annotator

    path, calls = joblib_only
    with pytest.raises(ModelError, match="--allow-pickle"):
        Annotator.load(path)
    assert not calls, "the joblib file was unpickled without being asked"
    Annotator.load(path, allow_pickle=True)  # an explicit flag allows it
    assert calls


def test_score_with_a_joblib_only_model_needs_the_flag(joblib_only):
    from classifier.model.files import snapshot_model

    path, calls = joblib_only
    with pytest.raises(ModelError, match="--allow-pickle"):
        snapshot_model(path)
    assert not calls
    with snapshot_model(path, allow_pickle=True) as snap:
        # Workers get a compiled form made from the (hash-checked) joblib file: they never unpickle.
        assert set(snap.files()) == {".json", ".npz"}
        assert load_predictor(snap.path)[1]["sha256"] == sha256_of(path)


def test_annotate_cli_refuses_a_joblib_only_model(joblib_only, tmp_path):
    from typer.testing import CliRunner

    from classifier.cli import app

    path, calls = joblib_only
    article = tmp_path / "a.txt"
    article.write_text("The council voted on Thursday.\n", encoding="utf-8")
    result = CliRunner().invoke(app, ["annotate", str(article), "--model", str(path)])
    assert result.exit_code == 1 and "--allow-pickle" in result.output and not calls


def test_promoted_files_get_the_normal_mode(tmp_path, tiny_model):
    from classifier.model.catalog import promote

    old_umask = os.umask(0o022)
    try:
        target = promote(tiny_model, tmp_path / "fresh" / "hypefact.joblib")
    finally:
        os.umask(old_umask)
    for suffix in (".joblib", ".npz", ".json"):
        assert (target.with_suffix(suffix).stat().st_mode & 0o777) == 0o644, suffix
