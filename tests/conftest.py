from pathlib import Path

import pytest


@pytest.fixture
def shared_data():
    """The project's shared benchmark data folder, ../shared/data; skip when it is absent."""
    path = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not path.is_dir():
        pytest.skip(f"shared data folder {path} is absent")
    return path
