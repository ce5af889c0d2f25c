"""How X reaches an encoder: validation at the estimator boundary, then batches of rows.

Each encoder family has an input kind; the estimator only calls ``validate`` (once, at
the boundary), ``width`` and ``batch``.
"""

import numpy as np
import scipy.sparse as sp
import torch
from sklearn.utils.validation import validate_data


class FeatureMatrix:
    """Numeric X, dense or scipy-sparse (fingerprints, descriptors), as float32 rows."""

    def validate(self, estimator, X, reset):
        X = validate_data(
            estimator, X, reset=reset, accept_sparse="csr", dtype=(np.float32, np.float64)
        )
        return X.astype(np.float32, copy=False)

    def width(self, X):
        return X.shape[1]

    def batch(self, X, rows):
        """Rows of X as one dense tensor; sparse X is densified one batch at a time."""
        part = X[rows]
        return torch.from_numpy(part.toarray() if sp.issparse(part) else np.ascontiguousarray(part))
