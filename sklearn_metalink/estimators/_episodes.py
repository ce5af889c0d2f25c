"""Training batches: rows with part of their known labels visible as context, the others
targets; for MetaLink, episodes that add a support batch."""

import numpy as np
import torch

from ..utils._validation import row_blocks

# Fewest support labels a simulated new task keeps in a training episode.
_MIN_SHOTS = 8


def visibility_mask(Y, visible_ratio, rng, rows=None):
    """Which known entries of Y are shown as context: each with a per-row probability r.

    ``visible_ratio`` is a float r, or a ``(low, high)`` range from which each row draws r.
    With ``rows`` (sorted), only those rows' mask is returned, ``(len(rows), n_tasks)``,
    from the same draws as the whole mask.
    """
    low, high = (visible_ratio, visible_ratio) if np.isscalar(visible_ratio) else visible_ratio
    r = rng.uniform(low, high, size=(len(Y), 1))
    kept = np.arange(len(Y)) if rows is None else np.asarray(rows)
    # The uniform draws, a block of rows at a time: the same numbers as one draw of Y's
    # shape (the generator's stream runs on in the same order), without a float64 array
    # as large as Y.
    mask = np.empty((len(kept), Y.shape[1]), dtype=bool)
    for block in row_blocks(*Y.shape):
        start, stop = block.start, min(block.stop, len(Y))
        draws = rng.random((stop - start, Y.shape[1]))
        lo, hi = np.searchsorted(kept, [start, stop])
        here = kept[lo:hi]
        mask[lo:hi] = ~np.isnan(Y[here]) & (draws[here - start] < r[here])
    return mask


class FixedVisibility:
    """The visible labels of some rows (sorted), drawn once: ``self[rows]`` is their mask.

    Validation shows the same labels of a row in every epoch; only its rows' mask is
    kept (a tenth of Y's cells by default, not all of them).
    """

    def __init__(self, Y, visible_ratio, rng, rows):
        self.rows = np.asarray(rows)
        self.mask = visibility_mask(Y, visible_ratio, rng, self.rows)

    def __getitem__(self, rows):
        at = np.minimum(np.searchsorted(self.rows, rows), len(self.rows) - 1)
        if not np.array_equal(self.rows[at], rows):
            raise ValueError("a row without a fixed visibility mask was asked for")
        return self.mask[at]


