"""The terminal front of a labeling session: draws the unit in context and reads single keys.

Kept apart from :mod:`classifier.training.session` so that the queue, the writer and the
session's history can be used (and tested) without a terminal.
"""

from __future__ import annotations

import os
import shutil
import sys
import textwrap
from pathlib import Path

from ..labels import LABELS
from .session import KEYS_HELP, LabelingError, Session


# ---------------------------------------------------------------------------
# The terminal


class _Keys:
    """Single key presses from a terminal in cbreak mode (Ctrl-C still raises KeyboardInterrupt)."""

    def __init__(self, fd: int):
        self.fd = fd

    def __enter__(self):
        import termios
        import tty

        self.saved = termios.tcgetattr(self.fd)
        tty.setcbreak(self.fd)
        return self

    def __exit__(self, *exc):
        import termios

        termios.tcsetattr(self.fd, termios.TCSADRAIN, self.saved)

    def read(self) -> str:
        data = os.read(self.fd, 32)
        if not data:
            raise EOFError
        return data.decode("utf-8", "replace")


def _style(text: str, **kw) -> str:
    import click

    return text if os.environ.get("NO_COLOR") else click.style(text, **kw)  # https://no-color.org


def render(session: Session, into: Path, status: str = "") -> str:
    """The screen for the current unit, as text with ANSI styles."""
    u = session.current
    width = max(40, min(shutil.get_terminal_size((100, 30)).columns, 120))

    def wrap(text: str, prefix: str) -> str:
        return textwrap.fill(text, width, initial_indent=prefix, subsequent_indent=" " * len(prefix))

    order = "least certain first" if session.strategy == "uncertain" else "random order"
    lines = [_style(f"hypefact label -> {into}", bold=True) +
             f"   {session.labeled} labeled, {session.skipped} skipped, {session.remaining} to go ({order})",
             _style(f"{u.source}, unit {u.index + 1} of {u.count}", dim=True), ""]
    lines += [_style(wrap(t, "    "), dim=True) for t in u.before]
    lines.append(_style(wrap(u.text, "  > "), bold=True))
    lines += [_style(wrap(t, "    "), dim=True) for t in u.after]
    lines.append("")
    if u.guess:
        ranked = sorted(u.scores.items(), key=lambda kv: -kv[1])
        lines.append("model guess: " + _style(u.guess, fg="cyan", bold=True) + "   " +
                     "  ".join(f"{lab} {p:.2f}" for lab, p in ranked))
    lines.append(_style(KEYS_HELP, dim=True))
    if status:
        lines += ["", status]
    return "\n".join(lines) + "\n"


GUIDE = """sourced_fact      the writer states something checkable in their own voice: an event, a figure, a record
attributed_claim  the writer passes on what someone else says (said, told, according to, a quote, reportedly)
speculation       the writer's own conjecture, prediction, judgement or advice (could, may, likely, should)
boilerplate       no claim at all: menus, bylines, headings, related links, share prompts, credits
In doubt: is it a claim at all? -> does the main clause pass on someone's statement? -> does the writer
hedge or judge? -> otherwise sourced_fact. The full guide is LABELING.md."""


def run_terminal(session: Session, into: Path, out=None, fd: int | None = None) -> str:
    """Ask until the queue is empty or the user quits; returns "done" or "quit".

    Ctrl-C raises KeyboardInterrupt out of here; every answer before it is on disk.
    """
    out = out or sys.stdout
    fd = sys.stdin.fileno() if fd is None else fd
    status = ""
    with _Keys(fd) as keys:
        while session.current is not None:
            out.write("\x1b[2J\x1b[H" + render(session, into, status))
            out.flush()
            try:
                key = keys.read()
            except EOFError:
                return "quit"
            u = session.current
            if key in ("\r", "\n", " ", "a") and u.guess:
                session.answer(u.guess)
                status = f"saved: {u.guess} (the guess)"
            elif key in ("1", "2", "3", "4"):
                label = LABELS[int(key) - 1]
                session.answer(label)
                status = f"saved: {label}"
            elif key == "s":
                session.skip()
                status = "skipped"
            elif key in ("u", "\x7f", "\b"):
                try:
                    step = session.undo()
                except LabelingError as exc:
                    status = _style(f"cannot undo: {exc}", fg="red")
                    continue
                status = ("nothing to undo" if step is None else
                          f"undone: {step.label or 'skip'}; here it is again")
            elif key in ("q", "\x1b"):
                return "quit"
            elif key == "?":
                status = GUIDE
            else:
                status = f"unknown key {key!r}; " + "press ? for the label guide"
    return "done"
