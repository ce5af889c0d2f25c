"""Molecules as graphs for message passing: chemprop-like atom and bond features.

torch and torch_geometric are imported when a graph is built, not with the module: importing
them takes seconds, which ``sklearn_metalink.chem`` and every joblib worker of a fingerprint
transformer would otherwise pay.
"""

import numpy as np
from rdkit import rdBase
from rdkit.Chem.rdchem import BondStereo, BondType, HybridizationType
from sklearn.utils._param_validation import StrOptions

from ._molecules import MoleculeTransformer, _failed_rows

# Choices of each one-hot block; a value outside them sets the block's extra "other" bit.
# They are chemprop v2's defaults (``MultiHotAtomFeaturizer.v2``, ``MultiHotBondFeaturizer``):
# elements H to Kr plus iodine cover drug-like chemistry.
_ATOM_CHOICES = {
    "atomic_num": list(range(1, 37)) + [53],
    "degree": list(range(6)),
    "formal_charge": [-1, -2, 1, 2, 0],
    "chirality": list(range(4)),
    "num_hs": list(range(5)),
    "hybridization": [
        HybridizationType.S,
        HybridizationType.SP,
        HybridizationType.SP2,
        HybridizationType.SP2D,
        HybridizationType.SP3,
        HybridizationType.SP3D,
        HybridizationType.SP3D2,
    ],
}
_BOND_CHOICES = {
    "bond_type": [BondType.SINGLE, BondType.DOUBLE, BondType.TRIPLE, BondType.AROMATIC],
    "stereo": [
        BondStereo.STEREONONE,
        BondStereo.STEREOANY,
        BondStereo.STEREOZ,
        BondStereo.STEREOE,
        BondStereo.STEREOCIS,
        BondStereo.STEREOTRANS,
    ],
}


def _one_hot_layout(choices):
    """Column of each value of each block, the "other" column of each block, total width."""
    columns, others, offset = {}, {}, 0
    for name, values in choices.items():
        columns[name] = {value: offset + i for i, value in enumerate(values)}
        others[name] = offset + len(values)
        offset += len(values) + 1
    return columns, others, offset


# Atoms: the one-hot blocks, then aromatic and mass / 100 (chemprop: near the 0/1 bits).
# Bonds: the one-hot blocks, then conjugated and in ring.
_ATOM_COLUMNS, _ATOM_OTHER, _ATOM_ONE_HOT = _one_hot_layout(_ATOM_CHOICES)
_BOND_COLUMNS, _BOND_OTHER, _BOND_ONE_HOT = _one_hot_layout(_BOND_CHOICES)
ATOM_FEATURES = _ATOM_ONE_HOT + 2
BOND_FEATURES = _BOND_ONE_HOT + 2


def _feature_rows(columns, flags, width, n_blocks):
    """Rows with a 1 at each listed one-hot column, and the two flag values at the end."""
    columns = np.array(columns, dtype=np.intp).reshape(len(flags), n_blocks)
    rows = np.zeros((len(flags), width), dtype=np.float32)
    rows[np.arange(len(flags))[:, None], columns] = 1
    rows[:, -2:] = np.array(flags, dtype=np.float32).reshape(-1, 2)
    return rows


def _one_hot_columns(values, columns, others):
    """Column of each value of a row, one per block, in block order."""
    return [columns[name].get(value, others[name]) for name, value in zip(columns, values)]


def _atom_features(mol):
    columns, flags = [], []
    for atom in mol.GetAtoms():
        values = (
            atom.GetAtomicNum(),
            atom.GetTotalDegree(),
            atom.GetFormalCharge(),
            int(atom.GetChiralTag()),
            atom.GetTotalNumHs(),
            atom.GetHybridization(),
        )
        columns.append(_one_hot_columns(values, _ATOM_COLUMNS, _ATOM_OTHER))
        flags.append((atom.GetIsAromatic(), 0.01 * atom.GetMass()))
    return _feature_rows(columns, flags, ATOM_FEATURES, len(_ATOM_CHOICES))


def _bonds(mol):
    """Atom pairs (n_bonds, 2) and features (n_bonds, BOND_FEATURES), in one pass over bonds."""
    ends, columns, flags = [], [], []
    for bond in mol.GetBonds():
        ends.append((bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()))
        values = (bond.GetBondType(), bond.GetStereo())
        columns.append(_one_hot_columns(values, _BOND_COLUMNS, _BOND_OTHER))
        flags.append((bond.GetIsConjugated(), bond.IsInRing()))
    ends = np.array(ends, dtype=np.int64).reshape(-1, 2)
    return ends, _feature_rows(columns, flags, BOND_FEATURES, len(_BOND_CHOICES))


def molecule_to_graph(mol):
    """One RDKit molecule -> ``Data(x, edge_index, edge_attr)``; each bond in both directions.

    The two directions of bond ``k`` are edges ``2k`` and ``2k + 1``.
    """
    import torch
    from torch_geometric.data import Data

    ends, bond_features = _bonds(mol)
    edge_index = np.stack([ends, ends[:, ::-1]], axis=1).reshape(-1, 2).T
    return Data(
        x=torch.from_numpy(_atom_features(mol)),
        edge_index=torch.from_numpy(np.ascontiguousarray(edge_index)),
        edge_attr=torch.from_numpy(np.repeat(bond_features, 2, axis=0)),
    )


