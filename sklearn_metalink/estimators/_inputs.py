"""How X reaches an encoder: validation at the estimator boundary, then batches of rows.

Each encoder family has an input kind; the estimator only calls ``validate`` (once, at
the boundary), ``width``, ``scaling`` (for the encoder) and ``batch``.
"""

import warnings

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils.validation import _check_feature_names, validate_data
from torch_geometric.data import Batch, Data

from ..chem import MolecularGraphFeaturizer
from ..chem._molecules import check_molecule_column

_FLOAT32_MAX = float(np.finfo(np.float32).max)


class FeatureMatrix:
    """Numeric X, dense or scipy-sparse (fingerprints, descriptors), as float32 rows.

    With ``sparse_batches=True`` a batch is a sparse CSR tensor (for
    :class:`~sklearn_metalink.nn.MLPEncoder`, whose first layer then sums the weights of
    the non-zero features only), else a dense tensor.
    """

    def __init__(self, sparse_batches=False):
        self.sparse_batches = sparse_batches

    def validate(self, estimator, X, reset):
        try:
            X = validate_data(estimator, X, reset=reset, accept_sparse="csr", dtype="numeric")
        except ValueError as error:
            text = _first_text(X)
            if text is None:
                raise
            name = type(estimator).__name__
            raise ValueError(
                f"X holds text such as {text!r}, but {name} with encoder='mlp' reads numeric "
                f"features. For SMILES, put a featurizer first, e.g. make_pipeline("
                f"MorganFingerprint(), {name}()) with MorganFingerprint from "
                "sklearn_metalink.chem, or use MetaLinkClassifier(encoder='mpnn'), which reads "
                "SMILES itself."
            ) from error
        _check_float32_range(X)
        # Fit keeps one float32 copy, read in every epoch; predict converts batch by batch,
        # so a large X is never copied whole (200k dense 2,048-bit rows: 1.6 GB in float32).
        # Small integers (uint8 fingerprints, a memory-mapped file of them) are exact in
        # float32 and become CSR batches as fast as float32 ones: fit reads them as they are.
        if not reset or (self.sparse_batches and _small_integers(X)):
            return X
        return X.astype(np.float32, copy=False)

    def scaling(self, X):
        """``(offset, scale)`` per column centring the columns that are not binary and
        scaling each to a spread of ``1 / sqrt(number of such columns)``, or None when all
        are 0/1. Binary columns (fingerprint bits) keep offset 0 and scale 1.

        A gradient-trained encoder needs features of comparable scale; on dense unscaled
        features the model fell far below a forest until they were standardised.
        """
        if sp.issparse(X):
            nonbinary = np.unique(X.indices[~np.isin(X.data, (0, 1))])
        else:
            nonbinary = np.flatnonzero(~binary_columns(X))
        if len(nonbinary) == 0:
            return None
        offset = np.zeros(X.shape[1], dtype=np.float32)
        scale = np.ones(X.shape[1], dtype=np.float32)
        columns = X[:, nonbinary].astype(np.float32, copy=False)
        mean = np.asarray(columns.mean(axis=0), dtype=np.float64).ravel()
        if sp.issparse(X):
            squares = np.asarray(columns.multiply(columns).mean(axis=0), dtype=np.float64).ravel()
        else:
            squares = (columns.astype(np.float64) ** 2).mean(axis=0)
        spread = np.sqrt(np.maximum(squares - mean**2, 0))
        offset[nonbinary] = mean
        # Standardised, then shrunk so that the non-binary part of a row has unit norm on
        # average: plain standardisation (ten times the spread of yeast's own features) lost
        # 3.7 points of ROC-AUC on yeast's validation split.
        scale[nonbinary] = np.where(spread > 0, spread, 1.0) * np.sqrt(len(nonbinary))
        return offset, scale

    def width(self, X):
        return X.shape[1]

    def batch(self, X, rows):
        """Rows of X as one float32 tensor, dense or sparse CSR, converted (and densified)
        one batch at a time."""
        part = X[rows]
        if self.sparse_batches:
            return _csr_tensor(part)
        part = part.toarray() if sp.issparse(part) else part
        return torch.from_numpy(np.ascontiguousarray(part, dtype=np.float32))


# Rows per block when a whole dense X is scanned, so a scan needs no array of X's size.
_SCAN_ROWS = 1024


def binary_columns(X):
    """Which columns of a dense X hold only 0 and 1, scanned a block of rows at a time
    (np.isin of all of a 20,000 x 2,048 uint8 X took 490 MB)."""
    binary = np.ones(X.shape[1], dtype=bool)
    for start in range(0, X.shape[0], _SCAN_ROWS):
        block = X[start:start + _SCAN_ROWS]
        binary &= ((block == 0) | (block == 1)).all(axis=0)
    return binary


def _small_integers(X):
    dtype = X.dtype
    return dtype.kind == "b" or (dtype.kind in "iu" and dtype.itemsize <= 2)


def _csr_tensor(part):
    """Rows (dense or scipy-sparse) as a float32 sparse CSR tensor, columns in ascending
    order within each row, so a row gives the same tensor whichever form X had."""
    if sp.issparse(part):
        part = sp.csr_matrix(part, dtype=np.float32)  # a copy: X[rows] may share arrays
        part.eliminate_zeros()
        part.sort_indices()
        crow, col, values = part.indptr, part.indices, part.data
    else:
        # The boolean mask first: flatnonzero of a bool array is ~5x faster than of uint8.
        flat = np.flatnonzero(np.asarray(part) != 0)
        row, col = np.divmod(flat, part.shape[1])
        values = part.ravel()[flat].astype(np.float32)
        crow = np.zeros(part.shape[0] + 1, dtype=np.int64)
        np.cumsum(np.bincount(row, minlength=part.shape[0]), out=crow[1:])
    return torch_csr(np.asarray(crow, dtype=np.int64), np.asarray(col, dtype=np.int64),
                     np.asarray(values, dtype=np.float32), part.shape)


