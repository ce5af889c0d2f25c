"""Molecular fingerprints as scikit-learn transformers, computed by RDKit's generators."""

from numbers import Integral

import numpy as np
from rdkit import DataStructs
from rdkit.Chem import MACCSkeys, rdFingerprintGenerator
from sklearn.utils._param_validation import Interval

from ._molecules import MoleculeTransformer




class _HashedFingerprint(MoleculeTransformer):
    """A fingerprint made by an ``rdFingerprintGenerator``, folded to ``n_bits`` columns.

    Bits mean presence: the atom-pair and torsion generators are built with
    ``countSimulation=False`` (RDKit's default for them is True, which sets up to four bits
    per feature by its count), so ``counts=False`` is exactly ``counts=True`` thresholded at 1.
    """

    _parameter_constraints = {
        **MoleculeTransformer._parameter_constraints,
        "n_bits": [Interval(Integral, 1, None, closed="left")],
        "counts": ["boolean"],
        "chirality": ["boolean"],
        "sparse": ["boolean"],
    }
    _prefix = ""

    def _generator(self):
        raise NotImplementedError

    def _featurizer(self):
        generator = self._generator()
        if self.counts:
            return generator.GetCountFingerprintAsNumPy
        return generator.GetFingerprintAsNumPy

    def _n_features_out(self):
        return self.n_bits

    def _native_dtype(self):
        return np.uint32 if self.counts else np.uint8

    def _sparse_output(self):
        return self.sparse

    def _feature_names(self):
        return [f"{self._prefix}_{i}" for i in range(self.n_bits)]


class MorganFingerprint(_HashedFingerprint):
    """Morgan (ECFP-like) fingerprint of each molecule, as bits or counts.

    ``radius=2`` corresponds to ECFP4. Computed with
    ``rdkit.Chem.rdFingerprintGenerator.GetMorganGenerator``.

    Parameters
    ----------
    radius : int, default=2
        Number of bond hops around each atom.
    n_bits : int, default=2048
        Length of the folded fingerprint.
    counts : bool, default=False
        Count how often each environment occurs (``uint32``) instead of setting a bit
        (``uint8`` 0/1).
    chirality : bool, default=False
        Include chirality in the atom invariants.
    sparse : bool, default=False
        Return a ``scipy.sparse.csr_array`` instead of a dense ndarray.
    invalid : {"raise", "partial", "zeros", "nan"}, default="raise"
        What to do with a SMILES that RDKit rejects. ``"raise"``: ``ValueError`` listing the
        rows. ``"partial"``: parse it again without the valence check, raise if that fails
        too. ``"zeros"`` / ``"nan"``: keep the row, filled with zeros / NaN, and issue an
        :class:`InvalidSMILESWarning` naming the rows. Rows are never dropped or reordered.
    n_jobs : int or None, default=None
        Number of joblib workers. Inputs are cut into chunks of 1024 molecules, so only
        inputs larger than that run in parallel. ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; -1 means all processors.
    max_atoms : int or None, default=1000
        Largest molecule featurized, in atoms; a larger one is handled as ``invalid`` says
        for a SMILES RDKit rejects, with its own message. A SMILES longer than 8 characters
        per allowed atom is refused before parsing. The largest molecule of Tox21, ToxCast
        and SIDER has 492 atoms; the bound keeps one huge row from stalling a batch (atom
        pairs of 2,000 atoms took 12 s). None: no bound.

    Attributes
    ----------
    n_features_in_ : int
        Always 1: one molecule per row.
    n_features_out_ : int
        Number of output columns.
    feature_names_in_ : ndarray of shape (1,)
        The column name, if X was a DataFrame at fit time.

    See Also
    --------
    AtomPairFingerprint, TopologicalTorsionFingerprint, MACCSKeys, RDKitDescriptors

    Notes
    -----
    Output dtype: ``uint8`` for bits, ``uint32`` for counts, ``float32`` with
    ``invalid="nan"`` (integers cannot hold NaN). A failed row of ``invalid="nan"`` is stored
    as explicit NaNs in sparse output.

    Examples
    --------
    >>> from sklearn_metalink.chem import MorganFingerprint
    >>> X = MorganFingerprint(n_bits=1024).fit_transform(["CCO", "c1ccccc1O"])
    >>> X.shape, X.dtype
    ((2, 1024), dtype('uint8'))
    >>> MorganFingerprint(counts=True).fit_transform(["CCCCCC"]).max()
    np.uint32(4)
    """

    _parameter_constraints = {
        **_HashedFingerprint._parameter_constraints,
        "radius": [Interval(Integral, 0, None, closed="left")],
    }
    _prefix = "morgan"

    def __init__(
        self,
        radius=2,
        n_bits=2048,
        counts=False,
        chirality=False,
        sparse=False,
        invalid="raise",
        n_jobs=None,
        max_atoms=1000,
    ):
        self.radius = radius
        self.n_bits = n_bits
        self.counts = counts
        self.chirality = chirality
        self.sparse = sparse
        self.invalid = invalid
        self.n_jobs = n_jobs
        self.max_atoms = max_atoms

    def _generator(self):
        return rdFingerprintGenerator.GetMorganGenerator(
            radius=self.radius, fpSize=self.n_bits, includeChirality=self.chirality
        )


