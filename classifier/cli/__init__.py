"""The ``hypefact`` command line: a thin layer over the library, one module per group of commands."""

from __future__ import annotations

from . import annotate, batch, training  # each module adds its commands to the app
from .app import app

__all__ = ["app", "main", "annotate", "batch", "training"]


def main() -> None:
    app()


if __name__ == "__main__":
    main()