def torch_csr(crow, col, values, shape):
    """A torch sparse CSR tensor on these arrays (shared, not copied)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", "Sparse CSR tensor support is in beta", UserWarning)
        return torch.sparse_csr_tensor(
            torch.from_numpy(crow), torch.from_numpy(col), torch.from_numpy(values),
            size=shape, check_invariants=False,
        )


def _check_float32_range(X):
    """Refuse finite values the float32 model would read as inf (and predict NaN from)."""
    values = X.data if sp.issparse(X) else X
    if values.dtype.itemsize <= 4 or values.dtype.kind != "f":
        return
    # max/min scan without the copy that np.abs(X) would make of a large dense X.
    if values.size == 0 or -_FLOAT32_MAX <= values.min() and values.max() <= _FLOAT32_MAX:
        return
    beyond = np.flatnonzero(np.abs(values.ravel()) > _FLOAT32_MAX)
    if sp.issparse(X):
        rows = np.searchsorted(X.indptr, beyond, side="right") - 1
        row, column = rows[0], X.indices[beyond[0]]
    else:
        row, column = np.unravel_index(beyond[0], X.shape)
    raise ValueError(
        f"X[{row}, {column}] is {float(values.ravel()[beyond[0]]):.3g}, beyond the float32 "
        f"range (|x| <= {_FLOAT32_MAX:.3g}) of the model, and {len(beyond)} values in all "
        "are; scale or clip X, e.g. with sklearn.preprocessing.StandardScaler."
    )


def _first_text(X):
    """The first string in X, or None; X is input that failed numeric validation."""
    if sp.issparse(X) or getattr(X, "dtype", np.dtype(object)).kind in "biufc":
        return None
    try:
        cells = np.asarray(X, dtype=object).ravel()
    except ValueError:
        return None
    return next((cell for cell in cells if isinstance(cell, str)), None)


class MolecularGraphs:
    """One molecule per row, as SMILES, RDKit molecules or featurized graphs.

    SMILES and molecules are featurized by
    :class:`~sklearn_metalink.chem.MolecularGraphFeaturizer` with ``invalid="raise"``, so an
    invalid SMILES raises with its row; graphs from that transformer in a Pipeline (a 1-D
    object array of ``torch_geometric.data.Data``) are used as they are.
    """

    def validate(self, estimator, X, reset):
        _check_feature_names(estimator, X, reset=reset)
        column = check_molecule_column(X)
        if len(column) == 0:
            raise ValueError(
                f"Found array with 0 sample(s) (shape=(0,)) while a minimum of 1 is required "
                f"by {type(estimator).__name__}."
            )
        if reset:
            estimator.n_features_in_ = 1
        elif estimator.n_features_in_ != 1:
            raise ValueError(
                "X holds one molecule per row (encoder='mpnn'), but the model was fitted "
                f"with {estimator.n_features_in_} features"
            )
        if all(isinstance(entry, Data) for entry in column):
            _check_graphs(column)
            return column
        return MolecularGraphFeaturizer(invalid="raise").fit_transform(column)

    def scaling(self, X):
        return None

    def width(self, X):
        """(atom_features, bond_features) of the graphs."""
        return X[0].num_node_features, X[0].num_edge_features

    def batch(self, X, rows):
        """Graphs of the rows as one ``Batch``; ``len()`` of it is the number of graphs."""
        return Batch.from_data_list(list(X[rows]))


def _check_graphs(column):
    """Refuse graphs an MPNN cannot read: each needs ``x`` (n_atoms, d_atom), ``edge_index``
    (2, n_edges) and ``edge_attr`` (n_edges, d_bond), with the widths of the first row."""
    widths = None
    for row, graph in enumerate(column):
        tensors = {"x": graph.x, "edge_index": graph.edge_index, "edge_attr": graph.edge_attr}
        missing = [name for name, value in tensors.items() if not isinstance(value, torch.Tensor)]
        if missing:
            raise ValueError(
                f"The graph in row {row} of X has no tensor {', '.join(missing)}: an MPNN reads "
                "x (atom features), edge_index and edge_attr (bond features), as "
                "MolecularGraphFeaturizer makes them"
            )
        x, edge_index, edge_attr = tensors.values()
        if x.ndim != 2 or edge_attr.ndim != 2 or edge_index.shape != (2, len(edge_attr)):
            raise ValueError(
                f"The graph in row {row} of X has x of shape {tuple(x.shape)}, edge_index of "
                f"shape {tuple(edge_index.shape)} and edge_attr of shape "
                f"{tuple(edge_attr.shape)}; expected (n_atoms, d_atom), (2, n_edges) and "
                "(n_edges, d_bond)"
            )
        if widths is None:
            widths = (x.shape[1], edge_attr.shape[1])
        elif (x.shape[1], edge_attr.shape[1]) != widths:
            raise ValueError(
                f"The graph in row {row} of X has {x.shape[1]} atom and {edge_attr.shape[1]} "
                f"bond features, but row 0 has {widths[0]} and {widths[1]}"
            )
