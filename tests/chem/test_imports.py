"""`sklearn_metalink.chem` stays light: torch loads only when a graph featurizer is used."""

import subprocess
import sys

import pytest

FINGERPRINTS_ONLY = """
import sys
from sklearn_metalink.chem import MorganFingerprint, ScaffoldKFold
MorganFingerprint().fit_transform(["CCO"])
print("torch" in sys.modules)
"""

GRAPHS = """
import sys
from sklearn_metalink.chem import MolecularGraphFeaturizer
MolecularGraphFeaturizer().fit_transform(["CCO"])
print("torch" in sys.modules)
"""


@pytest.mark.parametrize(
    ("code", "imports_torch"), [(FINGERPRINTS_ONLY, "False"), (GRAPHS, "True")]
)
def test_torch_is_imported_only_when_a_graph_is_built(code, imports_torch):
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == imports_torch
