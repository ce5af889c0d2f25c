import numpy as np
import pandas as pd
import pytest
from rdkit import Chem

from sklearn_metalink.chem import InvalidSMILESWarning, MorganFingerprint, to_mols
from sklearn_metalink.datasets import load_tox21

SMILES = ["CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1"]
BAD = ["CCO", "C1CC", "c1ccccc1", "c1cccc1", "not a smiles"]  # rows 1, 3, 4 are invalid


@pytest.fixture(scope="module")
def tox21_aluminium_salts():
    smiles, _ = load_tox21(return_X_y=True)
    return smiles[[i for i, s in enumerate(smiles) if "[AlH3]" in s]]


@pytest.mark.parametrize(
    "X",
    [
        SMILES,
        tuple(SMILES),
        np.array(SMILES),
        np.array(SMILES, dtype=object).reshape(-1, 1),
        pd.Series(SMILES, name="smiles"),
        pd.DataFrame({"smiles": SMILES}),
        [Chem.MolFromSmiles(s) for s in SMILES],
    ],
    ids=["list", "tuple", "array", "column", "series", "frame", "mols"],
)
def test_to_mols_accepts_every_one_column_container(X):
    mols = to_mols(X)

    assert [Chem.MolToSmiles(mol) for mol in mols] == [
        Chem.CanonSmiles(s) for s in SMILES
    ]


def test_to_mols_rejects_several_columns():
    with pytest.raises(ValueError, match=r"shape \(3, 2\)"):
        to_mols(pd.DataFrame({"a": SMILES, "b": SMILES}))


def test_to_mols_rejects_a_single_string():
    with pytest.raises(TypeError, match="wrap it in a list"):
        to_mols("CCO")


@pytest.mark.parametrize("entry", [None, np.nan, 3, b"CCO"])
def test_entry_that_is_neither_string_nor_mol_raises_type_error_naming_the_row(entry):
    with pytest.raises(TypeError, match="Row 2 of X"):
        to_mols(["CCO", "CCN", entry])


def test_invalid_smiles_error_lists_rows_smiles_and_options():
    with pytest.raises(ValueError) as error:
        to_mols(BAD)

    message = str(error.value)
    assert "3 of 5 SMILES" in message
    assert "rows 1 ('C1CC'), 3 ('c1cccc1'), 4 ('not a smiles')" in message
    assert all(option in message for option in ("'partial'", "'zeros'", "'nan'"))


def test_error_lists_only_the_first_five_invalid_rows():
    with pytest.raises(ValueError, match=r"rows 0 .*, 4 \('C1CC'\) and 2 more\."):
        to_mols(["C1CC"] * 7)


@pytest.mark.parametrize("smiles", ["", "   ", "C C", "CCO ethanol"])
def test_empty_smiles_and_smiles_with_trailing_text_are_invalid(smiles):
    # RDKit alone reads "" as a molecule without atoms and "C C" as methane named "C".
    with pytest.raises(ValueError, match="rows 0"):
        to_mols([smiles])


def test_raise_policy_rejects_the_tox21_aluminium_salts(tox21_aluminium_salts):
    with pytest.raises(ValueError, match="8 of 8 SMILES"):
        to_mols(tox21_aluminium_salts)


def test_partial_policy_rescues_the_tox21_aluminium_salts(tox21_aluminium_salts):
    mols = to_mols(tox21_aluminium_salts, invalid="partial")

    assert len(mols) == 8
    assert all(mol.GetNumAtoms() > 0 for mol in mols)


def test_partial_policy_still_raises_on_syntax_and_kekulization_errors():
    with pytest.raises(ValueError, match="even with partial sanitization; rows 1 .*, 3 .*, 4"):
        to_mols(BAD, invalid="partial")


def test_to_mols_rejects_the_fill_policies():
    with pytest.raises(ValueError, match="'raise' or 'partial'"):
        to_mols(SMILES, invalid="zeros")


@pytest.mark.parametrize("invalid, fill", [("zeros", 0.0), ("nan", np.nan)])
def test_fill_policies_keep_rows_in_place_and_warn_naming_them(invalid, fill):
    with pytest.warns(InvalidSMILESWarning, match=r"rows 1 \('C1CC'\), 3 .*, 4 .*filled"):
        X = MorganFingerprint(n_bits=64, invalid=invalid).fit_transform(BAD)

    assert X.shape == (5, 64)
    np.testing.assert_array_equal(X[[1, 3, 4]], np.full((3, 64), fill))
    assert X[[0, 2]].sum(axis=1).min() > 0
