"""Every command documents itself and is documented: help text, and a place in the README."""

import re
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from classifier.cli import app

README = (Path(__file__).resolve().parent.parent / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(c.name or c.callback.__name__ for c in app.registered_commands)


def test_the_app_has_the_commands_we_document():
    assert {"annotate", "evaluate", "score", "export", "label", "check", "train", "models", "import"} <= set(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_help_and_is_in_the_readme(name):
    result = CliRunner().invoke(app, [name, "--help"])
    assert result.exit_code == 0, result.output
    command = typer.main.get_command(app).commands[name]
    assert command.help and len(command.help.split()) >= 5, f"{name}: no help text"
    assert re.search(rf"hypefact {name}\b", README), f"`hypefact {name}` appears nowhere in README.md"
    for param in command.params:
        if param.name != "help" and getattr(param, "help", None) is None and param.param_type_name == "option":
            pytest.fail(f"{name} {param.opts}: option without help text")


def test_version():
    from classifier.about import __version__

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"hypefact {__version__}"