class AtomPairFingerprint(_HashedFingerprint):
    """Atom-pair fingerprint: every pair of atoms with their topological distance.

    Computed with ``rdkit.Chem.rdFingerprintGenerator.GetAtomPairGenerator``.

    Parameters
    ----------
    n_bits : int, default=2048
        Length of the folded fingerprint.
    min_distance : int, default=1
        Shortest bond distance between the two atoms of a pair.
    max_distance : int, default=30
        Longest bond distance between the two atoms of a pair.
    counts : bool, default=False
        Count pairs (``uint32``) instead of setting bits (``uint8`` 0/1).
    chirality : bool, default=False
        Include chirality in the atom invariants.
    sparse : bool, default=False
        Return a ``scipy.sparse.csr_array`` instead of a dense ndarray.
    invalid : {"raise", "partial", "zeros", "nan"}, default="raise"
        What to do with a SMILES that RDKit rejects. ``"raise"``: ``ValueError`` listing the
        rows. ``"partial"``: parse it again without the valence check, raise if that fails
        too. ``"zeros"`` / ``"nan"``: keep the row, filled with zeros / NaN, and issue an
        :class:`InvalidSMILESWarning` naming the rows. Rows are never dropped or reordered.
    n_jobs : int or None, default=None
        Number of joblib workers. Inputs are cut into chunks of 1024 molecules, so only
        inputs larger than that run in parallel. ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; -1 means all processors.
    max_atoms : int or None, default=1000
        Largest molecule featurized, in atoms; a larger one is handled as ``invalid`` says
        for a SMILES RDKit rejects, with its own message. A SMILES longer than 8 characters
        per allowed atom is refused before parsing. The largest molecule of Tox21, ToxCast
        and SIDER has 492 atoms; the bound keeps one huge row from stalling a batch (atom
        pairs of 2,000 atoms took 12 s). None: no bound.

    Attributes
    ----------
    n_features_in_ : int
        Always 1: one molecule per row.
    n_features_out_ : int
        Number of output columns.
    feature_names_in_ : ndarray of shape (1,)
        The column name, if X was a DataFrame at fit time.

    See Also
    --------
    MorganFingerprint, TopologicalTorsionFingerprint

    Examples
    --------
    >>> from sklearn_metalink.chem import AtomPairFingerprint
    >>> AtomPairFingerprint(n_bits=512).fit_transform(["CCO", "CCN"]).shape
    (2, 512)
    """

    _parameter_constraints = {
        **_HashedFingerprint._parameter_constraints,
        "min_distance": [Interval(Integral, 1, None, closed="left")],
        "max_distance": [Interval(Integral, 1, None, closed="left")],
    }
    _prefix = "atompair"

    def __init__(
        self,
        n_bits=2048,
        min_distance=1,
        max_distance=30,
        counts=False,
        chirality=False,
        sparse=False,
        invalid="raise",
        n_jobs=None,
        max_atoms=1000,
    ):
        self.n_bits = n_bits
        self.min_distance = min_distance
        self.max_distance = max_distance
        self.counts = counts
        self.chirality = chirality
        self.sparse = sparse
        self.invalid = invalid
        self.n_jobs = n_jobs
        self.max_atoms = max_atoms

    def _generator(self):
        return rdFingerprintGenerator.GetAtomPairGenerator(
            minDistance=self.min_distance,
            maxDistance=self.max_distance,
            includeChirality=self.chirality,
            countSimulation=False,
            fpSize=self.n_bits,
        )


