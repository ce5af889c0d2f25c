"""Fit and predict from a memory-mapped X without ever holding X whole in memory."""

import tracemalloc

import numpy as np
import pytest

from sklearn_metalink import MetaLinkClassifier

N_ROWS, N_BITS = 12_000, 2048


@pytest.fixture(scope="module")
def on_disk(tmp_path_factory):
    """A uint8 fingerprint file of 25 MB (98 MB as float32) and its labels."""
    path = tmp_path_factory.mktemp("memmap") / "X.u8"
    rng = np.random.RandomState(0)
    X = np.lib.format.open_memmap(path, mode="w+", dtype=np.uint8, shape=(N_ROWS, N_BITS))
    for start in range(0, N_ROWS, 4000):
        X[start:start + 4000] = rng.rand(4000, N_BITS) < 0.015
    X.flush()
    Y = (np.asarray(X[:, :3], dtype=float) + rng.rand(N_ROWS, 3) > 0.9).astype(float)
    Y[rng.rand(N_ROWS, 3) < 0.3] = np.nan
    return np.load(path, mmap_mode="r"), Y


def _peak_bytes(function):
    """Peak of the memory numpy and Python allocate while ``function`` runs."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_fit_from_a_memmap_reads_x_a_batch_at_a_time(on_disk):
    X, Y = on_disk
    model = MetaLinkClassifier(
        hidden=8, max_epochs=1, n_neighbors=0, batch_size=512, random_state=0
    )
    peak = _peak_bytes(lambda: model.fit(X, Y))
    # X is 25 MB on disk; a whole copy would be 25 MB (uint8) to 98 MB (float32).
    assert peak < 12e6, peak


def test_predict_from_a_memmap_reads_x_a_batch_at_a_time(on_disk):
    X, Y = on_disk
    model = MetaLinkClassifier(hidden=8, max_epochs=1, n_neighbors=0, random_state=0)
    model.fit(X[:2000], Y[:2000])
    peak = _peak_bytes(lambda: model.predict_proba(X))
    # The output (12,000 x 3 float64, 0.3 MB) and a 1,024-row batch at a time.
    assert peak < 12e6, peak


def test_a_memmap_and_the_array_in_memory_give_the_same_model(on_disk):
    X, Y = on_disk
    params = dict(hidden=8, max_epochs=2, random_state=0)
    from_disk = MetaLinkClassifier(**params).fit(X[:1500], Y[:1500]).predict_proba(X[1500:1800])
    in_memory = MetaLinkClassifier(**params).fit(np.array(X[:1500]), Y[:1500])
    np.testing.assert_array_equal(from_disk, in_memory.predict_proba(np.array(X[1500:1800])))


def _sparse_labels(n_rows, n_tasks, density, dtype, seed=0):
    """Fingerprint-like CSR X (3 of 64 bits on) and a label matrix with ``density`` known."""
    import scipy.sparse as sp

    rng = np.random.RandomState(seed)
    X = sp.csr_matrix((rng.rand(n_rows, 64) < 0.05).astype(np.float32))
    Y = np.full((n_rows, n_tasks), np.nan, dtype=dtype)
    known = rng.rand(n_rows, n_tasks) < density
    Y[known] = (rng.rand(known.sum()) < 0.3).astype(dtype)
    return X, Y


def test_fit_memory_does_not_grow_with_the_rows_of_a_float_label_matrix():
    # 20,000 x 1,000 labels, 2 % known, as float16: 40 MB. Fit used to copy them to float64
    # (160 MB) and keep a visibility mask of every cell (20 MB) for the validation rows; now
    # what it allocates beyond one batch is a few arrays of one number per row.
    X, Y = _sparse_labels(20_000, 1_000, 0.02, np.float16)
    model = MetaLinkClassifier(hidden=8, max_epochs=1, n_neighbors=0, batch_size=256,
                               random_state=0)
    few_rows = _peak_bytes(lambda: model.fit(X[:4000], Y[:4000]))
    all_rows = _peak_bytes(lambda: model.fit(X, Y))
    assert all_rows < few_rows + Y.nbytes / 8


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_a_label_matrix_in_a_smaller_float_gives_the_same_model(dtype):
    X, Y = _sparse_labels(600, 6, 0.5, np.float64)
    visible = np.where(np.random.RandomState(1).rand(100, 6) < 0.5, Y[500:], np.nan)

    def fit_predict(labels):
        model = MetaLinkClassifier(hidden=8, max_epochs=2, random_state=0).fit(X[:500], labels)
        return model.predict_proba(X[500:], visible)

    np.testing.assert_array_equal(fit_predict(Y[:500].astype(dtype)), fit_predict(Y[:500]))
