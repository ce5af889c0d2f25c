"""Bemis-Murcko scaffolds and splitters that keep each scaffold on one side of a split."""

from numbers import Real

import numpy as np
from rdkit.Chem.Scaffolds import MurckoScaffold
from sklearn.model_selection import BaseCrossValidator, GroupKFold
# Private, but it is what makes metadata routing pass `groups` to split(), as for GroupKFold.
from sklearn.model_selection._split import GroupsConsumerMixin
from sklearn.utils import check_random_state, indexable
from sklearn.utils.validation import _num_samples

from ._molecules import to_mols


def murcko_scaffold(molecule, *, max_atoms=1000):
    """Bemis-Murcko scaffold of a molecule, as canonical SMILES.

    The scaffold keeps the ring systems and the linkers between them and drops side chains.
    Acyclic molecules have the empty scaffold ``""``. Chirality is ignored, as in chemprop.

    Parameters
    ----------
    molecule : str or rdkit.Chem.Mol
        A SMILES string or an RDKit molecule. SMILES are parsed with ``invalid="partial"``
        (see :func:`to_mols`): a scaffold only groups molecules, so a molecule that fails
        only RDKit's valence check, like the ``[AlH3]`` salts of Tox21, still has one.
    max_atoms : int or None, default=1000
        Largest molecule accepted, in atoms (see :func:`to_mols`); RDKit's scaffold of a
        chain of 10,000 atoms took over 100 s. None: no bound.

    Returns
    -------
    scaffold : str

    Raises
    ------
    ValueError
        If the SMILES cannot be parsed even without the valence check, or the molecule is
        larger than ``max_atoms``.

    Examples
    --------
    >>> from sklearn_metalink.chem import murcko_scaffold
    >>> murcko_scaffold("CC(=O)Oc1ccccc1C(=O)O")
    'c1ccccc1'
    >>> murcko_scaffold("CCO")
    ''
    """
    return _scaffolds([molecule], max_atoms)[0]


def _scaffolds(X, max_atoms=1000):
    mols = to_mols(X, invalid="partial", max_atoms=max_atoms)
    return np.array([MurckoScaffold.MurckoScaffoldSmiles(mol=mol) for mol in mols], dtype=object)


def _scaffold_index_sets(X, groups):
    """Row indices of each scaffold, in order of first appearance."""
    scaffolds = _scaffolds(X) if groups is None else np.asarray(groups, dtype=object)
    rows_of = {}
    for row, scaffold in enumerate(scaffolds):
        rows_of.setdefault(scaffold, []).append(row)
    return [np.asarray(rows) for rows in rows_of.values()]


def _ordered(index_sets, big_size, shuffle, rng):
    """Order scaffold sets for greedy assignment.

    Shuffled: sets larger than ``big_size`` first, then the rest, each part in random order
    (chemprop's balanced scaffold split): large sets then land in train instead of
    overfilling a small validation or test part. Not shuffled: largest first, ties in order
    of first appearance.
    """
    if not shuffle:
        sizes = np.array([len(rows) for rows in index_sets])
        return [index_sets[i] for i in np.argsort(-sizes, kind="stable")]
    big = [rows for rows in index_sets if len(rows) > big_size]
    small = [rows for rows in index_sets if len(rows) <= big_size]
    return [part[i] for part in (big, small) for i in rng.permutation(len(part))]


def _first_part_with_room(part_sizes, size, capacities):
    """Train (0) if the set fits there, else validation (1) if it fits, else test (2)."""
    for part, capacity in enumerate(capacities):
        if part_sizes[part] + size <= capacity:
            return part
    return len(capacities)


def _check_fraction(name, value, low_closed):
    is_real = isinstance(value, Real) and not isinstance(value, bool)
    if not (is_real and (value >= 0 if low_closed else value > 0) and value < 1):
        interval = "[0, 1)" if low_closed else "(0, 1)"
        raise ValueError(f"{name} must be a float in {interval}, got {value!r}.")


