"""User-facing errors and the exit codes the command line promises."""

from __future__ import annotations

from enum import IntEnum


class ExitCode(IntEnum):
    OK = 0
    DATA_ERROR = 1  # a failed run, or warnings under --strict
    USAGE = 2


class TriageError(Exception):
    """An error the user can fix; the message names the problem and the fix."""

    exit_code: ExitCode = ExitCode.DATA_ERROR


class InputError(TriageError):
    """A file that cannot be read as a dump at all (missing, binary, unreadable)."""


class ConfigError(TriageError):
    """Invalid YAML configuration; the message names file, line and key."""

    exit_code = ExitCode.USAGE


class UsageError(TriageError):
    """Options that do not make sense together."""

    exit_code = ExitCode.USAGE
