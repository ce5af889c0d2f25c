"""SMILES -> RDKit molecules, under one policy for SMILES that RDKit rejects.

Every transformer and the scaffold code parse through this module, so a SMILES is valid or
invalid in the same way everywhere in the package.
"""

import warnings
from numbers import Integral

import numpy as np
from joblib import Parallel, delayed
from rdkit import Chem, rdBase
from scipy import sparse
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import (
    _check_feature_names,
    _check_feature_names_in,
    check_is_fitted,
)

INVALID_POLICIES = ("raise", "partial", "zeros", "nan")

# Names in the SMILES are not read: with them, "C C" would silently parse as methane named "C".
_STRICT_PARAMS = Chem.SmilesParserParams()
_STRICT_PARAMS.parseName = False

_UNSANITIZED_PARAMS = Chem.SmilesParserParams()
_UNSANITIZED_PARAMS.parseName = False
_UNSANITIZED_PARAMS.sanitize = False

# Everything but the valence check, which is what rejects hypervalent atoms like Tox21's [AlH3].
_PARTIAL_SANITIZATION = Chem.SanitizeFlags.SANITIZE_ALL ^ Chem.SanitizeFlags.SANITIZE_PROPERTIES

_N_LISTED = 5
# Longer SMILES are shown cut, with their length: a message must stay readable.
_SHOWN_CHARACTERS = 40

# A SMILES longer than this many characters per allowed atom is refused before parsing,
# which alone took 0.6 s for 9,000 characters of rings. The most in Tox21, ToxCast, SIDER
# and MUV is 8, all in one-atom ions such as '[SbH6+3]'; large molecules use about 3.
_CHARACTERS_PER_ATOM = 8

# What _parse_entry returns for a molecule larger than max_atoms.
_TOO_LARGE = object()

# Rows per joblib task: large enough that a task outweighs its dispatch (~30k Morgan/s/core),
# small enough that a dense chunk stays a few MB before sparse=True compresses it.
_CHUNK_SIZE = 1024


class InvalidSMILESWarning(UserWarning):
    """Warning issued when rows with invalid SMILES are kept, filled with zeros or NaN.

    Issued by the transformers of :mod:`sklearn_metalink.chem` with ``invalid="zeros"`` or
    ``invalid="nan"``. The message names the rows and their SMILES.

    Examples
    --------
    >>> import warnings
    >>> from sklearn_metalink.chem import InvalidSMILESWarning, MorganFingerprint
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     X = MorganFingerprint(invalid="zeros").fit_transform(["CCO", "C1CC"])
    >>> caught[0].category is InvalidSMILESWarning
    True
    >>> int(X[1].sum())
    0
    """


def check_molecule_column(X):
    """Return X as a 1-D object array of SMILES strings or RDKit molecules.

    Accepts a list, tuple, 1-D array, pandas Series, single-column DataFrame or (n, 1) array.
    Entries are checked later, while parsing.
    """
    if isinstance(X, (str, bytes, Chem.Mol)):
        raise TypeError(
            f"X must be a sequence of molecules, got a single {type(X).__name__}; "
            "wrap it in a list."
        )
    column = X.to_numpy(dtype=object) if hasattr(X, "to_numpy") else np.asarray(X, dtype=object)
    if column.ndim == 2 and column.shape[1] == 1:
        column = column[:, 0]
    if column.ndim != 1:
        raise ValueError(
            "X must hold one molecule per row: a 1-D sequence of SMILES strings or RDKit Mol "
            f"objects, or a single column of them; got an array of shape {column.shape}."
        )
    return column


def parse_molecules(column, *, partial=False, start=0, max_atoms=None):
    """Parse a 1-D object array into a list of ``Mol``, ``None`` where RDKit rejects a SMILES,
    and the rows (numbered from ``start``) holding molecules larger than ``max_atoms``.

    ``start`` is the row number of ``column[0]`` in the user's X, for error messages. A
    molecule too large is ``None`` in the list too. RDKit's own log lines are silenced: the
    caller reports failures by row.
    """
    with rdBase.BlockLogs():
        parsed = [
            _parse_entry(entry, start + i, partial, max_atoms) for i, entry in enumerate(column)
        ]
    too_large = [start + i for i, mol in enumerate(parsed) if mol is _TOO_LARGE]
    return [None if mol is _TOO_LARGE else mol for mol in parsed], too_large


def _parse_entry(entry, row, partial, max_atoms):
    if isinstance(entry, Chem.Mol):
        mol = entry
    elif not isinstance(entry, str):
        raise TypeError(
            f"Row {row} of X is {entry!r} of type {type(entry).__name__}; expected a SMILES "
            "string or an RDKit Mol."
        )
    elif not entry.strip():
        # RDKit reads an empty SMILES as a molecule without atoms.
        return None
    elif max_atoms is not None and len(entry) > _CHARACTERS_PER_ATOM * max_atoms:
        return _TOO_LARGE
    else:
        mol = Chem.MolFromSmiles(entry, _STRICT_PARAMS)
        if mol is None and partial:
            mol = _partially_sanitized(entry)
    if mol is not None and max_atoms is not None and mol.GetNumAtoms() > max_atoms:
        return _TOO_LARGE
    return mol