class ScaffoldSplit(GroupsConsumerMixin, BaseCrossValidator):
    """Train / validation / test split in which no scaffold spans two parts.

    The balanced scaffold split of chemprop (``scaffold_split(balanced=True)``): molecules
    are grouped by Bemis-Murcko scaffold; scaffold sets larger than half the validation or
    test size are placed first, the others after them, each part shuffled by
    ``random_state``; then each set goes to train if it fits in the train size, else to
    validation if it fits there, else to test. With ``balanced=False`` the sets go largest
    first, without randomness, so the test set gets the rarest scaffolds.

    Use :meth:`train_valid_test` for the three parts. :meth:`split` yields the single pair
    (train + validation, test), so the splitter also works as ``cv=`` in scikit-learn.

    Parameters
    ----------
    test_size : float, default=0.1
        Target fraction of rows in test, in (0, 1).
    valid_size : float, default=0.1
        Target fraction of rows in validation, in [0, 1).
    balanced : bool, default=True
        Whether to order the scaffold sets as chemprop's balanced split does.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffle of scaffold sets when ``balanced=True``. Pass an int for the same
        split on every call.

    See Also
    --------
    ScaffoldKFold : k folds with disjoint scaffolds.
    murcko_scaffold : the scaffold of one molecule.

    Notes
    -----
    The sizes are targets: scaffold sets are not cut, so the parts are only as close to them
    as the set sizes allow. The shuffle uses numpy's generator, not Python's ``random`` as
    chemprop does, so a seed does not reproduce chemprop's exact split. Scaffolds are computed from X unless ``groups`` gives them (any
    hashable labels, e.g. precomputed scaffold SMILES).

    Examples
    --------
    >>> from sklearn_metalink.chem import ScaffoldSplit
    >>> smiles = ["c1ccccc1O", "c1ccccc1N", "C1CCCCC1O", "C1CCNCC1", "CCO", "c1ccncc1C"]
    >>> splitter = ScaffoldSplit(test_size=0.2, valid_size=0.2, random_state=0)
    >>> train, valid, test = splitter.train_valid_test(smiles)
    >>> train.tolist(), valid.tolist(), test.tolist()
    ([0, 1, 3], [2], [4, 5])
    >>> [(train.tolist(), test.tolist()) for train, test in splitter.split(smiles)]
    [([0, 1, 2, 3], [4, 5])]
    """

    def __init__(self, test_size=0.1, valid_size=0.1, balanced=True, random_state=None):
        self.test_size = test_size
        self.valid_size = valid_size
        self.balanced = balanced
        self.random_state = random_state

    def get_n_splits(self, X=None, y=None, groups=None):
        """Number of splits yielded by :meth:`split`: always 1.

        Parameters
        ----------
        X, y, groups : object
            Ignored.

        Returns
        -------
        n_splits : int
        """
        return 1

    def split(self, X, y=None, groups=None):
        """Yield one (train, test) pair; train includes the validation rows.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)
            SMILES strings or RDKit molecules. Only its length is used if ``groups`` is given.
        y : object
            Ignored.
        groups : array-like of shape (n_samples,), default=None
            Scaffold (or any group) label of each row; computed from X if None.

        Yields
        ------
        train : ndarray of int
            Sorted row indices of train and validation.
        test : ndarray of int
            Sorted row indices of test.
        """
        return super().split(X, y, groups)

    def train_valid_test(self, X, y=None, groups=None):
        """Row indices of the train, validation and test parts.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)
            SMILES strings or RDKit molecules. Only its length is used if ``groups`` is given.
        y : object
            Ignored.
        groups : array-like of shape (n_samples,), default=None
            Scaffold (or any group) label of each row; computed from X if None.

        Returns
        -------
        train, valid, test : ndarray of int
            Sorted row indices; together they hold every row exactly once.
        """
        X, y, groups = indexable(X, y, groups)
        _check_fraction("test_size", self.test_size, low_closed=False)
        _check_fraction("valid_size", self.valid_size, low_closed=True)
        if self.test_size + self.valid_size >= 1:
            raise ValueError(
                f"test_size + valid_size must be below 1, got {self.test_size} + "
                f"{self.valid_size}."
            )
        n_samples = _num_samples(X)
        n_test, n_valid = self.test_size * n_samples, self.valid_size * n_samples
        n_train = n_samples - n_test - n_valid
        index_sets = _ordered(
            _scaffold_index_sets(X, groups),
            big_size=min(n_test, n_valid) / 2,
            shuffle=self.balanced,
            rng=check_random_state(self.random_state),
        )
        parts, part_sizes = ([], [], []), [0, 0, 0]
        for rows in index_sets:
            part = _first_part_with_room(part_sizes, len(rows), capacities=(n_train, n_valid))
            parts[part].append(rows)
            part_sizes[part] += len(rows)
        return tuple(np.sort(np.concatenate([np.array([], dtype=int), *part])) for part in parts)

    def _iter_test_indices(self, X, y, groups):
        yield self.train_valid_test(X, y, groups)[2]


