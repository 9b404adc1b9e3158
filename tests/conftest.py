"""Shared pytest set-up: headless matplotlib and the project root."""
import os
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (where nbgrader_config.py, solutions/ and notebooks/ live)."""
    return ROOT
