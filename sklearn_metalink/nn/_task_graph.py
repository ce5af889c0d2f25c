"""Graph multi-task learning (Liu, Fu, Dong, Qiu, Cheung, AAAI 2019) over fixed-length inputs.

Every task keeps its own state for a row; rounds of message passing among the task states
of that row replace the paper's LSTM time steps. Two communication graphs:

* complete: each task attends, with input-dependent weights, to every other task;
* star: a virtual "mailbox" node reads all tasks, and every task reads the mailbox.

Both act on the states of one row at a time (rows are the batch dimension of the
attention), so a row's output never depends on the other rows of the batch.
"""

import torch
from torch import nn


# Added to the attention score of a task to itself. Finite rather than -inf: a model with a
# single task then attends to itself instead of producing NaN; with more tasks the weight
# underflows to exactly 0.
_NO_SELF_LOOP = -1e9


class GatedUpdate(nn.Module):
    r"""Gated state update of a node from the message it receives.

    .. math::
        g = \sigma(G_s s + G_m m + b_g), \quad
        s' = (1 - g) \odot s + g \odot \tanh(W_s s + W_m m + b_w)

    so states stay in [-1, 1] when they start there. ``m`` broadcasts against ``s``: the
    star graph sends one mailbox message ``(n, 1, dim)`` to all ``(n, T, dim)`` task states
    and pays its projection once per row.

    Parameters
    ----------
    dim : int
        Size of the states and of the messages.

    Examples
    --------
    >>> import torch
    >>> from sklearn_metalink.nn import GatedUpdate
    >>> update = GatedUpdate(8)
    >>> state, mailbox = torch.rand(2, 5, 8), torch.rand(2, 1, 8)  # 5 tasks read one mailbox
    >>> new_state, gate = update(state, mailbox)
    >>> new_state.shape, bool(((gate > 0) & (gate < 1)).all())
    (torch.Size([2, 5, 8]), True)
    """

    def __init__(self, dim):
        super().__init__()
        self.dim = dim
        self.from_state = nn.Linear(dim, 2 * dim)
        self.from_message = nn.Linear(dim, 2 * dim, bias=False)

    def forward(self, state, message):
        """state: (..., dim), message broadcastable to it -> new state, gate (same shape)."""
        gate, candidate = (self.from_state(state) + self.from_message(message)).chunk(2, dim=-1)
        gate = torch.sigmoid(gate)
        return torch.lerp(state, torch.tanh(candidate), gate), gate

    def __repr__(self):
        return f"{self.__class__.__name__}({self.dim})"


class CompleteGraphRound(nn.Module):
    """One round on the complete task graph: every task attends to all the others.

    The attention weights depend on the current states, hence on the row's features and
    known labels: the paper's input-dependent edge weights.

    Parameters
    ----------
    dim : int
        Size of the task states.
    n_heads : int
        Attention heads; ``dim`` must be divisible by it.

    Examples
    --------
    >>> import torch
    >>> from sklearn_metalink.nn import CompleteGraphRound
    >>> states, relations = CompleteGraphRound(8, n_heads=1)(torch.rand(2, 4, 8),
    ...                                                        need_weights=True)
    >>> states.shape, relations.shape  # 2 rows, 4 tasks
    (torch.Size([2, 4, 8]), torch.Size([2, 4, 4]))
    >>> torch.allclose(relations.sum(1), torch.ones(2, 4))  # what each task reads sums to 1
    True
    """

    def __init__(self, dim, n_heads):
        super().__init__()
        self.attention = nn.MultiheadAttention(dim, n_heads, batch_first=True)
        self.update = GatedUpdate(dim)

    def forward(self, states, need_weights=False):
        """states: (n, T, dim) -> new states (n, T, dim) and, with ``need_weights``, the
        relations (n, T, T): ``[i, s, t]`` = weight with which task t read task s."""
        n_tasks = states.shape[1]
        no_self = torch.zeros(n_tasks, n_tasks, dtype=states.dtype, device=states.device)
        no_self.fill_diagonal_(_NO_SELF_LOOP)
        message, weights = self.attention(
            states, states, states, attn_mask=no_self, need_weights=need_weights
        )
        states, _ = self.update(states, message)
        return states, weights.transpose(1, 2) if need_weights else None


class StarGraphRound(nn.Module):
    """One round on the star task graph: the mailbox reads every task, every task reads it.

    The mailbox is the last of the ``T + 1`` states. It attends over the task states with
    its own state as the query (``O(T)`` per round instead of the complete graph's
    ``O(T^2)``), updates itself, and each task takes the new mailbox in through its own gate.

    Parameters
    ----------
    dim : int
        Size of the task and mailbox states.
    n_heads : int
        Attention heads of the mailbox read; ``dim`` must be divisible by it.

    Examples
    --------
    >>> import torch
    >>> from sklearn_metalink.nn import StarGraphRound
    >>> states = torch.rand(2, 4 + 1, 8)  # 4 tasks, then the mailbox
    >>> new_states, relations = StarGraphRound(8, n_heads=2)(states, need_weights=True)
    >>> new_states.shape, relations.shape
    (torch.Size([2, 5, 8]), torch.Size([2, 4, 4]))
    """

    def __init__(self, dim, n_heads):
        super().__init__()
        self.read = nn.MultiheadAttention(dim, n_heads, batch_first=True)
        self.mailbox_update = GatedUpdate(dim)
        self.task_update = GatedUpdate(dim)

    def forward(self, states, need_weights=False):
        """states: (n, T + 1, dim), mailbox last -> new states and, with ``need_weights``,
        the relations (n, T, T): ``[i, s, t]`` = mailbox read weight of task s times the mean
        gate through which task t took in the mailbox."""
        tasks, mailbox = states[:, :-1], states[:, -1:]
        # Weights are always computed: that path is explicit matrix products and a softmax,
        # the same whatever the thread count, while the fused attention kernel, taken
        # without weights or mask, split its sums by threads (outputs moved by ~3e-8).
        read, weights = self.read(mailbox, tasks, tasks, need_weights=True)
        mailbox, _ = self.mailbox_update(mailbox, read)
        tasks, gate = self.task_update(tasks, mailbox)
        states = torch.cat([tasks, mailbox], dim=1)
        if not need_weights:
            return states, None
        return states, weights[:, 0, :, None] * gate.mean(-1)[:, None, :]


