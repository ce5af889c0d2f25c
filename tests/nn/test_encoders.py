import numpy as np
import pytest
import torch

from sklearn_metalink.estimators._inputs import FeatureMatrix
from sklearn_metalink.nn import MLPEncoder


def _rows(binary, seed=0):
    rng = np.random.RandomState(seed)
    X = (rng.rand(64, 40) < 0.1).astype(np.float32)
    if not binary:
        X[:, :5] = rng.normal(3.0, 2.0, size=(64, 5))
    return X


def _encoder(X, binary):
    torch.manual_seed(0)
    scaling = FeatureMatrix().scaling(X)
    assert (scaling is None) == binary
    return MLPEncoder(X.shape[1], 16, dropout=0.3, scaling=scaling)


@pytest.mark.parametrize("binary", [True, False], ids=["bits", "scaled_columns"])
def test_sparse_rows_give_the_dense_output_at_inference(binary):
    X = _rows(binary)
    encoder = _encoder(X, binary).eval()
    rows = np.arange(len(X))
    sparse = encoder(FeatureMatrix(sparse_batches=True).batch(X, rows))
    dense = encoder(FeatureMatrix().batch(X, rows))
    torch.testing.assert_close(sparse, dense, rtol=1e-5, atol=1e-6)


def test_sparse_rows_train_exactly_as_dense_rows():
    X = _rows(binary=True)
    encoder = _encoder(X, binary=True).train()
    rows = np.arange(len(X))
    torch.manual_seed(1)
    sparse = encoder(FeatureMatrix(sparse_batches=True).batch(X, rows))
    torch.manual_seed(1)
    dense = encoder(FeatureMatrix().batch(X, rows))
    torch.testing.assert_close(sparse, dense, rtol=0, atol=0)


def test_a_sparse_row_is_encoded_alone_as_in_a_batch():
    X = _rows(binary=True)
    encoder = _encoder(X, binary=True).eval()
    batch = FeatureMatrix(sparse_batches=True)
    together = encoder(batch.batch(X, np.arange(len(X))))
    alone = torch.cat([encoder(batch.batch(X, np.array([i]))) for i in range(len(X))])
    torch.testing.assert_close(alone, together, rtol=0, atol=0)


def test_scipy_and_dense_rows_make_the_same_csr_batch():
    import scipy.sparse as sp

    X = _rows(binary=False)
    rows = np.array([5, 0, 17, 3])
    batch = FeatureMatrix(sparse_batches=True)
    from_dense, from_csr = batch.batch(X, rows), batch.batch(sp.csr_matrix(X), rows)
    torch.testing.assert_close(from_dense.to_dense(), from_csr.to_dense(), rtol=0, atol=0)
    torch.testing.assert_close(from_dense.col_indices(), from_csr.col_indices())
