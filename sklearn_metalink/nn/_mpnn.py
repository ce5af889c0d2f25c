"""A directed-bond message-passing encoder of molecular graphs (chemprop's D-MPNN)."""

import torch
import torch.nn.functional as F
from torch import nn
from torch_geometric.nn import global_mean_pool


def reverse_edges(edge_index, n_nodes):
    """Position of the reverse ``v -> u`` of every edge ``u -> v``: (n_edges,) int64.

    Raises ``ValueError`` if an edge has no reverse: a directed-bond MPNN needs both
    directions of every bond, and a missing one would silently corrupt its messages.
    """
    src, dst = edge_index
    keys = src * n_nodes + dst
    order = torch.argsort(keys)
    reverse_keys = dst * n_nodes + src
    found = torch.searchsorted(keys[order], reverse_keys).clamp(max=max(len(keys) - 1, 0))
    reverse = order[found]
    if not torch.equal(keys[reverse], reverse_keys):
        raise ValueError("edge_index must hold both directions of every bond")
    return reverse


class MPNNEncoder(nn.Module):
    r"""Molecular graphs to one vector each, by message passing along directed bonds.

    The D-MPNN of Yang et al. (J. Chem. Inf. Model. 2019) as chemprop v2 implements it
    (``BondMessagePassing``), mean-pooled over atoms. Hidden states live on directed bonds;
    a bond ``u -> v`` hears every bond into ``u`` except its own reverse, so messages do not
    echo straight back:

    .. math::

        h_{uv}^{1} &= \mathrm{ReLU}(W_i [x_u \Vert e_{uv}]) \\
        h_{uv}^{t+1} &= \mathrm{ReLU}\Big(W_i [x_u \Vert e_{uv}] + W_h \big(
            \textstyle\sum_{w \to u} h_{wu}^{t} - h_{vu}^{t}\big)\Big) \\
        h_v &= \mathrm{ReLU}\big(W_o [x_v \Vert \textstyle\sum_{u \to v} h_{uv}^{T}]\big),
        \qquad h_G = \mathrm{mean}_{v \in G}\; h_v

    with ``T = depth`` (chemprop's counting). A molecule without bonds is
    encoded from its atom features alone; a graph without atoms pools to zero.

    Parameters
    ----------
    atom_features : int
        Width of ``x`` (72 from :class:`~sklearn_metalink.chem.MolecularGraphFeaturizer`).
    bond_features : int
        Width of ``edge_attr`` (14 from the featurizer).
    hidden : int, default=256
        Width of the bond and atom states and of the output.
    depth : int, default=3
        Rounds of message passing, counting the initial bond states (chemprop's ``depth``).
    dropout : float, default=0.0
        Dropout on the atom states before pooling. chemprop also drops out every bond
        update; on CPU those masks, as large as the bond states, made a training step of
        the encoder ~25 % slower (256 Tox21 molecules, hidden 256), so they are left out.

    Examples
    --------
    >>> from torch_geometric.data import Batch
    >>> from sklearn_metalink.chem import MolecularGraphFeaturizer
    >>> from sklearn_metalink.nn import MPNNEncoder
    >>> graphs = MolecularGraphFeaturizer().fit_transform(["CCO", "c1ccccc1", "[Na+]"])
    >>> encoder = MPNNEncoder(atom_features=72, bond_features=14, hidden=32)
    >>> encoder(Batch.from_data_list(list(graphs))).shape
    torch.Size([3, 32])
    """

    def __init__(self, atom_features, bond_features, hidden=256, depth=3, dropout=0.0):
        super().__init__()
        self.atom_features, self.bond_features = atom_features, bond_features
        self.depth = depth
        # No biases inside the bond updates, as chemprop: the bond states stay a linear
        # function of the inputs up to the ReLU, and W_o carries the only bias.
        self.W_i = nn.Linear(atom_features + bond_features, hidden, bias=False)
        self.W_h = nn.Linear(hidden, hidden, bias=False)
        self.W_o = nn.Linear(atom_features + hidden, hidden)
        self.dropout = nn.Dropout(dropout)

    def forward(self, graphs):
        """graphs: a ``torch_geometric.data.Batch`` with ``x`` (n_atoms, atom_features),
        ``edge_index`` (2, n_edges), ``edge_attr`` (n_edges, bond_features) -> (n_graphs, hidden).
        """
        self._check_widths(graphs)
        x, edge_index = graphs.x, graphs.edge_index
        src, dst = edge_index
        reverse = reverse_edges(edge_index, x.shape[0])
        h0 = self.W_i(torch.cat([x[src], graphs.edge_attr], dim=1))
        h = F.relu(h0)
        for _ in range(self.depth - 1):
            into_atoms = _sum_into(h, dst, x.shape[0])
            h = F.relu(h0 + self.W_h(into_atoms[src] - h[reverse]))
        atoms = self.W_o(torch.cat([x, _sum_into(h, dst, x.shape[0])], dim=1))
        atoms = self.dropout(F.relu(atoms))
        return global_mean_pool(atoms, graphs.batch, size=graphs.num_graphs)


    def _check_widths(self, graphs):
        """Refuse graphs featurized otherwise than those the encoder was built for, which
        would fail deep in torch with a shape mismatch."""
        edge_attr = graphs.edge_attr
        if edge_attr is None:
            raise ValueError(
                f"The graphs have no edge_attr; this MPNNEncoder reads {self.bond_features} "
                "bond features per edge, as MolecularGraphFeaturizer makes them"
            )
        got = (graphs.x.shape[-1], edge_attr.shape[-1])
        if got != (self.atom_features, self.bond_features):
            raise ValueError(
                f"The graphs have {got[0]} atom and {got[1]} bond features, but this "
                f"MPNNEncoder was built for {self.atom_features} and {self.bond_features} "
                "(the graphs it was fitted on): featurize them the same way"
            )


def _sum_into(values, index, size):
    """Sum of the rows of ``values`` (n, d) landing on each of ``size`` targets: (size, d)."""
    return values.new_zeros(size, values.shape[1]).index_add_(0, index, values)