class TaskGraphModule(nn.Module):
    """Task states of a row exchanging messages over a task graph, one logit per task.

    * A shared encoder maps x to ``h``.
    * Task t starts from ``tanh(P h + e_t + l_t[y_t])``: the encoding, a learned task
      embedding, and a learned per-task embedding of its known label (negative, positive;
      nothing when unknown). Known labels of the row thus enter the graph as states.
    * ``n_rounds`` rounds of :class:`CompleteGraphRound` or :class:`StarGraphRound`, each
      with its own weights. The star's mailbox starts from ``tanh(M h)``.
    * Per-task heads read the shared encoding and the task's final state:
      ``logit_t = v_t · h + w_t · s_t + b_t``.

    Parameters
    ----------
    encoder : torch.nn.Module
        Maps a batch ``x`` to ``(n, hidden)``.
    n_tasks : int
        Number of tasks (columns of Y).
    hidden : int
        Width of the encoder output.
    task_hidden : int
        Width of each task state.
    n_rounds : int
        Rounds of message passing among the task states.
    n_heads : int
        Attention heads; ``task_hidden`` must be divisible by it.
    graph : {"complete", "star"}
        Communication graph among the tasks.
    dropout : float
        Dropout on the shared encoding.

    Examples
    --------
    >>> import torch
    >>> from sklearn_metalink.nn import MLPEncoder, TaskGraphModule
    >>> module = TaskGraphModule(MLPEncoder(6, 16), n_tasks=3, hidden=16, task_hidden=8,
    ...                          graph="star")
    >>> y = torch.tensor([[1.0, float("nan"), 0.0], [float("nan")] * 3])
    >>> module(torch.rand(2, 6), y).shape
    torch.Size([2, 3])
    >>> module.task_relations(torch.rand(2, 6), y).shape
    torch.Size([2, 3, 3])
    """

    def __init__(
        self, encoder, n_tasks, hidden=256, task_hidden=64, n_rounds=2, n_heads=1,
        graph="complete", dropout=0.0,
    ):
        super().__init__()
        rounds = {"complete": CompleteGraphRound, "star": StarGraphRound}
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.to_state = nn.Linear(hidden, task_hidden)
        self.task_embedding = nn.Parameter(torch.randn(n_tasks, task_hidden) * task_hidden**-0.5)
        # [0] for a known negative, [1] for a known positive. Unit scale, larger than the
        # other embeddings: a known label must stand out of its task's state for messages
        # to carry it (with scale task_hidden**-0.5, half the labels known as context gained
        # 3 points less ROC-AUC on a Tox21 scaffold split).
        self.label_embedding = nn.Parameter(torch.randn(2, n_tasks, task_hidden))
        self.mailbox_init = nn.Linear(hidden, task_hidden) if graph == "star" else None
        self.rounds = nn.ModuleList(rounds[graph](task_hidden, n_heads) for _ in range(n_rounds))
        self.head_shared = nn.Linear(hidden, n_tasks)
        self.head_state = nn.Parameter(torch.randn(n_tasks, task_hidden) * task_hidden**-0.5)

    def initial_states(self, h, y):
        """h: (n, hidden), y: (n, T) of 1/0/NaN -> (n, T, task_hidden), plus the mailbox
        as state T for the star graph."""
        known = torch.stack([y == 0, y == 1], dim=-1).to(h.dtype)  # (n, T, 2)
        labels = torch.einsum("ntk,ktd->ntd", known, self.label_embedding)
        states = torch.tanh(self.to_state(h).unsqueeze(1) + self.task_embedding + labels)
        if self.mailbox_init is None:
            return states
        return torch.cat([states, torch.tanh(self.mailbox_init(h)).unsqueeze(1)], dim=1)

    def _propagate(self, x, y, need_weights):
        h = self.dropout(self.encoder(x))
        states = self.initial_states(h, y)
        relations = []
        for round_ in self.rounds:
            states, weights = round_(states, need_weights=need_weights)
            relations.append(weights)
        n_tasks = y.shape[1]
        logits = self.head_shared(h) + torch.einsum(
            "ntd,td->nt", states[:, :n_tasks], self.head_state
        )
        return logits, relations

    def forward(self, x, y):
        """x: (n, ...) rows, y: (n, T) their known labels, NaN where unknown -> logits (n, T)."""
        return self._propagate(x, y, need_weights=False)[0]

    @torch.no_grad()
    def task_relations(self, x, y):
        """Per-row relations (n, T, T) averaged over rounds and heads: ``[i, s, t]`` is how
        much task t read from task s in row i (see the round classes)."""
        _, relations = self._propagate(x, y, need_weights=True)
        return torch.stack(relations).mean(0)