def _empty_graph():
    import torch
    from torch_geometric.data import Data

    return Data(
        x=torch.zeros(0, ATOM_FEATURES),
        edge_index=torch.zeros(2, 0, dtype=torch.int64),
        edge_attr=torch.zeros(0, BOND_FEATURES),
        num_nodes=0,
    )


class MolecularGraphFeaturizer(MoleculeTransformer):
    """Each molecule as a graph of atoms and bonds, for a message-passing encoder.

    Atom and bond features follow chemprop v2 (``MultiHotAtomFeaturizer.v2`` and
    ``MultiHotBondFeaturizer``); every one-hot block has an extra "other" bit for values
    outside its choices.

    Columns, in order (the "other" bit ends each one-hot block):

    ===================  ==================================================  =======
    atom features (72)   choices                                             columns
    ===================  ==================================================  =======
    atomic number        1-36 and 53 (H to Kr, I), other                     0-37
    degree (with H)      0-5, other                                          38-44
    formal charge        -1, -2, 1, 2, 0, other                              45-50
    chiral tag           RDKit ``ChiralType`` 0-3, other                     51-55
    total number of H    0-4, other                                          56-61
    hybridization        S, SP, SP2, SP2D, SP3, SP3D, SP3D2, other           62-69
    aromatic             0/1                                                 70
    mass / 100           float                                               71
    ===================  ==================================================  =======

    ===================  ==================================================  =======
    bond features (14)   choices                                             columns
    ===================  ==================================================  =======
    bond type            single, double, triple, aromatic, other             0-4
    stereo               RDKit ``BondStereo`` 0-5 (none, any, Z, E, cis,     5-11
                         trans), other
    conjugated           0/1                                                 12
    in ring              0/1                                                 13
    ===================  ==================================================  =======

    Parameters
    ----------
    invalid : {"raise", "partial", "zeros"}, default="raise"
        What to do with a SMILES that RDKit rejects. ``"raise"``: ``ValueError`` listing the
        rows. ``"partial"``: parse it again without the valence check, raise if that fails
        too. ``"zeros"``: keep the row as a graph without atoms (a message-passing encoder
        pools it to the zero vector) and issue an :class:`InvalidSMILESWarning` naming the
        rows. Rows are never dropped or reordered.
    n_jobs : int or None, default=None
        Number of joblib workers. Inputs are cut into chunks of 1024 molecules, so only
        inputs larger than that run in parallel. ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; -1 means all processors.
    max_atoms : int or None, default=1000
        Largest molecule featurized, in atoms; a larger one is handled as ``invalid`` says
        for a SMILES RDKit rejects, with its own message. A SMILES longer than 8 characters
        per allowed atom is refused before parsing. None: no bound.

    Attributes
    ----------
    n_features_in_ : int
        Always 1: one molecule per row.
    n_features_out_ : int
        Always 1: one graph per row.
    feature_names_in_ : ndarray of shape (1,)
        The column name, if X was a DataFrame at fit time.

    Notes
    -----
    ``transform`` returns a 1-D object array of :class:`torch_geometric.data.Data`, one per
    row: ``x`` (n_atoms, 72) float32, ``edge_index`` (2, 2 * n_bonds) int64 with both
    directions of bond ``k`` at columns ``2k`` and ``2k + 1``, ``edge_attr``
    (2 * n_bonds, 14) float32. Hydrogens are implicit, as RDKit parses them.

    Examples
    --------
    >>> from sklearn_metalink.chem import MolecularGraphFeaturizer
    >>> graphs = MolecularGraphFeaturizer().fit_transform(["CCO", "c1ccccc1"])
    >>> graphs.shape
    (2,)
    >>> graphs[0]
    Data(x=[3, 72], edge_index=[2, 4], edge_attr=[4, 14])
    """

    _parameter_constraints = {
        **MoleculeTransformer._parameter_constraints,
        "invalid": [StrOptions({"raise", "partial", "zeros"})],
    }

    def __init__(self, invalid="raise", n_jobs=None, max_atoms=1000):
        self.invalid = invalid
        self.n_jobs = n_jobs
        self.max_atoms = max_atoms

    def transform(self, X):
        """Build one graph per molecule, in the order of X.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)
            SMILES strings or RDKit ``Mol`` objects.

        Returns
        -------
        graphs : ndarray of shape (n_samples,) of torch_geometric.data.Data objects

        Raises
        ------
        ValueError
            With ``invalid="raise"`` or ``"partial"``, if a SMILES cannot be parsed.
        TypeError
            If an entry of X is neither a string nor a ``Mol``.
        """
        return super().transform(X)

    def _transform_chunk(self, column, start):
        graphs = np.empty(len(column), dtype=object)
        mols, too_large = self._parse(column, start)
        with rdBase.BlockLogs():
            for i, mol in enumerate(mols):
                graphs[i] = _empty_graph() if mol is None else molecule_to_graph(mol)
        return graphs, _failed_rows(mols, start, too_large), too_large

    def _n_features_out(self):
        return 1

    def _feature_names(self):
        return ["molecular_graph"]
