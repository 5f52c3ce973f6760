"""hypefact train and hypefact models: refuse bad labels, write model + sidecar + card, compare, promote."""

from __future__ import annotations

import json
import shutil

import pytest
from typer.testing import CliRunner

from classifier.cli import app
from classifier.training.corpus import read_labels
from classifier.model.files import ModelError, load_model
from classifier._io import sha256_of
from retrain_helpers import copy_model, shipped_files, small_model, write_jsonl

runner = CliRunner()


@pytest.fixture
def workspace(tmp_path):
    """A default model in a temp models folder ($HYPEFACT_MODEL), small training data and held-out labels."""
    models = tmp_path / "models"
    default = copy_model(small_model(), models / "hypefact.joblib")
    data = tmp_path / "data"
    data.mkdir()
    for f in shipped_files(10, offset=1):
        shutil.copyfile(f, data / f.name)
    held = write_jsonl(tmp_path / "heldout.jsonl", [
        {"text": u.text, "label": u.label, "doc": u.doc} for u in read_labels(shipped_files(4, offset=3))])
    return {"tmp": tmp_path, "models": models, "default": default, "data": data, "held": held,
            "env": {"HYPEFACT_MODEL": str(default)}}


def _train(ws, *args):
    return runner.invoke(app, ["train", "--data", str(ws["data"]), "--jobs", "1", *args], env=ws["env"])


def test_train_compares_and_leaves_the_default_alone(workspace):
    ws = workspace
    before = sha256_of(ws["default"])
    out = ws["tmp"] / "new.joblib"
    result = _train(ws, "--output", str(out), "--cv", "2", "--eval", str(ws["held"]), "--changes", "5")
    assert result.exit_code == 0, result.output
    # Progress: stages, every fold, and the time left once a fold has been timed.
    for line in ("stage 1 of 3", "fold 1/5 done", "fold 5/5 done", "stage 2 of 3", "stage 3 of 3",
                 "cross-validated metrics", "comparing with", "saving"):
        assert line in result.output
    assert "left" in result.output.split("fold 1/5 done", 1)[1].splitlines()[0]

    # Model, sidecar and card are written; the sidecar's hash is the file's and it loads.
    side = json.loads(out.with_suffix(".json").read_text())
    assert side["sha256"] == sha256_of(out)
    model, meta = load_model(out)
    assert meta["training_data"]["units"] == len(read_labels([ws["data"]]))
    assert set(side["cv_metrics"]["per_label"]) == {"sourced_fact", "attributed_claim", "speculation", "boilerplate"}
    assert 0.3 < side["cv_metrics"]["macro_f1"] <= 1.0
    card = out.with_suffix(".md").read_text()
    assert card.startswith("# Model card: new") and "| speculation |" in card and side["sha256"] in card

    # Old vs new side by side on the held-out units, and the units whose label changed.
    assert "old F1  new F1" in result.output
    for lab in ("sourced_fact", "attributed_claim", "speculation", "boilerplate", "macro-F1"):
        assert f"  {lab}" in result.output
    assert "units changed label:" in result.output
    assert f"{ws['held']}:" in result.output  # changed units are named by file:line

    # Without --promote the default model is untouched.
    assert sha256_of(ws["default"]) == before
    assert "default model" in result.output and "unchanged" in result.output


def test_promote_replaces_the_default_and_models_lists_both(workspace):
    ws = workspace
    result = _train(ws, "--cv", "0")  # no --output: a new file beside the default model
    assert result.exit_code == 0, result.output
    new = [p for p in ws["models"].glob("hypefact-*.joblib")]
    assert len(new) == 1

    listing = runner.invoke(app, ["models"], env=ws["env"])
    assert listing.exit_code == 0
    lines = listing.output.splitlines()
    default_line = next(line for line in lines if line.startswith("*"))
    assert " hypefact " in default_line and "(default)" in default_line and " ok" in default_line
    assert any(new[0].stem in line and not line.startswith("*") for line in lines)

    result = _train(ws, "--cv", "0", "--promote", "--no-compare")
    assert result.exit_code == 0, result.output
    assert "promoted" in result.output
    model, meta = load_model(ws["default"])  # hash-checked
    assert meta["params"]["context"] is True  # the recipe of `hypefact train`, not the small test model's
    assert json.loads(runner.invoke(app, ["models", "--json"], env=ws["env"]).output)[0]["is_default"]


