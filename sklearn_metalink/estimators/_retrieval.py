"""Data-to-data relations: what the labels of a row's most similar reference rows say.

The label-agreement k-nearest-neighbour estimate. Each reference row gets the weight
``sim**3 * exp(3 * (agreements - disagreements) / n_visible)``, where ``sim`` is its
similarity to the query (Tanimoto on binary X, cosine on standardised X otherwise) and the
agreements and disagreements are counted over the query's visible labels that the
reference row also knows. The ``k`` rows of highest weight among the most similar ones
are the neighbours (see ``LabelNeighbours``); P(task) is their weighted mean label on that
task, with one pseudo-count of the reference prior. A row whose labels agree with what is
already known of the query counts more: the relational signal in its simplest form. With
nothing visible the weight is ``sim**3``: plain k-NN.

Agreements minus disagreements is one matrix product: with a known label coded +1 / -1
and an unknown one 0, it is the dot product of the two rows' codes.
"""

import numpy as np
import scipy.optimize
import scipy.sparse as sp
import torch

from ..utils._validation import label_counts, row_blocks
from ._inputs import _SCAN_ROWS, binary_columns, torch_csr

# Query rows per block: bounds memory at a few (chunk, n_reference) float arrays.
_CHUNK = 512
# Binary reference rows from which the candidates of a row are searched among the rows of
# its most similar clusters (``NeighbourIndex``) instead of among all. Below, every
# reference row is compared, as before: Tox21, SIDER, ToxCast and their like search exactly.
APPROXIMATE_MIN_ROWS = 20_000
# A row's searched rows: its most similar clusters until they hold this many times the
# candidates asked for (4,000 rows for MetaLinkClassifier's 500 candidates), whatever the
# reference's size: beyond the comparison with the sqrt(n) centres, the search's cost per
# row stays the same as the reference grows.
_PROBE_CANDIDATES = 8
# Elements of a block's (rows, searched rows) arrays in the clustered search.
_PROBE_ELEMENTS = 1 << 22
# Tasks up to which ``LabelNeighbours.proba`` gathers its candidates' label codes.
_GATHER_MAX_TASKS = 64
# k-means steps that place the cluster centres.
_KMEANS_STEPS = 4
# An estimate is clipped to [1e-4, 1 - 1e-4] before it becomes log-odds (|value| <= 9.2).
_P_CLIP = 1e-4
# Weight of the support's k-NN estimate in the log-odds of a new task (a column with no
# training task) after with_support, for a row without and with known labels, times
# n / (n + SUPPORT_HALF) for a column with n > 0 support labels: an estimate from a few
# labels counts less. Chosen on the validation molecules of Tox21, SIDER and ToxCast (seed 0,
# the last 20 % of the tasks, k = 8 to all; grid in benchmarks/results/meta_valid.json) by
# the mean over data sets and k: 0.75 with SUPPORT_HALF = 64 led in meta (0.649, against
# 0.645 with the full weight from the first label, 0.634 for the network alone) and was
# within 0.1 point of the best in relational-meta (0.751; 0.749 and 0.734). With the full
# weight at once ToxCast fell as k grew (meta 0.645 at k = 8 to 0.612 at 128), its
# estimate being weak below k = all; in meta Tox21 and SIDER lose 0.2 and 0.6 points by it.
SUPPORT_BLEND = (0.75, 0.75)
SUPPORT_HALF = 64
# Label pairs of a support's new columns (``ColumnNeighbours.fit_pairs``): the penalty
# PAIR_PENALTY / 2 * ||W||^2 against the log-loss summed over the support's hidden labels,
# i.e. a Gaussian prior of variance 1 / PAIR_PENALTY on each pair weight. Chosen on the
# validation molecules in relational-meta (k = 8 to all; Tox21 and SIDER seeds 0-1, ToxCast
# seed 0; benchmarks/results/meta_valid.json) from 3, 10, 20, 30 and 100: mean ROC-AUC over
# data sets and k 0.7525 (no pairs 0.7445; 10: 0.7528, which costs SIDER 0.1 point). 20 is
# level with no pairs on Tox21 (+0.04) and SIDER (-0.02) and lifts ToxCast 2.4 points.
# Besides one weight per pair, each column has a weight on the row's mean label code over
# the visible columns (+1 all positive, -1 all negative): a molecule active in many of the
# new assays tends to be active in the next one. Same penalty. On the validation molecules
# (relational-meta, Tox21 and SIDER seeds 0-1, ToxCast seed 0): ToxCast +0.2, +0.3, +0.9,
# +1.1, +1.5 and 0.0 points at k = 8, 16, 32, 64, 128 and all; Tox21 and SIDER within
# 0.3 except Tox21 seed 1 at k = 128 (+0.6).
PAIR_PENALTY = 20.0


