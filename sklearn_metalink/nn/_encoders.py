"""Data-node encoders: a batch of X to one vector per row."""

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

    Examples
    --------
    >>> import torch
    >>> from sklearn_metalink.nn import MLPEncoder
    >>> MLPEncoder(2048, 256)(torch.rand(4, 2048)).shape
    torch.Size([4, 256])
    """

    def __init__(self, n_features, hidden, dropout=0.0):
        super().__init__()
        self.layers = nn.Sequential(nn.Dropout(dropout), nn.Linear(n_features, hidden), nn.PReLU())

    def forward(self, x):
        """x: (n, n_features) -> (n, hidden)."""
        return self.layers(x)