def test_promote_with_output_copies_into_place(workspace):
    ws = workspace
    out = ws["tmp"] / "elsewhere" / "candidate.joblib"
    result = _train(ws, "--cv", "0", "--output", str(out), "--promote", "--no-compare")
    assert result.exit_code == 0, result.output
    assert sha256_of(ws["default"]) == sha256_of(out)
    side = json.loads(ws["default"].with_suffix(".json").read_text())
    assert side["model_file"] == "hypefact.joblib" and side["promoted_from"] == "candidate.joblib"
    assert ws["default"].with_suffix(".md").read_text().startswith("# Model card: hypefact\n")
    if side.get("compiled_sha256"):  # the compiled form travels with it and passes its own hash check
        from classifier.model.files import load_predictor
        assert sha256_of(ws["default"].with_suffix(".npz")) == side["compiled_sha256"]
        load_predictor(ws["default"])


def test_train_refuses_conflicting_labels_and_writes_nothing(workspace):
    ws = workspace
    rows = [json.loads(line) for line in (ws["data"] / sorted(p.name for p in ws["data"].iterdir())[0]).open()]
    rows.append({**rows[3], "label": next(lab for lab in ("sourced_fact", "speculation") if lab != rows[3]["label"])})
    bad = write_jsonl(ws["data"] / "zz-conflict.jsonl", rows[:4] + [rows[-1]])
    out = ws["tmp"] / "never.joblib"
    result = _train(ws, "--output", str(out), "--cv", "0")
    assert result.exit_code == 1
    assert "blocking problem" in result.output and f"{bad}:5: same text as" in result.output
    assert not out.exists() and not out.with_suffix(".json").exists()


def test_train_refuses_a_broken_line(workspace):
    ws = workspace
    f = sorted(ws["data"].iterdir())[0]
    lines = f.read_text().splitlines()
    lines[2] = lines[2][:25]  # cut mid-line, in the middle of the file
    f.write_text("\n".join(lines) + "\n")
    result = _train(ws, "--output", str(ws["tmp"] / "never.joblib"), "--cv", "0")
    assert result.exit_code == 1
    assert f"{f}:3: not valid JSON" in result.output


def test_a_model_whose_hash_does_not_match_is_refused(workspace):
    ws = workspace
    tampered = copy_model(ws["default"], ws["tmp"] / "tampered.joblib")
    with open(tampered, "ab") as fh:
        fh.write(b"\0")
    with pytest.raises(ModelError, match="does not match"):
        load_model(tampered)

    # train fails before it spends a minute training, and writes nothing.
    out = ws["tmp"] / "never.joblib"
    result = _train(ws, "--output", str(out), "--compare-with", str(tampered), "--eval", str(ws["held"]))
    assert result.exit_code == 1
    assert "does not match its sidecar" in result.output and "--no-compare" in result.output
    assert not out.exists()
    assert "trained on" not in result.output

    # models shows it, without loading it.
    listing = runner.invoke(app, ["models", "--dir", str(ws["tmp"])], env=ws["env"])
    assert listing.exit_code == 0
    assert any("tampered" in line and "hash mismatch" in line for line in listing.output.splitlines())

    # Promotion checks the hash too.
    from classifier.model.catalog import promote
    with pytest.raises(ModelError):
        promote(tampered, ws["tmp"] / "target.joblib")
    assert not (ws["tmp"] / "target.joblib").exists()