def _partially_sanitized(smiles):
    mol = Chem.MolFromSmiles(smiles, _UNSANITIZED_PARAMS)
    if mol is None:
        return None
    try:
        mol.UpdatePropertyCache(strict=False)
        Chem.SanitizeMol(mol, _PARTIAL_SANITIZATION)
    except Chem.MolSanitizeException:
        return None
    return mol


def report_invalid(column, failed_rows, invalid, too_large=(), max_atoms=None):
    """Raise (``invalid`` "raise"/"partial") or warn ("zeros"/"nan") about rejected rows:
    SMILES RDKit cannot parse, and molecules larger than ``max_atoms``."""
    problems = []
    if len(failed_rows):
        what = f"{len(failed_rows)} of {len(column)} SMILES could not be parsed by RDKit"
        if invalid == "partial":
            what += " even with partial sanitization"
        problems.append(f"{what}; rows {_listed(column, failed_rows)}")
    if len(too_large):
        problems.append(
            f"{len(too_large)} of {len(column)} molecules have more than max_atoms={max_atoms} "
            f"atoms (or a SMILES longer than {_CHARACTERS_PER_ATOM * max_atoms} characters); "
            f"rows {_listed(column, too_large)}"
        )
    if not problems:
        return
    if invalid in ("raise", "partial"):
        fixes = []
        if len(failed_rows):
            fixes.append(
                "Fix them, or set invalid='partial' (accept molecules that fail only the "
                "valence check), invalid='zeros' or invalid='nan' (keep the rows, filled with "
                "zeros or NaN, and warn)."
            )
        if len(too_large):
            fixes.append(
                "Raise max_atoms (or None) to featurize larger molecules: the cost of atom "
                "pairs and descriptors grows steeply with size, to minutes per molecule in "
                "the thousands of atoms."
            )
        raise ValueError(f"{'; '.join(problems)}. {' '.join(fixes)}")
    fill = "zeros" if invalid == "zeros" else "NaN"
    warnings.warn(
        f"{'; '.join(problems)}. Their output rows are filled with {fill}.",
        InvalidSMILESWarning,
        stacklevel=3,
    )


def _listed(column, rows):
    listed = ", ".join(f"{row} ({_shown(column[row])})" for row in rows[:_N_LISTED])
    if len(rows) > _N_LISTED:
        listed += f" and {len(rows) - _N_LISTED} more"
    return listed


def _shown(entry):
    if isinstance(entry, str) and len(entry) > _SHOWN_CHARACTERS:
        return f"{entry[:_SHOWN_CHARACTERS]!r}... of {len(entry)} characters"
    return repr(entry)


def to_mols(X, *, invalid="raise", max_atoms=1000):
    """Parse SMILES into RDKit molecules under the package's invalid-SMILES policy.

    Parameters
    ----------
    X : array-like of shape (n_samples,) or (n_samples, 1)
        SMILES strings or RDKit ``Mol`` objects (returned as they are): a list, 1-D array,
        pandas Series or single-column DataFrame.
    invalid : {"raise", "partial"}, default="raise"
        ``"raise"``: a SMILES that RDKit's default sanitization rejects raises ``ValueError``
        naming its row. ``"partial"``: such a SMILES is re-parsed without the valence check
        (see :doc:`/chemistry`); ``ValueError`` only if that fails too.
    max_atoms : int or None, default=1000
        Largest molecule accepted, in atoms; a SMILES longer than 8 characters per allowed
        atom is refused before parsing. None: no bound.

    Returns
    -------
    mols : list of rdkit.Chem.Mol
        One molecule per row of X, in order.

    Raises
    ------
    TypeError
        If an entry is neither a string nor a ``Mol``; the message names its row.
    ValueError
        If a SMILES cannot be parsed or a molecule is larger than ``max_atoms``; the
        message lists the rows and SMILES.

    Examples
    --------
    >>> from sklearn_metalink.chem import to_mols
    >>> [mol.GetNumAtoms() for mol in to_mols(["CCO", "c1ccccc1"])]
    [3, 6]
    >>> to_mols(["CCO", "C1CC"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 1 of 2 SMILES could not be parsed by RDKit; rows 1 ('C1CC'). ...
    >>> to_mols(["CCO", "C" * 30], max_atoms=20)  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: 1 of 2 molecules have more than max_atoms=20 atoms (...); rows 1 ('CCCC...
    """
    if invalid not in ("raise", "partial"):
        raise ValueError(f"invalid must be 'raise' or 'partial', got {invalid!r}.")
    _check_max_atoms(max_atoms)
    column = check_molecule_column(X)
    mols, too_large = parse_molecules(column, partial=invalid == "partial", max_atoms=max_atoms)
    report_invalid(column, _failed_rows(mols, 0, too_large), invalid, too_large, max_atoms)
    return mols