class ScaffoldKFold(GroupKFold):
    """K-fold cross-validation in which no scaffold spans two folds.

    Molecules are grouped by Bemis-Murcko scaffold and each scaffold set is assigned whole
    to the fold with the fewest rows so far. Without shuffling the sets come largest first,
    as in :class:`~sklearn.model_selection.GroupKFold`; with ``shuffle=True`` they come in
    the order of chemprop's balanced scaffold split: sets larger than half a fold first, then
    the rest, each part shuffled by ``random_state``.

    Usable as ``cv=`` anywhere in scikit-learn; the scaffolds are computed from the X given
    to :meth:`split`, or taken from ``groups``.

    Parameters
    ----------
    n_splits : int, default=5
        Number of folds, at least 2.
    shuffle : bool, default=False
        Whether to shuffle the scaffold sets (balanced order) before assigning them.
    random_state : int, RandomState instance or None, default=None
        Seeds the shuffle; must stay None when ``shuffle=False``.

    See Also
    --------
    ScaffoldSplit : a single train / validation / test split.

    Notes
    -----
    A scaffold set larger than a fold (on Tox21 the acyclic molecules, 23 % of the rows,
    share the empty scaffold) makes its fold larger than the others.

    Examples
    --------
    >>> from sklearn.ensemble import RandomForestClassifier
    >>> from sklearn.model_selection import cross_val_score
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn_metalink.chem import MorganFingerprint, ScaffoldKFold
    >>> smiles = ["c1ccccc1O", "c1ccccc1N", "C1CCCCC1O", "C1CCNCC1", "CCO", "CCN"]
    >>> y = [1, 1, 0, 0, 1, 0]
    >>> model = make_pipeline(MorganFingerprint(), RandomForestClassifier(random_state=0))
    >>> scores = cross_val_score(model, smiles, y, cv=ScaffoldKFold(n_splits=3))
    >>> len(scores)
    3
    """

    def __init__(self, n_splits=5, *, shuffle=False, random_state=None):
        super().__init__(n_splits, shuffle=shuffle, random_state=random_state)

    def split(self, X, y=None, groups=None):
        """Yield (train, test) row indices for each fold.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)
            SMILES strings or RDKit molecules. Only its length is used if ``groups`` is given.
        y : object
            Ignored.
        groups : array-like of shape (n_samples,), default=None
            Scaffold (or any group) label of each row; computed from X if None.

        Yields
        ------
        train : ndarray of int
            Sorted row indices outside the fold.
        test : ndarray of int
            Sorted row indices of the fold.
        """
        return super().split(X, y, groups)

    def _iter_test_indices(self, X, y, groups):
        index_sets = _scaffold_index_sets(X, groups)
        if self.n_splits > len(index_sets):
            raise ValueError(
                f"Cannot have n_splits={self.n_splits} greater than the number of "
                f"scaffolds: {len(index_sets)}."
            )
        ordered = _ordered(
            index_sets,
            big_size=_num_samples(X) / self.n_splits / 2,
            shuffle=self.shuffle,
            rng=check_random_state(self.random_state),
        )
        folds = [[] for _ in range(self.n_splits)]
        fold_sizes = np.zeros(self.n_splits, dtype=int)
        for rows in ordered:
            lightest = int(np.argmin(fold_sizes))
            folds[lightest].append(rows)
            fold_sizes[lightest] += len(rows)
        for fold in folds:
            yield np.sort(np.concatenate(fold))
