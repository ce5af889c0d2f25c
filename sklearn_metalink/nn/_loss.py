"""Binary cross-entropy restricted to the entries that are targets."""

import torch
import torch.nn.functional as F
from torch import nn


class MaskedBCEWithLogitsLoss(nn.Module):
    """Mean BCE over the non-NaN entries of the target; 0 when a batch has none.

    NaN marks both unknown labels and known labels shown to the model as context, so the
    loss only ever scores labels the model could not see.

    Examples
    --------
    >>> import torch
    >>> from sklearn_metalink.nn import MaskedBCEWithLogitsLoss
    >>> logits = torch.tensor([[0.0, 5.0], [0.0, -5.0]])
    >>> target = torch.tensor([[1.0, float("nan")], [0.0, float("nan")]])
    >>> round(MaskedBCEWithLogitsLoss()(logits, target).item(), 4)  # log 2: NaN entries skipped
    0.6931
    """

    def forward(self, logits, target):
        """logits, target: (n, n_tasks); target NaN where there is nothing to predict."""
        mask = ~torch.isnan(target)
        if not mask.any():
            # Keeps the graph connected so backward() works on a batch without targets.
            return logits.sum() * 0.0
        return F.binary_cross_entropy_with_logits(logits[mask], target[mask])
