"""Shell completion: `hypefact --install-completion` installs it; commands and option values complete."""

import os
import subprocess

from retrain_helpers import HYPEFACT


def _complete(words: str, cword: int) -> list[str]:
    env = {**os.environ, "_HYPEFACT_COMPLETE": "complete_bash", "COMP_WORDS": words, "COMP_CWORD": str(cword)}
    out = subprocess.run([HYPEFACT], env=env, capture_output=True, text=True, timeout=60)
    return out.stdout.split()


def test_install_completion_writes_the_script_and_sources_it(tmp_path):
    # The shell is named, not detected from the processes above the test run (which may be no shell at all).
    env = {**os.environ, "HOME": str(tmp_path), "_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}
    out = subprocess.run([HYPEFACT, "--install-completion", "bash"], env=env, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    script = tmp_path / ".bash_completions" / "hypefact.sh"
    assert "_HYPEFACT_COMPLETE" in script.read_text()
    assert str(script) in (tmp_path / ".bashrc").read_text()


def test_commands_and_option_values_complete():
    assert _complete("hypefact ann", 1) == ["annotate"]
    assert _complete("hypefact export --format pro", 3) == ["prodigy", "prodigy-spans"]
    assert _complete("hypefact import x.jsonl --from d", 4) == ["doccano"]
