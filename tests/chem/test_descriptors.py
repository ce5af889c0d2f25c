import numpy as np
import pytest

from sklearn_metalink.chem import RDKitDescriptors

SMILES = ["CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "CN1CCC[C@H]1c1cccnc1"]


def _column(descriptors, X, name):
    return X[:, list(descriptors.get_feature_names_out()).index(name)]


def test_descriptors_of_ordinary_molecules_are_finite_float64():
    X = RDKitDescriptors().fit_transform(SMILES)

    assert X.dtype == np.float64
    assert np.isfinite(X).all()


def test_descriptor_columns_are_named_after_rdkit_descriptors():
    descriptors = RDKitDescriptors().fit(SMILES)

    X = descriptors.transform(SMILES)

    molecular_weights = _column(descriptors, X, "MolWt")
    np.testing.assert_allclose(molecular_weights, [46.069, 94.113, 151.165, 162.236], atol=1e-3)


@pytest.mark.parametrize(
    "smiles, name",
    [
        # RDKit's Gasteiger charges overflow to inf on this Tox21 tin ester.
        ("CCCCCCCCCCCC(=O)O[Sn](CCCC)(CCCC)OC(=O)CCCCCCCCCCC", "MaxPartialCharge"),
        # The Ipc of this 160-atom branched alkane is about 4e50.
        ("CC(C)(C)" * 40, "Ipc"),
    ],
)
def test_infinite_values_and_values_beyond_float32_range_are_clipped(smiles, name):
    descriptors = RDKitDescriptors().fit([smiles])

    X = descriptors.transform([smiles])

    assert _column(descriptors, X, name)[0] == np.finfo(np.float32).max
    assert not np.isinf(X.astype(np.float32)).any()


def test_descriptor_rdkit_cannot_compute_is_nan():
    # RDKit has no Gasteiger parameters for tin.
    descriptors = RDKitDescriptors().fit(["CCCC[Sn](CCCC)(CCCC)CCCC"])

    X = descriptors.transform(["CCCC[Sn](CCCC)(CCCC)CCCC"])

    assert np.isnan(_column(descriptors, X, "MaxPartialCharge")[0])
