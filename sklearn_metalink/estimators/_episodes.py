"""Training episodes: a query batch with part of its labels visible, plus a support batch."""

import numpy as np
import torch


def visibility_mask(Y, visible_ratio, rng):
    """Which known entries of Y are shown as context: each with a per-row probability r.

    ``visible_ratio`` is a float r, or a ``(low, high)`` range from which each row draws r.
    """
    low, high = (visible_ratio, visible_ratio) if np.isscalar(visible_ratio) else visible_ratio
    r = rng.uniform(low, high, size=(len(Y), 1))
    return ~np.isnan(Y) & (rng.random(Y.shape) < r)


class EpisodeCollate:
    """skorch ``collate_fn`` turning a batch of row indices into one MetaLink episode.

    The support batch is drawn from ``pool`` without the query rows, so a hidden label of
    a query row never reaches the task nodes through its own support edges. With
    ``fixed=True`` (validation) the visible labels and the support are drawn once, so the
    validation loss is comparable across epochs.

    Call ``release()`` after training: the collate is stored in the skorch net and would
    otherwise carry the training data into every pickle.
    """

    def __init__(self, inputs, X, Y, pool, support_size, visible_ratio, rng, fixed=False):
        self.inputs, self.X, self.Y, self.pool = inputs, X, Y, pool
        self.support_size = support_size
        self.visible_ratio = visible_ratio
        self.rng = rng
        self.fixed = fixed
        if fixed:
            self.visible = visibility_mask(Y, visible_ratio, rng)
            self.support = self._draw_support(np.empty(0, dtype=np.intp))

    def _draw_support(self, query):
        size = min(self.support_size + len(query), len(self.pool))
        candidates = self.rng.choice(self.pool, size=size, replace=False)
        return np.sort(candidates[~np.isin(candidates, query)][: self.support_size])

    def __call__(self, batch):
        query = np.array([int(index) for index, _ in batch])
        Y = self.Y[query]
        if self.fixed:
            visible, support = self.visible[query], self.support[~np.isin(self.support, query)]
        else:
            visible, support = visibility_mask(Y, self.visible_ratio, self.rng), self._draw_support(query)
        rows = np.concatenate([query, support])
        y = np.concatenate([np.where(visible, Y, np.nan), self.Y[support]])
        x = {
            "x": self.inputs.batch(self.X, rows),
            "y": torch.from_numpy(y.astype(np.float32)),
            "is_support": torch.from_numpy(np.arange(len(rows)) >= len(query)),
        }
        return x, torch.from_numpy(np.where(visible, np.nan, Y).astype(np.float32))

    def release(self):
        self.X = self.Y = self.pool = self.visible = self.support = None
