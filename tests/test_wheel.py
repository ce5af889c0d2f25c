"""The wheel built from the repository holds the package and its data, nothing from the
tests, and works when installed apart from the source tree."""

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SMOKE = """
import numpy as np
import sklearn_metalink
from sklearn.pipeline import make_pipeline
from sklearn_metalink import MetaLinkClassifier
from sklearn_metalink.chem import MorganFingerprint
from sklearn_metalink.datasets import load_tox21

assert sklearn_metalink.__file__.startswith(TARGET), sklearn_metalink.__file__
smiles, Y = load_tox21(return_X_y=True)
model = make_pipeline(
    MorganFingerprint(n_bits=256, invalid="zeros"),
    MetaLinkClassifier(hidden=8, max_epochs=1, random_state=0),
)
P = model.fit(smiles[:200], Y[:200]).predict_proba(smiles[200:210])
assert P.shape == (10, 12) and np.all((P > 0) & (P < 1))
print("ok")
"""


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    """A wheel built from a copy of the sources, so the build leaves the checkout clean."""
    source = tmp_path_factory.mktemp("source")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source)
    shutil.copytree(
        REPO / "sklearn_metalink", source / "sklearn_metalink",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
         "-w", str(out), str(source)],
        check=True, capture_output=True,
    )
    return next(out.glob("sklearn_metalink-*.whl"))


def test_the_wheel_holds_the_bundled_data_and_nothing_from_the_tests(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    assert "sklearn_metalink/datasets/data/tox21.csv.gz" in names
    assert "sklearn_metalink/datasets/data/toxcast.csv.gz" in names
    assert not [n for n in names if n.startswith("tests/") or "conftest" in n]


def test_the_installed_wheel_fits_and_predicts_outside_the_source_tree(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--no-deps", "-q", "--target", str(target),
         str(wheel)],
        check=True, capture_output=True,
    )
    result = subprocess.run(
        [sys.executable, "-W", "ignore::DeprecationWarning", "-c",
         f"TARGET = {str(target)!r}\n" + SMOKE],
        cwd=tmp_path, env={"PYTHONPATH": str(target), "OMP_NUM_THREADS": "1"},
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().endswith("ok")
