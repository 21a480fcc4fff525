"""Fixtures for the store tests (the helpers live in store_helpers.py)."""

from store_helpers import library, user_dirs  # noqa: F401 - pytest finds fixtures here
