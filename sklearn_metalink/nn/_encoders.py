"""Data-node encoders: a batch of X to one vector per row."""

import torch
import torch.nn.functional as F
from torch import nn


class MLPEncoder(nn.Module):
    """Dense or one-hot-like features (fingerprints, descriptors) to ``hidden`` dimensions.

    Parameters
    ----------
    n_features : int
        Width of X.
    hidden : int
        Output width.
    dropout : float
        Dropout on the input features, a cheap regulariser for sparse fingerprints.
    scaling : (offset, scale) of arrays of shape (n_features,), optional
        Fixed standardisation ``(x - offset) / scale`` of the input columns, kept as buffers
        so that it travels with the weights.

    Examples
    --------
    >>> import torch
    >>> from sklearn_metalink.nn import MLPEncoder
    >>> MLPEncoder(2048, 256)(torch.rand(4, 2048)).shape
    torch.Size([4, 256])
    """

    def __init__(self, n_features, hidden, dropout=0.0, scaling=None):
        super().__init__()
        offset, scale = (0.0, 1.0) if scaling is None else scaling
        self.register_buffer("offset", torch.as_tensor(offset, dtype=torch.float32).expand(n_features).clone())
        self.register_buffer("scale", torch.as_tensor(scale, dtype=torch.float32).expand(n_features).clone())
        self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(n_features, hidden), nn.PReLU())

    def forward(self, x):
        """x: (n, n_features), dense or a sparse CSR tensor -> (n, hidden)."""
        if x.layout == torch.sparse_csr:
            if not self.training:
                return self.layers[2](self._sparse_linear(x))
            # Dropout draws one mask over every feature, as for dense x: training is the
            # same whichever layout the batch has.
            x = x.to_dense()
        return self.layers((x - self.offset) / self.scale)

    def _sparse_linear(self, x):
        """The first layer on the non-zero entries of x only: a fingerprint row has ~30-50
        of 2,048 bits on, so this sums ~40x fewer weight columns than the dense product
        (the order of the sums differs, so outputs move by float rounding, ~1e-7)."""
        linear = self.layers[1]
        # (x - offset) / scale = x / scale - offset / scale: the second term is a constant.
        shift = linear.bias - linear.weight @ (self.offset / self.scale)
        columns = x.col_indices()
        return F.embedding_bag(
            columns, linear.weight.T.contiguous(), x.crow_indices()[:-1], mode="sum",
            per_sample_weights=x.values() / self.scale[columns],
        ) + shift
