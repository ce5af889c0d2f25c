"""Binary cross-entropy restricted to the entries that are targets."""

import torch
import torch.nn.functional as F
from torch import nn


class MaskedBCEWithLogitsLoss(nn.Module):
    """Mean BCE over the non-NaN entries of the target; 0 when a batch has none.

    NaN marks both unknown labels and known labels shown to the model as context, so the
    loss only ever scores labels the model could not see.

    Parameters
    ----------
    pos_weight : array-like of shape (n_tasks,), optional
        Weight of the positive targets of each task, for imbalanced assays (the loss of a
        positive of task t is multiplied by ``pos_weight[t]``); None weighs all targets 1.

    Examples
    --------
    >>> import torch
    >>> from sklearn_metalink.nn import MaskedBCEWithLogitsLoss
    >>> logits = torch.tensor([[0.0, 5.0], [0.0, -5.0]])
    >>> target = torch.tensor([[1.0, float("nan")], [0.0, float("nan")]])
    >>> round(MaskedBCEWithLogitsLoss()(logits, target).item(), 4)  # log 2: NaN entries skipped
    0.6931
    >>> weighted = MaskedBCEWithLogitsLoss(pos_weight=[3.0, 1.0])
    >>> round(weighted(torch.zeros(1, 2), torch.tensor([[1.0, float("nan")]])).item(), 4)  # 3 log 2
    2.0794
    """

    def __init__(self, pos_weight=None):
        super().__init__()
        if pos_weight is not None:
            pos_weight = torch.as_tensor(pos_weight, dtype=torch.float32)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, logits, target):
        """logits, target: (n, n_tasks); target NaN where there is nothing to predict."""
        mask = ~torch.isnan(target)
        if not mask.any():
            # Keeps the graph connected so backward() works on a batch without targets.
            return logits.sum() * 0.0
        weight = None if self.pos_weight is None else self.pos_weight.expand_as(target)[mask]
        return F.binary_cross_entropy_with_logits(logits[mask], target[mask], pos_weight=weight)
