"""max_atoms: a molecule too large to featurize in reasonable time is refused by row."""

import time
import warnings

import numpy as np
import pytest
from rdkit import Chem

from sklearn_metalink.chem import (
    AtomPairFingerprint,
    InvalidSMILESWarning,
    MACCSKeys,
    MolecularGraphFeaturizer,
    MorganFingerprint,
    RDKitDescriptors,
    TopologicalTorsionFingerprint,
    murcko_scaffold,
    to_mols,
)
from sklearn_metalink.chem._molecules import parse_molecules
from sklearn_metalink.datasets import load_sider, load_tox21, load_toxcast

TRANSFORMERS = [
    MorganFingerprint,
    AtomPairFingerprint,
    TopologicalTorsionFingerprint,
    MACCSKeys,
    RDKitDescriptors,
    MolecularGraphFeaturizer,
]
# 10,000 characters that RDKit needed 0.6 s to parse alone (rings).
HUGE_RINGS = "C1CC(CC1)" * 1111


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=lambda t: t.__name__)
@pytest.mark.parametrize("smiles", ["C" * 10000, HUGE_RINGS], ids=["chain", "rings"])
def test_a_ten_thousand_character_smiles_is_refused_at_once_naming_its_row(transformer, smiles):
    transformer().fit_transform(["CCO"])  # the first graph imports torch: not timed
    start = time.perf_counter()
    with pytest.raises(ValueError, match=r"more than max_atoms=1000 atoms .*rows 1 \("):
        transformer().fit_transform(["CCO", smiles])
    assert time.perf_counter() - start < 1


def test_murcko_scaffold_of_a_ten_thousand_atom_chain_is_refused_at_once():
    start = time.perf_counter()
    with pytest.raises(ValueError, match="more than max_atoms=1000"):
        murcko_scaffold("C" * 10000)
    assert time.perf_counter() - start < 1


def test_the_atom_count_is_checked_after_parsing():
    mols, too_large = parse_molecules(np.array(["C" * 21, "C" * 20], dtype=object), max_atoms=20)
    assert too_large == [0]
    assert mols[0] is None and mols[1].GetNumAtoms() == 20


def test_an_rdkit_molecule_is_checked_too():
    with pytest.raises(ValueError, match="max_atoms=5"):
        to_mols([Chem.MolFromSmiles("CCCCCC")], max_atoms=5)


def test_the_error_shows_a_long_smiles_cut_with_its_length():
    with pytest.raises(ValueError, match=r"'C{40}'\.\.\. of 10000 characters\)") as error:
        MorganFingerprint().fit_transform(["C" * 10000])
    assert len(str(error.value)) < 500


def test_max_atoms_none_removes_the_bound():
    X = MorganFingerprint(max_atoms=None).fit_transform(["C" * 1500])
    assert X.sum() > 0


def test_fill_policies_fill_a_too_large_molecule_and_warn():
    with pytest.warns(InvalidSMILESWarning, match=r"more than max_atoms=10 .*rows 1 "):
        X = MorganFingerprint(invalid="nan", max_atoms=10).fit_transform(["CCO", "C" * 11])
    assert np.isnan(X[1]).all() and not np.isnan(X[0]).any()


def test_unparsable_and_too_large_rows_are_reported_apart():
    reported = r"could not be parsed by RDKit; rows 1 .*max_atoms=10"
    with pytest.raises(ValueError, match=reported) as error:
        MorganFingerprint(max_atoms=10).fit_transform(["CCO", "C1CC", "C" * 11])
    assert "rows 2 ('CCCCCCCCCCC')" in str(error.value)


@pytest.mark.parametrize("max_atoms", [0, -1, 2.5, "big"])
def test_invalid_max_atoms_is_rejected(max_atoms):
    with pytest.raises(ValueError, match="max_atoms"):
        MorganFingerprint(max_atoms=max_atoms).fit(["CCO"])
    with pytest.raises(ValueError, match="max_atoms"):
        to_mols(["CCO"], max_atoms=max_atoms)


def test_every_molecule_of_tox21_toxcast_and_sider_passes_the_default_bound(shared_data):
    smiles = np.concatenate([
        load_tox21(return_X_y=True)[0],
        load_toxcast(return_X_y=True)[0],
        load_sider(data_home=shared_data, return_X_y=True)[0],
    ])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        column = np.asarray(smiles, dtype=object)
        _, too_large = parse_molecules(column, partial=True, max_atoms=1000)
    assert too_large == []
