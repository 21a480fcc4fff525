"""Fixtures for the parser tests (the helpers live in parse_helpers.py)."""

from parse_helpers import parse_fixture  # noqa: F401 - pytest finds fixtures here
