"""Export tests: real databases in tmp_path built through the real CLI, timestamps pinned."""

from __future__ import annotations

from pathlib import Path

import pytest
from export_cases import build


@pytest.fixture(scope="module")
def sample_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bundled sample, one paper accepted with a note; read-only for the tests that share it."""
    return build(tmp_path_factory.mktemp("sample") / "sample.db", "sample")


@pytest.fixture(scope="module")
def arxiv_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build(tmp_path_factory.mktemp("arxiv") / "arxiv.db", "arxiv")
