"""hypefact installs the normal way: a wheel into a fresh venv outside the checkout annotates with the
shipped (compiled) model, and says where to point ``train`` for data."""

import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.slow
def test_wheel_installs_and_annotates_outside_the_checkout(tmp_path):
    dist = tmp_path / "dist"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w", str(dist),
                    str(ROOT)], check=True, cwd=tmp_path)
    [wheel] = dist.glob("hypefact-*.whl")
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    bin_dir = venv / "bin"
    # The venv sees this environment's dependencies (spaCy, NumPy...) through a .pth file, but
    # hypefact itself only as the wheel installs it: no source tree on its path.
    [site] = (venv / "lib").glob("python3*/site-packages")
    (site / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([str(bin_dir / "python"), "-m", "pip", "install", "-q", "--no-deps", str(wheel)], check=True)
    work = tmp_path / "elsewhere"
    work.mkdir()
    story = work / "story.md"
    story.write_text((ROOT / "examples" / "harbour-bridge-report.md").read_text(encoding="utf-8"), encoding="utf-8")
    env = {"PATH": str(bin_dir), "HOME": str(tmp_path)}
    out = subprocess.run([str(bin_dir / "hypefact"), "annotate", str(story), "-f", "jsonl"], cwd=work, env=env,
                         capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    where = subprocess.run([str(bin_dir / "python"), "-c", "import classifier; print(classifier.__file__)"],
                           cwd=work, env=env, capture_output=True, text=True, check=True).stdout
    assert str(ROOT) not in where and "site-packages" in where
    assert len(out.stdout.splitlines()) > 5
    explained = subprocess.run([str(bin_dir / "hypefact"), "annotate", str(story), "-f", "jsonl", "--explain"],
                               cwd=work, env=env, capture_output=True, text=True)
    assert explained.returncode == 0, explained.stderr
    assert all('"why": [{"feature"' in line for line in explained.stdout.splitlines())
    train = subprocess.run([str(bin_dir / "hypefact"), "train"], cwd=work, env=env, capture_output=True, text=True)
    assert train.returncode != 0 and "--data" in train.stderr
    # The spaCy component comes with the wheel's entry points and its compiled model.
    spacy_run = subprocess.run(
        [str(bin_dir / "python"), "-c", "import spacy; nlp = spacy.blank('en'); nlp.add_pipe('hypefact'); "
         "doc = nlp(open('story.md', encoding='utf-8').read()); print(len(doc.spans['hypefact']))"],
        cwd=work, env=env, capture_output=True, text=True)
    assert spacy_run.returncode == 0, spacy_run.stderr
    assert int(spacy_run.stdout) == len(out.stdout.splitlines())  # one span per sentence that annotate gives


def test_written_files_follow_the_umask(tmp_path):
    import os

    from classifier._io import atomic_write_text

    old = os.umask(0o022)
    try:
        atomic_write_text(tmp_path / "out.json", "{}")
        assert (tmp_path / "out.json").stat().st_mode & 0o777 == 0o644
        os.umask(0o077)
        atomic_write_text(tmp_path / "private.json", "{}")
        assert (tmp_path / "private.json").stat().st_mode & 0o777 == 0o600
        os.chmod(tmp_path / "out.json", 0o640)
        atomic_write_text(tmp_path / "out.json", "[]")  # a rewrite keeps the file's own mode
        assert (tmp_path / "out.json").stat().st_mode & 0o777 == 0o640
    finally:
        os.umask(old)
