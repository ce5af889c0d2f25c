"""Data-node encoders: a batch of X to one vector per row."""

import torch
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
        """x: (n, n_features) -> (n, hidden)."""
        return self.layers((x - self.offset) / self.scale)
