"""The two ways a CLI command fails: ``CliError`` (exit 1) and ``UsageError`` (exit 2).

Their own module so the command modules (``cli``, ``cli_fetch``) share them without importing each
other: ``cli`` registers ``cli_fetch``'s commands, and nothing imports back up (no import cycle).
"""

from __future__ import annotations


class CliError(Exception):
    """A runtime error to report as one line and exit 1."""


class UsageError(Exception):
    """A usage error to report as one line and exit 2."""