class NeighbourIndex:
    """Similarities of any rows to a fixed reference matrix, and each row's most similar
    reference rows (``nearest``).

    Below ``APPROXIMATE_MIN_ROWS`` reference rows, or with non-binary rows, ``nearest``
    compares a row with every reference row: exact. With binary rows and at least
    ``APPROXIMATE_MIN_ROWS`` of them, the reference rows are grouped into about
    sqrt(n_reference) clusters (k-means under the Tanimoto similarity of real vectors,
    started from reference rows drawn with a fixed seed), and a row's most similar rows are
    searched among the rows of its most similar clusters only (by similarity to the
    cluster centres, until they hold ``_PROBE_CANDIDATES`` times the rows asked for): an
    approximate search whose cost per row grows with the clusters only, with exact
    Tanimoto similarities on the rows it searches. Ties are broken by the lower reference
    row, and every row is searched on its own: deterministic and row-independent.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_reference, n_features)
        Reference rows. All values in {0, 1} selects Tanimoto similarity, anything else
        cosine similarity after standardising each column on the reference rows.
    """

    def __init__(self, X):
        self.binary = _is_binary(X)
        self.cluster = None
        if self.binary:
            self.reference = _csr_rows(X)
            # Stored zeros of a sparse X would come back as ones from to_arrays, which
            # keeps only where the ones are.
            self.reference.eliminate_zeros()
            self.counts = np.asarray(self.reference.sum(axis=1)).ravel()
            if self.reference.shape[0] >= APPROXIMATE_MIN_ROWS:
                self._set_clusters(*self._clusters())
        else:
            X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
            self.mean = X.mean(axis=0)
            self.scale = X.std(axis=0)
            self.scale[self.scale == 0] = 1.0
            self.reference = self._unit_rows(X)

    def _unit_rows(self, X):
        # In float64: a row far outside the fit range must not overflow before it is normed.
        Z = (np.asarray(X, dtype=np.float64) - self.mean) / self.scale
        Z /= np.maximum(np.linalg.norm(Z, axis=1, keepdims=True), 1e-12)
        return Z.astype(np.float32)

    def similarities(self, X):
        """Similarity in [0, 1] of each row of X to each reference row: (n, n_reference)."""
        if self.binary:
            Q = X.toarray() if sp.issparse(X) else np.asarray(X)
            Q = torch.from_numpy(Q.astype(np.float32, copy=False))
            # Sparse reference times dense queries: 5x faster here than sparse times sparse,
            # whose product is nearly dense; torch's product and transpose take half the
            # time of scipy's. Sums of ones: exact, whichever order they run in.
            ref = self.reference
            ref = torch_csr(ref.indptr, ref.indices, ref.data, ref.shape)
            inter = (ref @ Q.T).T.contiguous().numpy()  # (n, n_reference)
            return self._tanimoto(inter, Q.sum(dim=1).numpy(), self.counts)
        X = X.toarray() if sp.issparse(X) else np.asarray(X, dtype=np.float64)
        return np.maximum(self._unit_rows(X) @ self.reference.T, 0)

    def _tanimoto(self, inter, counts, query_counts):
        """Tanimoto similarity from intersections (a, b) and bit counts (a,) and (b,),
        float32, in place of ``inter``."""
        union = counts[:, None] + query_counts[None, :] - inter
        # union is 0 only where inter is, whose similarity is then 0; in place, no zeros
        # array: ``inter`` is the largest array of a prediction.
        inter /= np.maximum(union, 1.0, out=union)
        return inter

    def _clusters(self):
        """Cluster centres (n_centres, n_features) and each reference row's cluster: k-means
        under the Tanimoto similarity of real vectors, from reference rows drawn with a fixed
        seed, ``_KMEANS_STEPS`` steps."""
        n = self.reference.shape[0]
        rng = np.random.RandomState(0)
        seeds = np.sort(rng.choice(n, int(np.ceil(np.sqrt(n))), replace=False))
        centres = self.reference[seeds].toarray()
        for _ in range(_KMEANS_STEPS):
            cluster = self._assign(centres)
            # Each centre becomes the mean of its rows (a centre without rows keeps its own).
            sizes = np.bincount(cluster, minlength=len(centres))
            members = sp.csr_matrix(
                (np.ones(n, dtype=np.float32), (cluster, np.arange(n))), shape=(len(centres), n)
            )
            means = np.asarray((members @ self.reference).todense(), dtype=np.float32)
            filled = sizes > 0
            centres[filled] = means[filled] / sizes[filled, None]
        return centres, self._assign(centres)

    def _assign(self, centres):
        """Each reference row's most similar centre (ties to the lower centre)."""
        n = self.reference.shape[0]
        dense = np.ascontiguousarray(centres.T, dtype=np.float32)  # (n_features, n_centres)
        norms = (centres * centres).sum(axis=1).astype(np.float32)
        cluster = np.empty(n, dtype=np.int64)
        step = _SCAN_ROWS * 8
        for start in range(0, n, step):
            inter = np.ascontiguousarray((self.reference[start:start + step] @ dense).T)
            sims = self._tanimoto(inter, norms, self.counts[start:start + inter.shape[1]])
            cluster[start:start + sims.shape[1]] = sims.argmax(axis=0)
        return cluster

    def _set_clusters(self, centres, cluster):
        self.centres = np.asarray(centres, dtype=np.float32)
        self.cluster = np.asarray(cluster, dtype=np.int64)
        order = np.argsort(self.cluster, kind="stable")  # members by cluster, then row
        self._members = order
        self._sizes = np.bincount(self.cluster, minlength=len(self.centres))
        self._offsets = np.concatenate([[0], np.cumsum(self._sizes)])
        self._by_cluster = self.reference[order]
        self._centres_t = np.ascontiguousarray(self.centres.T)
        self._centre_norms = (self.centres * self.centres).sum(axis=1).astype(np.float32)

    def nearest(self, X, m, exclude=None):
        """The ``m`` most similar reference rows of each row of X (at most ``_CHUNK`` rows):
        indices and similarities, two (n, m) arrays. ``exclude`` (n,) names one reference
        row per row that may not be among them."""
        n_ref = self.reference.shape[0]
        target = _PROBE_CANDIDATES * m
        if self.cluster is None or target >= n_ref:
            S = self.similarities(X)
            if exclude is not None:
                S[np.arange(S.shape[0]), exclude] = -1.0
            sims, index = _top(S, m)
            return index, sims
        Q = X.toarray() if sp.issparse(X) else np.asarray(X)
        Q = Q.astype(np.float32, copy=False)
        query_counts = Q.sum(axis=1)
        inter = np.ascontiguousarray((Q @ self._centres_t).T)  # (n_centres, n)
        centre_sims = self._tanimoto(inter, self._centre_norms, query_counts).T
        # Clusters by centre similarity, ties to the lower cluster; probed until target.
        order = np.argsort(-centre_sims, axis=1, kind="stable")
        sizes = self._sizes[order]
        ends = np.cumsum(sizes, axis=1)
        n_probe = np.minimum((ends < target).sum(axis=1) + 1, order.shape[1])
        index = np.empty((len(Q), m), dtype=np.int64)
        sims = np.empty((len(Q), m), dtype=np.float32)
        width = int(ends[np.arange(len(Q)), n_probe - 1].max())
        step = max(1, _PROBE_ELEMENTS // width)
        for start in range(0, len(Q), step):
            rows = slice(start, start + step)
            index[rows], sims[rows] = self._probe(
                Q[rows], query_counts[rows], order[rows], ends[rows] - sizes[rows],
                n_probe[rows], m, None if exclude is None else exclude[rows],
            )
        return index, sims

    def _probe(self, Q, query_counts, order, starts, n_probe, m, exclude):
        """``nearest`` for a block of rows among the rows of their probed clusters."""
        n = len(Q)
        width = int((starts[np.arange(n), n_probe - 1] + self._sizes[order[np.arange(n), n_probe - 1]]).max())
        # Keys: the similarity's float32 bits (ordered like the similarity, as it is >= 0)
        # above the complement of the reference row, so that no two are equal and the top
        # m are the most similar rows, ties to the lower row; -1 marks no row.
        keys = np.full((n, width), -1, dtype=np.int64)
        probed_rows, slots = np.nonzero(np.arange(order.shape[1])[None, :] < n_probe[:, None])
        clusters = order[probed_rows, slots]
        positions = starts[probed_rows, slots]
        by_cluster = np.argsort(clusters, kind="stable")
        bounds = np.flatnonzero(np.diff(clusters[by_cluster])) + 1
        for group in np.split(by_cluster, bounds):
            if len(group) == 0:
                continue
            c = clusters[group[0]]
            rows = probed_rows[group]
            lo, hi = self._offsets[c], self._offsets[c + 1]
            members = self._members[lo:hi]
            inter = np.ascontiguousarray(self._by_cluster[lo:hi] @ Q[rows].T)  # (size, k)
            block = self._tanimoto(inter, self.counts[members], query_counts[rows]).T
            block_keys = (block.view(np.int32).astype(np.int64) << 32) | (
                np.int64(0xFFFFFFFF) - members[None, :]
            )
            if exclude is not None:
                block_keys[members[None, :] == exclude[rows][:, None]] = -1
            keys[rows[:, None], positions[group][:, None] + np.arange(hi - lo)[None, :]] = block_keys
        top = torch.from_numpy(keys).topk(m, dim=1, sorted=True).values.numpy()
        index = np.int64(0xFFFFFFFF) - (top & np.int64(0xFFFFFFFF))
        sims = (top >> 32).astype(np.int32).view(np.float32)
        return index, sims

    def to_arrays(self):
        """The index as named arrays (for model files); ``from_arrays`` rebuilds it."""
        if self.binary:
            ref = self.reference
            arrays = {"indptr": ref.indptr, "indices": ref.indices, "shape": np.array(ref.shape)}
            if self.cluster is not None:
                arrays.update(centres=self.centres, cluster=self.cluster)
            return arrays
        return {"mean": self.mean, "scale": self.scale, "reference": self.reference}

    @classmethod
    def from_arrays(cls, arrays):
        index = cls.__new__(cls)
        index.binary = "indptr" in arrays
        index.cluster = None
        if index.binary:
            indices = arrays["indices"]
            index.reference = sp.csr_matrix(
                (np.ones(len(indices), dtype=np.float32), indices, arrays["indptr"]),
                shape=tuple(arrays["shape"]),
            )
            index.counts = np.asarray(index.reference.sum(axis=1)).ravel()
            if "cluster" in arrays:
                index._set_clusters(arrays["centres"], arrays["cluster"])
            elif index.reference.shape[0] >= APPROXIMATE_MIN_ROWS:
                # A model file written before the clustered search: cluster as fit would.
                index._set_clusters(*index._clusters())
        else:
            index.mean, index.scale, index.reference = (
                arrays["mean"], arrays["scale"], arrays["reference"]
            )
        return index


def _top(values, k):
    """The k largest values of each row and their columns, two (n, k) arrays.

    torch's top-k is about ten times faster than numpy's argpartition here; each row is
    selected on its own, so a row's result never depends on the other rows.
    """
    top = torch.from_numpy(np.ascontiguousarray(values)).topk(k, dim=1, sorted=False)
    return top.values.numpy(), top.indices.numpy()


def _is_binary(X):
    if sp.issparse(X):
        return bool(np.isin(X.data, (0, 1)).all())
    return bool(binary_columns(X).all())


def _csr_rows(X):
    """X as a float32 CSR matrix, built a block of rows at a time: a dense X (perhaps a
    memory-mapped file) is never converted whole."""
    if sp.issparse(X):
        return sp.csr_matrix(X, dtype=np.float32)
    blocks = [
        sp.csr_matrix(np.asarray(X[start:start + _SCAN_ROWS], dtype=np.float32))
        for start in range(0, X.shape[0], _SCAN_ROWS)
    ]
    return sp.vstack(blocks, format="csr") if blocks else sp.csr_matrix(X, dtype=np.float32)


def _codes(Y):
    """+1 for a known 1, -1 for a known 0, 0 for unknown (NaN)."""
    return np.nan_to_num(2 * np.asarray(Y, dtype=np.float32) - 1, nan=0.0)


def _agreement_weights(sims, codes, balance):
    """Each reference row's weight ``sim**3 * exp(3 * balance / n_visible)``, float64, from
    its similarities (n, m) to the queries, the queries' label codes (n, n_tasks) and
    ``balance`` (n, m), their agreements minus disagreements (0 when nothing is visible)."""
    n_visible = np.maximum(np.abs(codes).sum(axis=1, keepdims=True), 1)
    return np.asarray(sims, dtype=np.float64) ** 3 * np.exp(3.0 * balance / n_visible)


class LabelNeighbours:
    """Reference rows with their labels: the label-agreement k-NN estimate of every task.

    The neighbours of a row are the ``n_neighbors`` rows of highest weight among its
    ``n_candidates`` most similar reference rows: similarity alone ranks the candidates
    once, and the labels visible in each query only re-rank them, which keeps a training
    step's cost independent of the number of reference rows.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_reference, n_features)
    Y : ndarray of shape (n_reference, n_tasks)
        Their labels, NaN = unknown.
    n_neighbors : int
        Neighbours per query row.
    n_candidates : int
        Most similar reference rows among which the neighbours are chosen.
    """

    def __init__(self, X, Y, n_neighbors, n_candidates):
        self.index = NeighbourIndex(X)
        Y = np.asarray(Y)
        self._set_codes(Y)
        known, positive = label_counts(Y)
        # A task without a known label takes the pooled positive rate (in float32, as it
        # always was).
        pooled = np.float32(positive.sum() / max(known.sum(), 1))
        self.prior = np.where(known > 0, positive / np.maximum(known, 1), pooled)
        self.n_neighbors = n_neighbors
        self.n_candidates = n_candidates

    def _set_codes(self, Y):
        # The labels are kept as one byte each (+1, -1, 0 for unknown), made a block of rows
        # at a time: the rows gathered for each query (500 candidates, then the neighbours)
        # come from 4x less memory than float32 would take. With MUV's 84,000 reference
        # rows those random reads were most of a training step's neighbour cost.
        self.codes = np.empty(Y.shape, dtype=np.int8)
        for rows in row_blocks(*Y.shape):
            self.codes[rows] = _codes(Y[rows])
        self._codes_float = None

    @property
    def Y(self):
        """The reference labels, NaN = unknown (float32, made from the codes)."""
        return np.where(self.codes == 0, np.float32(np.nan), (self.codes == 1).astype(np.float32))

    def float_codes(self):
        """The label codes in float32, made at the first call: a product of codes with
        every reference row (many tasks, or a support's columns) reads them."""
        if self._codes_float is None:
            self._codes_float = self.codes.astype(np.float32)
        return self._codes_float

    def to_arrays(self):
        """The index, labels, priors and sizes as named arrays, for model files."""
        arrays = {f"index.{key}": value for key, value in self.index.to_arrays().items()}
        return {
            **arrays, "Y": self.Y, "prior": self.prior,
            "sizes": np.array([self.n_neighbors, self.n_candidates]),
        }

    @classmethod
    def from_arrays(cls, arrays):
        neighbours = cls.__new__(cls)
        neighbours.index = NeighbourIndex.from_arrays(
            {key.removeprefix("index."): value for key, value in arrays.items()
             if key.startswith("index.")}
        )
        neighbours._set_codes(arrays["Y"])
        neighbours.prior = arrays["prior"]
        neighbours.n_neighbors, neighbours.n_candidates = (int(v) for v in arrays["sizes"])
        return neighbours

    def __reduce__(self):
        # Pickles go through the arrays of model files: one serialisation for both.
        return type(self).from_arrays, (self.to_arrays(),)

    def candidates(self, X, exclude=None):
        """The most similar reference rows of each row of X: indices and similarities, two
        (n, n_candidates) arrays. ``exclude`` (n,) names one reference row per row that may
        not be its candidate (the row itself, when X is part of the reference)."""
        n_ref = len(self.codes)
        m = min(self.n_candidates, n_ref - (exclude is not None))
        # Fit keeps the candidates of every fit row: int32 rows take 4 of their 8 bytes.
        index = np.empty((X.shape[0], m), dtype=np.int32 if n_ref < 2**31 else np.int64)
        sims = np.empty((X.shape[0], m), dtype=np.float32)
        for start in range(0, X.shape[0], _CHUNK):
            stop = min(start + _CHUNK, X.shape[0])
            index[start:stop], sims[start:stop] = self.index.nearest(
                X[start:stop], m, None if exclude is None else exclude[start:stop]
            )
        return index, sims

    def proba(self, candidates, visible):
        """P(label = 1) of every task: (n, n_tasks) float64, from the rows' ``candidates``
        and their visible labels (n, n_tasks), NaN = unknown."""
        index, sims = candidates
        codes = _codes(visible)
        # Agreements - disagreements with each candidate: a dot product of label codes, over
        # the candidates' gathered codes with few tasks, otherwise from one product with every
        # reference row (less memory with hundreds of tasks). Both sum small integers in
        # float32, exactly: the same balance.
        if not codes.any():
            balance = 0.0
        elif codes.shape[1] <= _GATHER_MAX_TASKS:
            gathered = np.take(self.codes, index, axis=0).astype(np.float32)  # (n, m, n_tasks)
            balance = np.einsum("nt,nmt->nm", codes, gathered)
        else:
            balance = np.take_along_axis(codes @ self.float_codes().T, index, axis=1)
        weights = _agreement_weights(sims, codes, balance)
        w, top = _top(weights, min(self.n_neighbors, weights.shape[1]))
        # np.take, not fancy indexing: 4-10x faster for these many short rows.
        chosen = np.take(self.codes, np.take_along_axis(index, top, axis=1), axis=0)
        # Boolean operands: einsum takes them as 0.0 / 1.0, faster than a float copy.
        positive = np.einsum("nk,nkt->nt", w, chosen == 1)
        total = np.einsum("nk,nkt->nt", w, chosen != 0)
        return (positive + self.prior) / (total + 1.0)

    def log_odds(self, candidates, visible):
        """``proba`` as clipped log-odds, float32: the module's input."""
        P = np.clip(self.proba(candidates, visible), _P_CLIP, 1 - _P_CLIP)
        return np.log(P / (1 - P)).astype(np.float32)


class ColumnNeighbours:
    """The label-agreement k-NN of each column from the reference rows labelled on it.

    ``LabelNeighbours`` chooses one set of neighbours per row for all tasks, which suits a
    label matrix whose rows know most tasks. A support set for new tasks is sparse instead:
    with k labelled rows per new task, most of a row's neighbours may know nothing of a
    given task. Here each column takes the ``n_neighbors`` rows of highest weight among the
    reference rows that know its label, so its estimate sharpens as that column gains labels
    (with k <= ``n_neighbors`` it uses all of them). Weights, pseudo-count and log-odds are
    those of ``LabelNeighbours``; every row is scored on its own. ``fit_pairs`` adds label
    pairs: how each column follows the other labels of a row, learned on the reference.

    Parameters
    ----------
    X : ndarray or sparse matrix of shape (n_reference, n_features)
    Y : ndarray of shape (n_reference, n_columns)
        Their labels, NaN = unknown. A query's visible labels count over these columns.
    n_neighbors : int
        Neighbours per row and column.
    columns : array-like of int, optional
        The columns to estimate (default: all).
    """

    def __init__(self, X, Y, n_neighbors, columns=None):
        self.neighbours = LabelNeighbours(X, Y, n_neighbors, n_candidates=len(Y))
        n_columns = self.neighbours.codes.shape[1]
        self.columns = np.arange(n_columns) if columns is None else np.asarray(columns, dtype=np.int64)
        self.pair_weight = None

    def to_arrays(self):
        """Named arrays for model files; ``from_arrays`` rebuilds the object."""
        arrays = {**self.neighbours.to_arrays(), "columns": self.columns}
        if self.pair_weight is not None:
            arrays["pair_weight"] = self.pair_weight
        return arrays

    @classmethod
    def from_arrays(cls, arrays):
        column_neighbours = cls.__new__(cls)
        column_neighbours.neighbours = LabelNeighbours.from_arrays(
            {key: value for key, value in arrays.items() if key not in ("columns", "pair_weight")}
        )
        column_neighbours.columns = np.asarray(arrays["columns"], dtype=np.int64)
        column_neighbours.pair_weight = arrays.get("pair_weight")
        return column_neighbours

    def proba(self, X, visible, exclude=None):
        """P(label = 1) of each of ``columns``: (n, n_selected) float64, from rows X and
        their visible labels (n, n_columns), NaN = unknown. ``exclude`` (n,) gives each
        row a reference row that is not its neighbour (itself, when X are reference rows)."""
        ref = self.neighbours
        visible = np.asarray(visible, dtype=np.float32)
        out = np.empty((X.shape[0], len(self.columns)))
        known = [np.flatnonzero(ref.codes[:, column]) for column in self.columns]
        for start in range(0, X.shape[0], _CHUNK):
            stop = min(start + _CHUNK, X.shape[0])
            sims = ref.index.similarities(X[start:stop])
            if exclude is not None:
                sims[np.arange(stop - start), exclude[start:stop]] = 0.0
            codes = _codes(visible[start:stop])
            balance = codes @ ref.float_codes().T if codes.any() else 0.0
            weights = _agreement_weights(sims, codes, balance)
            for j, (column, rows) in enumerate(zip(self.columns, known)):
                prior = ref.prior[column]
                if len(rows) == 0:
                    out[start:stop, j] = prior
                    continue
                # np.take gives the C-ordered copy torch needs at once; fancy indexing of
                # the columns gives another order, which _top would copy again (10x slower).
                w, top = _top(np.take(weights, rows, axis=1), min(ref.n_neighbors, len(rows)))
                labels = ref.codes[rows[top], column] == 1
                out[start:stop, j] = ((w * labels).sum(axis=1) + prior) / (w.sum(axis=1) + 1.0)
        return out

    def log_odds(self, X, visible, exclude=None):
        """``proba`` as clipped log-odds, float64."""
        P = np.clip(self.proba(X, visible, exclude), _P_CLIP, 1 - _P_CLIP)
        return np.log(P / (1 - P))

    def blend(self, logits, X, visible, exclude=None):
        """``logits`` (n, n_columns) with the estimate of ``columns`` averaged in, by
        ``SUPPORT_BLEND`` of each row's context and the column's number of labels, and
        the label pairs' term added (``fit_pairs``)."""
        visible = np.asarray(visible, dtype=np.float32)
        out = self._blend_estimate(logits, X, visible, exclude)
        if self.pair_weight is not None:
            out[:, self.columns] += self.pair_logits(visible)
        return out

    def pair_logits(self, visible):
        """The label pairs' term of ``columns`` for rows with these visible labels:
        (n, n_selected)."""
        return self._pair_features(visible, self.pair_weight.shape[1]) @ self.pair_weight.T

    def _pair_features(self, visible, width=None):
        """A row's label codes on ``columns`` and their mean over its visible ones, the
        features of the label pairs. A ``width`` of n_selected drops the mean: the pair
        weights of model files written before it."""
        codes = _codes(visible[:, self.columns]).astype(np.float64)
        if width == codes.shape[1]:
            return codes
        n_visible = np.maximum(np.abs(codes).sum(axis=1, keepdims=True), 1.0)
        return np.hstack([codes, codes.sum(axis=1, keepdims=True) / n_visible])

    def _blend_estimate(self, logits, X, visible, exclude=None):
        has_context = ~np.isnan(visible).all(axis=1)
        return blend_columns(
            logits, self.log_odds(X, visible, exclude), self.columns, self.n_known(),
            has_context,
        )

    def n_known(self):
        """Known reference labels of each of ``columns``: (n_selected,)."""
        return (self.neighbours.codes[:, self.columns] != 0).sum(axis=0)

    def fit_pairs(self, X, Y, network_logits, penalty=PAIR_PENALTY):
        """Learn how each of ``columns`` follows the others in a row, from the reference
        rows X, Y themselves: ``pair_weight`` (n_selected, n_selected + 1), whose product
        with a row's label codes on ``columns`` and their mean over its visible ones is
        added to their blended log-odds.

        A logistic regression of the reference rows' hidden labels on their visible ones'
        codes and mean code (``pair_problem``), with the blended log-odds as offset and the
        L2 penalty ``penalty / 2 * ||W||^2``; a column's weight on its own code is 0. With
        nothing to learn (no row knows two labels) ``pair_weight`` stays None.
        """
        problem = self.pair_problem(X, Y, network_logits)
        if problem is not None:
            self.pair_weight = _fit_pairs(*problem, penalty)
        return self

    def pair_problem(self, X, Y, network_logits):
        """The data of ``fit_pairs``: offsets, pair features and targets, or None.

        Each reference row that knows two labels or more is shown twice, with
        complementary halves of its known labels (a fixed draw) as context, the other half
        hidden: a query of the relational-meta setting. Offsets: its blended log-odds of
        ``columns``, from ``network_logits(X, visible)`` and this k-NN estimate without
        the row among its own neighbours (and without label pairs already fitted).
        """
        Y = np.asarray(Y, dtype=np.float32)
        rows = np.flatnonzero((~np.isnan(Y)).sum(axis=1) >= 2)
        if len(rows) == 0:
            return None
        X, Y = X[rows], Y[rows]
        known = ~np.isnan(Y)
        half = np.random.RandomState(0).rand(*Y.shape) < 0.5
        offsets, codes, targets = [], [], []
        for shown in (known & half, known & ~half):
            visible = np.where(shown, Y, np.nan)
            blended = self._blend_estimate(network_logits(X, visible), X, visible, rows)
            offsets.append(blended[:, self.columns])
            codes.append(self._pair_features(visible))
            targets.append(np.where(shown, np.nan, Y)[:, self.columns])
        return np.vstack(offsets), np.vstack(codes), np.vstack(targets)


def _fit_pairs(offset, codes, target, penalty):
    """W (n_columns, n_features) minimising the log-loss of ``target``'s known entries
    under the logits ``offset + codes @ W.T``, plus ``penalty / 2 * ||W||^2``, with a zero
    diagonal (the first n_columns features are the columns' codes); L-BFGS from zero,
    float64 (deterministic)."""
    scored = ~np.isnan(target)
    y = np.nan_to_num(target)
    n_columns = target.shape[1]
    free = np.hstack([1.0 - np.eye(n_columns), np.ones((n_columns, codes.shape[1] - n_columns))])
    # The loss is a mean over the known entries, so the penalty is too: same minimum.
    n_scored = max(scored.sum(), 1)
    decay = penalty / n_scored

    def loss(w):
        W = w.reshape(free.shape) * free
        z = offset + codes @ W.T
        value = (np.logaddexp(0.0, z) - y * z)[scored].sum() / n_scored
        with np.errstate(over="ignore"):  # exp(-z) = inf for z << 0: the sigmoid is 0
            residual = np.where(scored, 1.0 / (1.0 + np.exp(-z)) - y, 0.0) / n_scored
        gradient = (residual.T @ codes + decay * W) * free
        return value + 0.5 * decay * (W**2).sum(), gradient.ravel()

    result = scipy.optimize.minimize(
        loss, np.zeros(free.size), jac=True, method="L-BFGS-B", options={"maxiter": 500}
    )
    return result.x.reshape(free.shape) * free


def blend_columns(logits, log_odds, columns, n_known, has_context, weights=None, half=None):
    """Average ``log_odds`` (n, len(columns)) into ``logits[:, columns]`` with the weight
    ``weights[has_context] * n_known / (n_known + half)`` per row and column (defaults:
    ``SUPPORT_BLEND``, ``SUPPORT_HALF``); returns a new array."""
    without, with_context = SUPPORT_BLEND if weights is None else weights
    half = SUPPORT_HALF if half is None else half
    n_known = np.asarray(n_known, dtype=np.float64)
    trust = np.divide(n_known, n_known + half, out=np.zeros_like(n_known), where=n_known > 0)
    weight = np.where(has_context, with_context, without)[:, None] * trust[None, :]
    out = np.array(logits, dtype=np.float64)
    # A column without support labels has no estimate (its prior may even be undefined).
    blended = (1 - weight) * out[:, columns] + weight * np.where(trust > 0, log_odds, 0.0)
    out[:, columns] = blended
    return out
