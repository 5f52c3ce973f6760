"""The compiled (.npz) model predicts exactly like the estimator it was made from."""

import numpy as np
import pytest

from classifier.model.compiled import CompiledModel
from classifier.model.files import ModelError, load_model, load_predictor, save_model


def test_shipped_compiled_model_matches_estimator():
    from classifier.training.corpus import read_labels
    from classifier.model.files import DEFAULT_DATA

    units = read_labels([DEFAULT_DATA])[:1500]
    X = [u.as_input() for u in units] + [{"text": "A brand new sentence nobody wrote, could it matter?", "doc": "z"}]
    estimator, _ = load_model()
    compiled, meta = load_predictor()
    assert isinstance(compiled, CompiledModel)
    assert list(compiled.classes_) == list(estimator.classes_)
    np.testing.assert_allclose(compiled.predict_proba(X), estimator.predict_proba(X), atol=1e-9)


def test_compiled_file_is_hash_checked(tmp_path):
    from test_model import small_xy

    from classifier.model.estimator import UnitClassifier

    X, y = small_xy(2)
    path = tmp_path / "m.joblib"
    save_model(UnitClassifier(cv=2).fit(X, y), path)
    predictor, _ = load_predictor(path)
    assert isinstance(predictor, CompiledModel)
    with open(tmp_path / "m.npz", "ab") as fh:
        fh.write(b"x")
    with pytest.raises(ModelError, match="does not match"):
        load_predictor(path)


def test_compiled_loading_never_unpickles(tmp_path, monkeypatch):
    """The predictor is the compiled model, and no unpickling path is taken to get it."""
    import pickle

    import joblib

    def refuse(*args, **kwargs):
        raise AssertionError("pickle used")

    for module, name in ((pickle, "load"), (pickle, "loads"), (pickle, "Unpickler"), (joblib, "load")):
        monkeypatch.setattr(module, name, refuse)
    predictor, _ = load_predictor()
    assert isinstance(predictor, CompiledModel)
    assert predictor.predict([{"text": "Share this story", "doc": "d"}])[0] == "boilerplate"


def test_compiled_form_alone_is_a_usable_model(tmp_path):
    """What a wheel ships: the .npz and its sidecar, no joblib file."""
    import shutil

    from classifier.model.files import DEFAULT_MODEL, compiled_path, sidecar_path

    target = tmp_path / "hypefact.joblib"
    shutil.copy(compiled_path(DEFAULT_MODEL), compiled_path(target))
    shutil.copy(sidecar_path(DEFAULT_MODEL), sidecar_path(target))
    predictor, meta = load_predictor(target)
    assert isinstance(predictor, CompiledModel) and not target.exists()
    with pytest.raises(ModelError, match="no such model file"):
        load_model(target)  # the pickle is not there to be loaded


def test_annotating_does_not_import_scikit_learn():
    """The cold-start claim: annotate loads the compiled model with NumPy alone."""
    import subprocess
    import sys

    code = ("import sys; from classifier.annotate import Annotator; "
            "Annotator.load().annotate_text('The council met. It may decide soon.'); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('sklearn', 'scipy', 'joblib')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