class TopologicalTorsionFingerprint(_HashedFingerprint):
    """Topological-torsion fingerprint: every linear path of ``torsion_atom_count`` atoms.

    Computed with ``rdkit.Chem.rdFingerprintGenerator.GetTopologicalTorsionGenerator``.

    Parameters
    ----------
    n_bits : int, default=2048
        Length of the folded fingerprint.
    torsion_atom_count : int, default=4
        Number of atoms in a path.
    counts : bool, default=False
        Count paths (``uint32``) instead of setting bits (``uint8`` 0/1).
    chirality : bool, default=False
        Include chirality in the atom invariants.
    sparse : bool, default=False
        Return a ``scipy.sparse.csr_array`` instead of a dense ndarray.
    invalid : {"raise", "partial", "zeros", "nan"}, default="raise"
        What to do with a SMILES that RDKit rejects. ``"raise"``: ``ValueError`` listing the
        rows. ``"partial"``: parse it again without the valence check, raise if that fails
        too. ``"zeros"`` / ``"nan"``: keep the row, filled with zeros / NaN, and issue an
        :class:`InvalidSMILESWarning` naming the rows. Rows are never dropped or reordered.
    n_jobs : int or None, default=None
        Number of joblib workers. Inputs are cut into chunks of 1024 molecules, so only
        inputs larger than that run in parallel. ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; -1 means all processors.
    max_atoms : int or None, default=1000
        Largest molecule featurized, in atoms; a larger one is handled as ``invalid`` says
        for a SMILES RDKit rejects, with its own message. A SMILES longer than 8 characters
        per allowed atom is refused before parsing. The largest molecule of Tox21, ToxCast
        and SIDER has 492 atoms; the bound keeps one huge row from stalling a batch (atom
        pairs of 2,000 atoms took 12 s). None: no bound.

    Attributes
    ----------
    n_features_in_ : int
        Always 1: one molecule per row.
    n_features_out_ : int
        Number of output columns.
    feature_names_in_ : ndarray of shape (1,)
        The column name, if X was a DataFrame at fit time.

    See Also
    --------
    MorganFingerprint, AtomPairFingerprint

    Examples
    --------
    >>> from sklearn_metalink.chem import TopologicalTorsionFingerprint
    >>> X = TopologicalTorsionFingerprint(sparse=True).fit_transform(["CCCCO", "CC"])
    >>> X.shape, int(X[[1]].sum())
    ((2, 2048), 0)
    """

    _parameter_constraints = {
        **_HashedFingerprint._parameter_constraints,
        "torsion_atom_count": [Interval(Integral, 2, None, closed="left")],
    }
    _prefix = "torsion"

    def __init__(
        self,
        n_bits=2048,
        torsion_atom_count=4,
        counts=False,
        chirality=False,
        sparse=False,
        invalid="raise",
        n_jobs=None,
        max_atoms=1000,
    ):
        self.n_bits = n_bits
        self.torsion_atom_count = torsion_atom_count
        self.counts = counts
        self.chirality = chirality
        self.sparse = sparse
        self.invalid = invalid
        self.n_jobs = n_jobs
        self.max_atoms = max_atoms

    def _generator(self):
        return rdFingerprintGenerator.GetTopologicalTorsionGenerator(
            includeChirality=self.chirality,
            torsionAtomCount=self.torsion_atom_count,
            countSimulation=False,
            fpSize=self.n_bits,
        )


class MACCSKeys(MoleculeTransformer):
    """The 166 MACCS structural keys of each molecule, as RDKit's 167 bits.

    Column 0 is always 0: RDKit numbers the keys from 1. Computed with
    ``rdkit.Chem.MACCSkeys.GenMACCSKeys``.

    Parameters
    ----------
    sparse : bool, default=False
        Return a ``scipy.sparse.csr_array`` instead of a dense ndarray.
    invalid : {"raise", "partial", "zeros", "nan"}, default="raise"
        What to do with a SMILES that RDKit rejects. ``"raise"``: ``ValueError`` listing the
        rows. ``"partial"``: parse it again without the valence check, raise if that fails
        too. ``"zeros"`` / ``"nan"``: keep the row, filled with zeros / NaN, and issue an
        :class:`InvalidSMILESWarning` naming the rows. Rows are never dropped or reordered.
    n_jobs : int or None, default=None
        Number of joblib workers. Inputs are cut into chunks of 1024 molecules, so only
        inputs larger than that run in parallel. ``None`` means 1 unless in a
        :func:`joblib.parallel_config` context; -1 means all processors.
    max_atoms : int or None, default=1000
        Largest molecule featurized, in atoms; a larger one is handled as ``invalid`` says
        for a SMILES RDKit rejects, with its own message. A SMILES longer than 8 characters
        per allowed atom is refused before parsing. The largest molecule of Tox21, ToxCast
        and SIDER has 492 atoms; the bound keeps one huge row from stalling a batch (atom
        pairs of 2,000 atoms took 12 s). None: no bound.

    Attributes
    ----------
    n_features_in_ : int
        Always 1: one molecule per row.
    n_features_out_ : int
        Number of output columns.
    feature_names_in_ : ndarray of shape (1,)
        The column name, if X was a DataFrame at fit time.

    Notes
    -----
    Output dtype: ``uint8``, or ``float32`` with ``invalid="nan"``.

    Examples
    --------
    >>> from sklearn_metalink.chem import MACCSKeys
    >>> MACCSKeys().fit_transform(["CCO", "c1ccccc1"]).shape
    (2, 167)
    """

    _parameter_constraints = {
        **MoleculeTransformer._parameter_constraints,
        "sparse": ["boolean"],
    }

    def __init__(self, sparse=False, invalid="raise", n_jobs=None, max_atoms=1000):
        self.sparse = sparse
        self.invalid = invalid
        self.n_jobs = n_jobs
        self.max_atoms = max_atoms

    def _featurizer(self):
        return _maccs_bits

    def _n_features_out(self):
        return 167

    def _native_dtype(self):
        return np.uint8

    def _sparse_output(self):
        return self.sparse

    def _feature_names(self):
        return [f"maccs_{i}" for i in range(167)]


def _maccs_bits(mol):
    bits = np.zeros(167, dtype=np.uint8)
    DataStructs.ConvertToNumpyArray(MACCSkeys.GenMACCSKeys(mol), bits)
    return bits
