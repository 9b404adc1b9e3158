"""Shared pytest set-up: headless matplotlib, hypothesis profiles and the project root."""
import os
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("MPLBACKEND", "Agg")

ROOT = Path(__file__).resolve().parents[1]

# Timings on shared machines are noisy: no per-example deadlines. On CI the examples are
# derandomised, so a run is reproducible; locally they vary and keep exploring.
settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, print_blob=True)
settings.load_profile("ci" if os.environ.get("CI") else os.environ.get("HYPOTHESIS_PROFILE", "dev"))


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root (where nbgrader_config.py, solutions/ and notebooks/ live)."""
    return ROOT
