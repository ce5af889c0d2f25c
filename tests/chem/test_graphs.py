import pickle

import pandas as pd
import pytest
import torch
from rdkit import Chem
from torch_geometric.data import Data

from sklearn_metalink.chem import InvalidSMILESWarning, MolecularGraphFeaturizer

# Columns of the atom features (see the MolecularGraphFeaturizer docstring).
ATOMIC_NUM, DEGREE, CHARGE, CHIRAL, NUM_HS, HYBRID, AROMATIC, MASS = 0, 38, 45, 51, 56, 62, 70, 71
SP2, SP3 = HYBRID + 2, HYBRID + 4
# Columns of the bond features.
SINGLE, AROMATIC_BOND, BOND_OTHER, STEREO, CONJUGATED, IN_RING = 0, 3, 4, 5, 12, 13


def graph(smiles, invalid="raise"):
    return MolecularGraphFeaturizer(invalid=invalid).fit_transform([smiles])[0]


def hot(row):
    return torch.nonzero(row).ravel().tolist()


def test_transform_returns_one_graph_per_row_as_1d_object_array():
    graphs = MolecularGraphFeaturizer().fit_transform(["CCO", "c1ccccc1", "[Na+]"])

    assert graphs.shape == (3,) and graphs.dtype == object
    assert all(isinstance(g, Data) for g in graphs)
    assert [g.num_nodes for g in graphs] == [3, 6, 1]


def test_ethanol_graph_has_both_directions_of_each_bond_with_its_features():
    ethanol = graph("CCO")

    assert ethanol.x.shape == (3, 72) and ethanol.x.dtype == torch.float32
    assert ethanol.edge_index.tolist() == [[0, 1, 1, 2], [1, 0, 2, 1]]
    assert ethanol.edge_attr.shape == (4, 14)
    assert torch.equal(ethanol.edge_attr[0], ethanol.edge_attr[1])
    assert hot(ethanol.edge_attr[2]) == [SINGLE, STEREO + 0]


def test_ethanol_oxygen_features():
    oxygen = graph("CCO").x[2]

    assert hot(oxygen[:MASS]) == [
        ATOMIC_NUM + 7,  # element 8 is the 8th choice
        DEGREE + 2,  # C and H
        CHARGE + 4,  # 0 is the 5th charge choice
        CHIRAL + 0,
        NUM_HS + 1,
        SP3,
    ]
    assert oxygen[MASS].item() == pytest.approx(0.15999, abs=1e-4)


def test_benzene_atoms_and_bonds_are_aromatic_conjugated_and_in_ring():
    benzene = graph("c1ccccc1")

    assert (benzene.x[:, AROMATIC] == 1).all() and (benzene.x[:, SP2] == 1).all()
    assert (benzene.edge_attr[:, [AROMATIC_BOND, CONJUGATED, IN_RING]] == 1).all()


def test_charges_and_unlisted_values_set_their_block_other_bit():
    acetate = graph("CC(=O)[O-]")
    iron = graph("[Fe+3]")
    platinum = graph("[Pt]")

    assert acetate.x[3, CHARGE + 0] == 1  # -1 is the first charge choice
    assert iron.x[0, CHARGE + 5] == 1  # +3 is not a choice
    assert platinum.x[0, ATOMIC_NUM + 37] == 1  # element 78 is not a choice


def test_double_bond_stereo_is_featurized():
    difluoroethene = graph("F/C=C/F")

    stereo = Chem.BondStereo.STEREOE
    assert difluoroethene.edge_attr[2, STEREO + int(stereo)] == 1


def test_accepts_molecules_series_and_single_column_frame():
    smiles = ["CCO", "c1ccccc1O"]
    expected = MolecularGraphFeaturizer().fit_transform(smiles)

    for X in (
        [Chem.MolFromSmiles(s) for s in smiles],
        pd.Series(smiles),
        pd.DataFrame({"smiles": smiles}),
    ):
        graphs = MolecularGraphFeaturizer().fit_transform(X)
        assert all(torch.equal(g.x, e.x) for g, e in zip(graphs, expected))


def test_invalid_smiles_raise_naming_their_rows():
    with pytest.raises(ValueError, match=r"rows 1 \('C1CC'\), 3 \('not a smiles'\)"):
        MolecularGraphFeaturizer().fit_transform(["CCO", "C1CC", "CCN", "not a smiles"])


def test_invalid_zeros_keeps_the_row_as_a_graph_without_atoms_and_warns():
    with pytest.warns(InvalidSMILESWarning, match="rows 1"):
        graphs = MolecularGraphFeaturizer(invalid="zeros").fit_transform(["CCO", "C1CC"])

    assert graphs[1].num_nodes == 0 and graphs[1].x.shape == (0, 72)


def test_invalid_partial_accepts_hypervalent_aluminium_of_tox21():
    salt = "O=CO[AlH3](OC=O)OC=O"
    with pytest.raises(ValueError):
        graph(salt)

    assert graph(salt, invalid="partial").num_nodes == 10


def test_invalid_nan_is_rejected():
    with pytest.raises(ValueError, match="invalid"):
        MolecularGraphFeaturizer(invalid="nan").fit(["CCO"])


def test_fit_sets_one_feature_in_and_out_and_names_the_output():
    featurizer = MolecularGraphFeaturizer().fit(pd.DataFrame({"smiles": ["CCO"]}))

    assert featurizer.n_features_in_ == 1 and featurizer.n_features_out_ == 1
    assert featurizer.get_feature_names_out().tolist() == ["molecular_graph"]


def test_graphs_survive_pickling():
    graphs = MolecularGraphFeaturizer().fit_transform(["CCO", "c1ccccc1"])

    restored = pickle.loads(pickle.dumps(graphs))

    assert all(torch.equal(a.edge_attr, b.edge_attr) for a, b in zip(graphs, restored))

