"""The one Typer ``app`` of the ``hypefact`` command, and what every command shares: one way to fail,
to print a note, to write output.

Each command lives in the module of its group (:mod:`.annotate`, :mod:`.batch`, :mod:`.training`)
and is a thin wrapper over one library function of the same name. The library wings are imported
when a command runs, so ``hypefact --help`` and ``hypefact annotate`` never load scikit-learn.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn, Optional

import typer

from .._io import OutputError, atomic_write_text
from ..about import __version__

app = typer.Typer(add_completion=True, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Tell reporting from hype, sentence by sentence.")


def _version(value: bool) -> None:
    if value:
        typer.echo(f"hypefact {__version__}")
        raise typer.Exit()


@app.callback()
def _main(version: bool = typer.Option(False, "--version", callback=_version, is_eager=True,
                                       help="Print the version and exit.")) -> None:
    """Tell reporting from hype, sentence by sentence."""


def choices(*values: str):
    """Shell completion for an option with a fixed set of values (``hypefact --install-completion``)."""
    return lambda incomplete: [v for v in values if v.startswith(incomplete)]


def fail(message: str, code: int = 1) -> NoReturn:
    """Print a one-line error and exit (no traceback for the user's mistakes)."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def info(message: str) -> None:
    """A progress or status line, on standard error so that standard output stays data."""
    typer.echo(message, err=True)


def write_output(text: str, output: Optional[Path]) -> None:
    """Standard output, or ``output`` written atomically; a write that fails (full disk, a folder,
    no permission, closed output) is one line of error, and no half-written file is left."""
    try:
        if output is None:
            sys.stdout.write(text)
            sys.stdout.flush()
            return
        atomic_write_text(output, text)
    except OutputError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(output_failure(output, exc))


def output_failure(output: Optional[Path], exc: OSError) -> str:
    """The one-line message for an output that could not be written (see :func:`write_output`)."""
    if output is None:
        _drop_buffered_stdout()
    where = str(output) if output is not None else "standard output"
    return f"cannot write to {where}: {exc.strerror or exc}"


def _drop_buffered_stdout() -> None:
    """Point fd 1 at /dev/null once standard output has failed, so that Python's flush at exit
    does not fail again and print a traceback after our one-line error."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


def write_streamed(write, output: Optional[Path]) -> None:
    """Call ``write(fh)`` on standard output, or on ``output`` written atomically (all or nothing)."""
    from .._io import atomic_writer

    try:
        if output is None:
            write(sys.stdout)
            sys.stdout.flush()
            return
        with atomic_writer(output) as fh:
            write(fh)
    except OutputError as exc:
        fail(str(exc))
    except OSError as exc:
        fail(output_failure(output, exc))


def console(output: Optional[Path] = None):
    """A Rich console for pretty output: the terminal, or a plain-text file."""
    from rich.console import Console

    if output is not None:
        if output.is_dir():
            fail(f"{output}: is a folder; give a file name to write to")
        try:
            fh = open(output, "w", encoding="utf-8")
        except OSError as exc:
            fail(output_failure(output, exc))
        return Console(file=fh, force_terminal=False, width=100)
    return Console(highlight=False, soft_wrap=True)