def _check_max_atoms(max_atoms):
    if max_atoms is not None and not (
        isinstance(max_atoms, Integral) and not isinstance(max_atoms, bool) and max_atoms >= 1
    ):
        raise ValueError(f"max_atoms must be a positive int or None, got {max_atoms!r}.")


def _failed_rows(mols, start, too_large):
    """Rows (numbered from ``start``) RDKit could not parse: None, and not too large."""
    too_large = set(too_large)
    return [start + i for i, mol in enumerate(mols) if mol is None and start + i not in too_large]


class MoleculeTransformer(TransformerMixin, BaseEstimator):
    """Base of the transformers that turn each molecule into one row of features.

    A subclass implements ``_n_features_out()``, ``_feature_names()``, ``_native_dtype()`` and
    ``_featurizer()``, a function Mol -> 1-D array built inside the worker because RDKit
    generators cannot be pickled. This class validates X, parses it in chunks (in parallel
    with ``n_jobs``), applies the ``invalid`` policy and builds the dense or sparse output.
    """

    _parameter_constraints = {
        "invalid": [StrOptions(set(INVALID_POLICIES))],
        "max_atoms": [Interval(Integral, 1, None, closed="left"), None],
        "n_jobs": [Integral, None],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check X and the parameters; the transformer learns nothing from the data.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)
            SMILES strings or RDKit ``Mol`` objects.
        y : None
            Ignored.

        Returns
        -------
        self : object
            Fitted transformer, with ``n_features_in_`` (always 1) and ``n_features_out_``.
        """
        check_molecule_column(X)
        _check_feature_names(self, X, reset=True)
        self.n_features_in_ = 1
        self.n_features_out_ = self._n_features_out()
        return self

    def transform(self, X):
        """Compute one row of features per molecule, in the order of X.

        Parameters
        ----------
        X : array-like of shape (n_samples,) or (n_samples, 1)
            SMILES strings or RDKit ``Mol`` objects.

        Returns
        -------
        X_new : ndarray or scipy.sparse.csr_array of shape (n_samples, ``n_features_out_``)
            See the class docstring for the dtype.

        Raises
        ------
        ValueError
            With ``invalid="raise"`` or ``"partial"``, if a SMILES cannot be parsed.
        TypeError
            If an entry of X is neither a string nor a ``Mol``.
        """
        check_is_fitted(self)
        column = check_molecule_column(X)
        starts = range(0, len(column), _CHUNK_SIZE)
        chunks = [column[start : start + _CHUNK_SIZE] for start in starts]
        if len(chunks) > 1:
            tasks = (delayed(self._transform_chunk)(c, s) for c, s in zip(chunks, starts))
            results = Parallel(n_jobs=self.n_jobs)(tasks)
        else:
            results = [self._transform_chunk(column, 0)]
        failed = [row for _, rows, _ in results for row in rows]
        too_large = [row for _, _, rows in results for row in rows]
        report_invalid(column, failed, self.invalid, too_large, self.max_atoms)
        return self._stack([features for features, _, _ in results])

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Checked against ``feature_names_in_`` if X was a DataFrame, otherwise unused.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        _check_feature_names_in(self, input_features)
        return np.asarray(self._feature_names(), dtype=object)

    def _transform_chunk(self, column, start):
        featurize = self._featurizer()
        fill = np.nan if self.invalid == "nan" else 0
        features = np.full((len(column), self.n_features_out_), fill, dtype=self._output_dtype())
        mols, too_large = self._parse(column, start)
        with rdBase.BlockLogs():
            for i, mol in enumerate(mols):
                if mol is not None:
                    features[i] = featurize(mol)
        if self._sparse_output():
            features = sparse.csr_array(features)
        return features, _failed_rows(mols, start, too_large), too_large

    def _parse(self, column, start):
        return parse_molecules(
            column, partial=self.invalid == "partial", start=start, max_atoms=self.max_atoms
        )

    def _output_dtype(self):
        dtype = self._native_dtype()
        # Integer dtypes cannot hold the NaN rows of invalid="nan".
        return np.float32 if self.invalid == "nan" and np.issubdtype(dtype, np.integer) else dtype

    def _sparse_output(self):
        return False

    def _stack(self, blocks):
        if len(blocks) == 1:
            return blocks[0]
        if self._sparse_output():
            return sparse.vstack(blocks, format="csr")
        return np.concatenate(blocks)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.one_d_array = True
        tags.input_tags.string = True
        tags.transformer_tags.preserves_dtype = []
        return tags
