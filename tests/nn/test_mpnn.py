import pytest
import torch
from rdkit import Chem
from torch_geometric.data import Batch

from sklearn_metalink.chem import MolecularGraphFeaturizer
from sklearn_metalink.nn import MPNNEncoder
from sklearn_metalink.nn._mpnn import reverse_edges

SMILES = ["CC(=O)Nc1ccc(O)cc1", "CCO", "[Na+].[Cl-]", "c1ccc2ccccc2c1"]


@pytest.fixture
def encoder():
    torch.manual_seed(0)
    return MPNNEncoder(atom_features=72, bond_features=14, hidden=16).eval()


def batch(molecules):
    return Batch.from_data_list(list(MolecularGraphFeaturizer().fit_transform(molecules)))


def test_output_is_one_vector_per_molecule(encoder):
    out = encoder(batch(SMILES))

    assert out.shape == (4, 16)
    assert torch.isfinite(out).all()


def test_renumbering_the_atoms_gives_the_same_vector(encoder):
    mol = Chem.MolFromSmiles(SMILES[0])
    order = list(torch.randperm(mol.GetNumAtoms(), generator=torch.Generator().manual_seed(0)))
    renumbered = Chem.RenumberAtoms(mol, [int(i) for i in order])

    original, permuted = encoder(batch([mol, renumbered]))

    assert not torch.equal(batch([mol]).x, batch([renumbered]).x)
    torch.testing.assert_close(original, permuted)


def test_a_molecule_is_encoded_the_same_alone_or_in_a_batch(encoder):
    together = encoder(batch(SMILES))
    alone = torch.cat([encoder(batch([s])) for s in SMILES])

    torch.testing.assert_close(together, alone)


def test_a_graph_without_atoms_is_encoded_as_zero(encoder):
    with pytest.warns(UserWarning, match="rows 1"):
        graphs = MolecularGraphFeaturizer(invalid="zeros").fit_transform(["CCO", "C1CC"])

    out = encoder(Batch.from_data_list(list(graphs)))

    assert torch.equal(out[1], torch.zeros(16))


def test_bond_features_change_the_encoding(encoder):
    graphs = batch(["CC", "CC"])
    graphs.edge_attr[2:] = batch(["C=C"]).edge_attr  # same atoms, other bond

    single, double = encoder(graphs)

    assert not torch.allclose(single, double)


def test_reverse_edges_pairs_the_two_directions_of_each_bond():
    graphs = batch(SMILES)

    reverse = reverse_edges(graphs.edge_index, graphs.num_nodes)

    # The featurizer stores the directions of bond k at edges 2k and 2k + 1.
    assert torch.equal(reverse, torch.arange(graphs.num_edges) ^ 1)


def test_an_edge_without_its_reverse_raises():
    with pytest.raises(ValueError, match="both directions"):
        reverse_edges(torch.tensor([[0, 1, 1], [1, 0, 2]]), n_nodes=3)


def test_backward_reaches_every_weight(encoder):
    encoder.train()
    encoder(batch(SMILES)).sum().backward()

    assert all(p.grad is not None and p.grad.abs().sum() > 0 for p in encoder.parameters())


def test_a_bond_does_not_hear_its_own_reverse(encoder):
    # Ethane's two directed bonds only have each other as neighbours: without the echo,
    # further rounds receive nothing and leave the bond states as they were.
    shallow = MPNNEncoder(atom_features=72, bond_features=14, hidden=16, depth=1).eval()
    shallow.load_state_dict(encoder.state_dict())

    torch.testing.assert_close(encoder(batch(["CC"])), shallow(batch(["CC"])))
    assert not torch.allclose(encoder(batch(["CCC"])), shallow(batch(["CCC"])))


def test_graphs_of_another_atom_feature_width_name_the_expected_widths(encoder):
    graphs = batch(SMILES)
    graphs.x = graphs.x[:, :10]
    expected = "10 atom and 14 bond features, but this MPNNEncoder was built for 72 and 14"
    with pytest.raises(ValueError, match=expected):
        encoder(graphs)


def test_graphs_without_bond_features_name_what_the_encoder_reads(encoder):
    graphs = batch(SMILES)
    graphs.edge_attr = None
    with pytest.raises(ValueError, match="no edge_attr; this MPNNEncoder reads 14 bond features"):
        encoder(graphs)