class EpisodeCollate:
    """skorch ``collate_fn`` turning a batch of row indices into one MetaLink episode.

    The support batch is drawn from ``pool`` without the query rows, so a hidden label of
    a query row never reaches the task nodes through its own support edges. With
    ``valid`` (the sorted rows validation batches come from) the visible labels of those
    rows and the support are drawn once, so the validation loss is comparable across
    epochs; without it (training) they are drawn anew for every batch.

    With ``few_shot_tasks = p > 0`` (training only), each task plays a new task in a step
    with probability p: the support keeps only k of its known labels (k log-uniform between
    ``_MIN_SHOTS`` and the support size), its labels are swapped with probability 1/2, and
    they leave the label features of every row, as for a column unseen in training (the
    episode then carries ``y_features`` and ``new_tasks``, which keeps the label-pair term
    off those columns, as it is off a column added by ``with_support``).

    With ``neighbours``, a ``LabelNeighbours`` over the fit rows and the candidates of
    every fit row (other fit rows only), every row of the episode also carries the
    neighbour log-odds of its visible labels: the query rows' context, the support rows'
    labels, never a label hidden from the row or a simulated new task's.

    Call ``release()`` after training: the collate is stored in the skorch net and would
    otherwise carry the training data into every pickle.
    """

    def __init__(
        self, inputs, X, Y, pool, support_size, visible_ratio, rng, valid=None,
        few_shot_tasks=0.0, neighbours=None,
    ):
        self.inputs, self.X, self.Y, self.pool = inputs, X, Y, pool
        self.neighbours = neighbours
        self.support_size = support_size
        self.visible_ratio = visible_ratio
        self.rng = rng
        self.fixed = valid is not None
        self.few_shot_tasks = 0.0 if self.fixed else few_shot_tasks
        if self.fixed:
            self.visible = FixedVisibility(Y, visible_ratio, rng, valid)
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
        y_support = self.Y[support]
        x = {"x": self.inputs.batch(self.X, rows)}
        new = np.zeros(Y.shape[1], dtype=bool)
        if self.few_shot_tasks > 0:
            new = self.rng.random(Y.shape[1]) < self.few_shot_tasks
            Y, y_support = self._as_new_tasks(Y, y_support, new)
        y = np.concatenate([np.where(visible, Y, np.nan), y_support])
        x["y"] = torch.from_numpy(y.astype(np.float32))
        # The labels each row's label features and neighbours may use: not a new task's.
        y_features = np.where(new, np.nan, y) if new.any() else y
        if new.any():
            x["y_features"] = torch.from_numpy(y_features.astype(np.float32))
            # One row per batch row: skorch requires every input to have the batch's length.
            x["new_tasks"] = torch.from_numpy(np.broadcast_to(new, y.shape).copy())
        if self.neighbours is not None:
            neighbours, (index, sims) = self.neighbours
            log_odds = neighbours.log_odds((index[rows], sims[rows]), y_features)
            log_odds[:, new] = 0.0
            x["neighbours"] = torch.from_numpy(log_odds)
        x["is_support"] = torch.from_numpy(np.arange(len(rows)) >= len(query))
        return x, torch.from_numpy(np.where(visible, np.nan, Y).astype(np.float32))

    def _as_new_tasks(self, Y, y_support, new):
        """Columns that play new tasks: k random known support labels each, and with
        probability 1/2 the labels swapped (in the support, the context and the targets),
        so that a task vector must follow its support's labels."""
        flip = new & (self.rng.random(len(new)) < 0.5)
        Y, y_support = Y.copy(), y_support.copy()
        Y[:, flip], y_support[:, flip] = 1 - Y[:, flip], 1 - y_support[:, flip]
        high = max(_MIN_SHOTS, len(y_support))
        for task in np.flatnonzero(new):
            known = np.flatnonzero(~np.isnan(y_support[:, task]))
            k = int(np.exp(self.rng.uniform(np.log(_MIN_SHOTS), np.log(high))))
            if len(known) > k:
                y_support[self.rng.choice(known, len(known) - k, replace=False), task] = np.nan
        return Y, y_support

    def release(self):
        self.X = self.Y = self.pool = self.visible = self.support = self.neighbours = None


class LabelMaskingCollate:
    """skorch ``collate_fn``: rows of X with each known label visible with probability r.

    The visible labels are the rows' context ``y``, the other known labels the target.
    With ``valid`` (the sorted rows validation batches come from) their visible labels are
    drawn once, so the validation loss is comparable across epochs. Call ``release()``
    after training, so the training data does not travel with the pickled net.
    """

    def __init__(self, inputs, X, Y, visible_ratio, rng, valid=None):
        self.inputs, self.X, self.Y = inputs, X, Y
        self.visible_ratio = visible_ratio
        self.rng = rng
        self.visible = None if valid is None else FixedVisibility(Y, visible_ratio, rng, valid)

    def __call__(self, batch):
        rows = np.array([int(index) for index, _ in batch])
        Y = self.Y[rows]
        if self.visible is None:
            visible = visibility_mask(Y, self.visible_ratio, self.rng)
        else:
            visible = self.visible[rows]
        x = {
            "x": self.inputs.batch(self.X, rows),
            "y": torch.from_numpy(np.where(visible, Y, np.nan).astype(np.float32)),
        }
        return x, torch.from_numpy(np.where(visible, np.nan, Y).astype(np.float32))

    def release(self):
        self.X = self.Y = self.visible = None
