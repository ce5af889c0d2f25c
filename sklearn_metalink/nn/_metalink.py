"""MetaLink as a torch module: data nodes, task nodes and known labels as edges."""

import torch
import torch.nn.functional as F
from torch import nn

from ._label_conv import GatedLabelConv, label_edges


# Weight of the neighbour estimate in the log-odds of a prediction, for a row without and
# with known labels. On the validation splits of Tox21, SIDER and yeast (seeds 0-1) and
# ToxCast (seed 0), blending 0.25 moved every protocol by -0.1 to +1.3 points; for rows with
# nothing known, 0.5 gained 0.5 to 0.9 more (the network is trained with half of a row's
# labels visible, the neighbours need no training), while with context it cost up to 0.6.
NEIGHBOUR_BLEND = (0.5, 0.25)


class MetaLinkModule(nn.Module):
    """Predicts unknown labels as links between data nodes and task nodes.

    Differences from the released MetaLink code, each for a reason:

    * Task nodes receive messages from the *support* rows only; query rows only receive.
      So a query row's prediction depends on its own features and known labels and on the
      support, never on the other query rows (row independence).
    * With ``label_features=True`` a row's known labels also enter its data node directly,
      as positive/negative indicators fused with the encoder output; measured on Tox21 this
      carries more than the label messages alone (ablations in docs/benchmarks.md).
    * The support's task states are computed once after training (``store_support``) and
      kept as a buffer, so inference needs no training data and is deterministic.
    * With ``task_nodes="shared"`` (the paper's meta mode) every task node starts from one
      shared learned vector and all tasks share one bias, so a column the module never saw
      gets its state from its labelled support rows alone. Label features then cover only
      the columns that the buffer ``feature_index`` maps to a training task.
    * With ``neighbours=True`` each row also brings data-to-data relations: the log-odds of
      a label-agreement k-nearest-neighbour estimate of every training task (computed by
      the estimator from the row's most similar training rows and its visible labels). It
      is fused into the data node and added to each task's logit with a learned per-task
      weight. At inference the logits are then averaged with the estimate itself (see
      ``NEIGHBOUR_BLEND``): the learned weight is fitted on training rows, where the network
      is at its best, so it trusts the neighbours less than held-out rows deserve.
    * With ``label_pairs=True`` each known label of a row on a training task also adds a
      learned weight to the logit of every other task (``pair_logits``): the direct
      label-to-label relation a forest with the labels as features finds, which the mean
      messages through the task nodes blur when there are hundreds of tasks.

    Parameters
    ----------
    encoder : torch.nn.Module
        Maps a batch ``x`` to ``(n, hidden)``.
    n_tasks : int
        Number of task nodes (columns of Y).
    hidden : int
        Width of every node state.
    n_layers : int
        Rounds of message passing.
    label_features : bool
        Whether known labels of a row are also fused into its initial data node.
    dropout : float
        Dropout after the fusion of features and labels.
    task_nodes : {"learned", "shared"}
        One learned initial vector and bias per task (transductive), or one shared by all
        tasks (inductive: any column, seen in training or not, can be predicted from a
        support).
    neighbours : bool
        Whether ``forward`` takes the neighbour log-odds of the training tasks.
    label_pairs : bool
        Whether a learned (n_tasks, n_tasks) weight maps a row's known labels to logits.

    Examples
    --------
    A training step marks the support rows; after training, the task states of a support
    set are stored and a prediction needs only the query rows and their known labels.

    >>> import torch
    >>> from sklearn_metalink.nn import MetaLinkModule, MLPEncoder
    >>> module = MetaLinkModule(MLPEncoder(8, 16), n_tasks=3, hidden=16)
    >>> nan = float("nan")
    >>> x = torch.rand(4, 8)
    >>> y = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, nan], [1.0, nan, nan], [nan] * 3])
    >>> is_support = torch.tensor([True, True, False, False])
    >>> module(x, y, is_support=is_support).shape  # logits of the two query rows
    torch.Size([2, 3])
    >>> module.eval().store_support([(x[:2], y[:2], None)])
    >>> module(x[2:], y[2:]).shape
    torch.Size([2, 3])
    """

    def __init__(
        self, encoder, n_tasks, hidden=256, n_layers=2, label_features=True, dropout=0.0,
        task_nodes="learned", neighbours=False, label_pairs=False,
    ):
        super().__init__()
        self.encoder = encoder
        self.n_tasks = n_tasks
        self.label_features = label_features
        self.task_nodes = task_nodes
        self.neighbours = neighbours
        fuse_in = hidden + (2 * n_tasks if label_features else 0) + (n_tasks if neighbours else 0)
        self.fuse = nn.Sequential(nn.Linear(fuse_in, hidden), nn.PReLU(), nn.Dropout(dropout))
        n_init = n_tasks if task_nodes == "learned" else 1
        self.task_embedding = nn.Parameter(torch.randn(n_init, hidden) * hidden**-0.5)
        self.task_bias = nn.Parameter(torch.zeros(n_init))
        per_label = task_nodes == "shared"
        self.to_tasks = nn.ModuleList(GatedLabelConv(hidden, per_label) for _ in range(n_layers))
        self.to_data = nn.ModuleList(GatedLabelConv(hidden, per_label) for _ in range(n_layers))
        # Starts at 0: the neighbour term enters the logits only as far as training asks.
        self.neighbour_weight = nn.Parameter(torch.zeros(n_tasks)) if neighbours else None
        # Also starts at 0: entry (s, t) is what a known label of task s says about task t.
        self.label_pair_weight = (
            nn.Parameter(torch.zeros(n_tasks, n_tasks)) if label_pairs else None
        )
        self.task_act = nn.ModuleList(nn.PReLU() for _ in range(n_layers))
        self.data_act = nn.ModuleList(nn.PReLU() for _ in range(n_layers))
        # (n_support_sets, n_layers + 1, n_columns, hidden), filled by store_support, and
        # the training task whose label features each column fills (-1: none).
        self.register_buffer("stored_task_states", torch.zeros(0, n_layers + 1, n_tasks, hidden))
        self.register_buffer("feature_index", torch.arange(n_tasks))

    def embed(self, x, y_features, neighbours=None):
        """Initial data nodes: x (n, ...), the labels y_features (n, n_tasks) of the
        training tasks, 1/0/NaN, and their neighbour log-odds (n, n_tasks) -> (n, hidden)."""
        h = self.encoder(x)
        if self.label_features:
            h = torch.cat([h, (y_features == 1).to(h.dtype), (y_features == 0).to(h.dtype)], dim=1)
        if self.neighbours:
            h = torch.cat([h, neighbours], dim=1)
        return F.normalize(self.fuse(h), dim=1)

    def by_column(self, per_task):
        """Values of the training tasks (n, n_tasks) laid out by column (n, n_columns), as
        ``feature_index`` maps them; 0 for a column that is no training task."""
        mapped = self.feature_index >= 0
        out = per_task.new_zeros((len(per_task), len(self.feature_index)))
        out[:, mapped] = per_task[:, self.feature_index[mapped]]
        return out

    def neighbour_logits(self, neighbours):
        """The neighbour term of each column's logit: (n, n_columns)."""
        return self.by_column(neighbours * self.neighbour_weight)

    def pair_logits(self, y_features):
        """The label-pair term of each column's logit, (n, n_columns): the sum over a row's
        known training-task labels (+1 positive, -1 negative) of their learned weight."""
        weight = self.label_pair_weight
        codes = (y_features == 1).to(weight.dtype) - (y_features == 0).to(weight.dtype)
        return self.by_column(codes @ weight)

    def label_features_of(self, y, feature_index=None):
        """The labels of y (n, n_columns) as training-task columns (n, n_tasks): column c
        fills training task ``feature_index[c]`` (by default the module's buffer); -1 and
        missing tasks are unknown."""
        feature_index = self.feature_index if feature_index is None else feature_index
        out = y.new_full((len(y), self.n_tasks), float("nan"))
        mapped = feature_index >= 0
        out[:, feature_index[mapped]] = y[:, mapped]
        return out

    def task_states(self, h, y, fixed=None):
        """Task-node states after every layer, from support data nodes h (n, hidden) and their
        labels y (n, n_tasks): (n_layers + 1, n_tasks, hidden).

        ``fixed`` (n_layers + 1, n_fixed, hidden) gives the states of the first n_fixed
        columns instead (stored states of training tasks, when a support adds new ones).
        """
        to_data, to_tasks = label_edges(y)

        def keep_fixed(states, layer):
            return states if fixed is None else torch.cat([fixed[layer], states[len(fixed[0]):]])

        tasks = [keep_fixed(self.task_embedding.expand(y.shape[1], -1), 0)]
        for layer, conv in enumerate(self.to_tasks):
            t = tasks[-1]
            tasks.append(keep_fixed(t + self.task_act[layer](conv(h, t, to_tasks)), layer + 1))
            h = h + self.data_act[layer](self.to_data[layer](t, h, to_data))
        return torch.stack(tasks)

    def query_logits(self, h, y_visible, tasks):
        """Logit(i, t) = sum over layers of <h_i, h_t>: h (n, hidden), tasks from task_states."""
        to_data, _ = label_edges(y_visible)
        logits = h @ tasks[0].T
        for layer, conv in enumerate(self.to_data):
            h = h + self.data_act[layer](conv(tasks[layer], h, to_data))
            logits = logits + h @ tasks[layer + 1].T
        return logits + self.task_bias  # (n_tasks,) or the shared (1,)

    @torch.no_grad()
    def store_support(self, support_sets, feature_index=None, fixed=None):
        """Keep the task states of each ``(x, y)`` support set for inference.

        A support whose columns are not the training tasks passes ``feature_index`` (see
        ``label_features_of``) and, for columns that keep their stored states, ``fixed``.
        """
        if feature_index is not None:
            self.feature_index = feature_index
        self.stored_task_states = torch.stack(
            [self.task_states(self.embed(x, self.label_features_of(y), neighbours), y, fixed)
             for x, y, neighbours in support_sets]
        )

    def support_feature_index(self, n_new, keep_columns=False):
        """``feature_index`` of a support whose columns are ``n_new`` new tasks, after the
        module's current columns if ``keep_columns`` (which keep their label features)."""
        new = self.feature_index.new_full((n_new,), -1)
        return torch.cat([self.feature_index, new]) if keep_columns else new

    @torch.no_grad()
    def bind_support(self, x, y, neighbours=None, *, feature_index, keep_columns=False):
        """Predict the columns of one support from now on, with no gradient step.

        x, y (n_support, n_columns), neighbours: the support rows as in ``store_support``;
        ``feature_index`` from ``support_feature_index``. With ``keep_columns`` the
        module's current columns come first and keep their stored task states.
        """
        fixed = self.stored_task_states.mean(0) if keep_columns else None
        self.store_support([(x, y, neighbours)], feature_index, fixed)

    def forward(self, x, y, is_support=None, y_features=None, neighbours=None, new_tasks=None):
        """Logits (n_query, n_tasks) for the query rows of a batch.

        x : (n, ...) rows; y : (n, n_tasks) their labels, NaN where unknown or hidden.
        is_support : (n,) bool, optional. Training episodes mark support rows, which send
        their labels to the task nodes; the other rows are queries, which only receive. Rows
        and their logits stay in order. Without it, every row is a query and the logits
        are averaged over the stored support sets.
        y_features : (n, n_tasks), optional. The labels that enter the label features, by
        default those of y mapped by ``feature_index``; training episodes remove the tasks
        that play new tasks in the step.
        neighbours : (n, n_tasks), optional. Neighbour log-odds of the training tasks;
        required when the module was built with ``neighbours=True``.
        new_tasks : (n, n_tasks) bool, optional. Training tasks that play new tasks in the
        step (the same in every row): like a column added to a bound model, they get no
        label-pair term.
        """
        if y_features is None:
            y_features = self.label_features_of(y)
        h = self.embed(x, y_features, neighbours)
        if is_support is not None:
            query = ~is_support
            tasks = self.task_states(h[is_support], y[is_support])
            logits = self.query_logits(h[query], y[query], tasks)
            return self.direct_terms(logits, y_features[query], neighbours, query, new_tasks)
        if len(self.stored_task_states) == 0:
            raise RuntimeError("no support stored: call store_support after training")
        logits = torch.stack(
            [self.query_logits(h, y, tasks) for tasks in self.stored_task_states]
        ).mean(0)
        logits = self.direct_terms(logits, y_features, neighbours)
        return self.blend(logits, y, neighbours) if self.neighbours else logits

    def direct_terms(self, logits, y_features, neighbours, rows=slice(None), new_tasks=None):
        """Logits plus the terms that bypass message passing: the label pairs (not for
        ``new_tasks``) and the neighbour estimate, for these rows of the batch."""
        if self.label_pair_weight is not None:
            pairs = self.pair_logits(y_features)
            if new_tasks is not None:
                pairs = pairs.masked_fill(new_tasks[rows], 0.0)
            logits = logits + pairs
        if self.neighbours:
            logits = logits + self.neighbour_logits(neighbours[rows])
        return logits

    def blend(self, logits, y, neighbours):
        """Inference logits (n, n_columns) averaged with the neighbour log-odds of the
        columns that are training tasks, by ``NEIGHBOUR_BLEND`` of each row's context."""
        without, with_context = NEIGHBOUR_BLEND
        has_context = (~torch.isnan(y)).any(dim=1, keepdim=True)
        weight = torch.where(has_context, with_context, without).to(logits.dtype)
        mapped = self.feature_index >= 0
        estimate = torch.where(mapped, self.by_column(neighbours), logits)
        return (1 - weight) * logits + weight * estimate

