"""Random numbers derived from row content, so any process recomputes the same label masks.

A scikit-learn scorer sees only ``(estimator, X_test, y_test)``: not the fold's indices, and
with ``n_jobs > 1`` or a dask backend only a pickled copy of the splitter in another process.
Every random choice behind a mask is therefore seeded by a keyed BLAKE2b digest of the row
(its X and its labels) and the splitter's ``random_state``; Python's ``hash`` is salted per
process and cannot serve.
"""

import hashlib
import numbers

import numpy as np
import scipy.sparse as sp

# Independent random streams drawn from the same row digest.
TARGET_STREAM = 0
CONTEXT_STREAM = 1


def row_digests(X, Y, random_state):
    """One 16-byte digest per row of (X, Y), keyed by ``random_state``."""
    key = str(int(random_state)).encode()
    labels = np.where(np.isnan(Y), 2, Y).astype(np.int8)
    return [
        hashlib.blake2b(y.tobytes() + x, digest_size=16, key=key).digest()
        for x, y in zip(_row_bytes(X), labels)
    ]


def entry_uniforms(digests, n_tasks, stream):
    """Uniform [0, 1) numbers of shape (n_rows, n_tasks), each row seeded by its digest."""
    out = np.empty((len(digests), n_tasks))
    for i, digest in enumerate(digests):
        seed = np.random.SeedSequence(int.from_bytes(digest, "little"), spawn_key=(stream,))
        out[i] = np.random.default_rng(seed).random(n_tasks)
    return out


def rows_rng(digests):
    """A generator seeded by the *set* of rows: independent of their order."""
    digest = hashlib.blake2b(b"".join(sorted(digests)), digest_size=16).digest()
    return np.random.default_rng(int.from_bytes(digest, "little"))


def _row_bytes(X):
    if sp.issparse(X):
        return _sparse_row_bytes(X)
    X = X.to_numpy() if hasattr(X, "to_numpy") else np.asarray(X)
    X = X.reshape(len(X), -1)
    if X.dtype.kind in "biuf":
        return [row.tobytes() for row in np.ascontiguousarray(X)]
    return [b"\x1f".join(_element_bytes(value) for value in row) for row in X]


def _sparse_row_bytes(X):
    X = sp.csr_array(X, copy=True)
    X.sum_duplicates()
    X.eliminate_zeros()
    bounds = zip(X.indptr[:-1], X.indptr[1:])
    return [X.indices[a:b].tobytes() + X.data[a:b].tobytes() for a, b in bounds]


def _element_bytes(value):
    if isinstance(value, bytes):
        return value
    if value is None or isinstance(value, (str, numbers.Number)):
        return str(value).encode()
    raise TypeError(
        f"X holds {type(value).__name__!r} objects, whose content cannot be hashed the same "
        "way in every process to derive the label mask; pass SMILES strings or numeric "
        "features instead (e.g. put the featurizer in a Pipeline)"
    )
