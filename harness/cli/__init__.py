"""The ``bench`` command line: the Typer app in :mod:`.app`, one module per command beside it."""

from trackbench.harness.cli.app import app, main

__all__ = ["app", "main"]
