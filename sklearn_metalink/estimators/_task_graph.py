"""TaskGraphClassifier: graph multi-task learning over complete or star task graphs."""

import copy
import numbers

import numpy as np
import torch
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..nn import MaskedBCEWithLogitsLoss, MLPEncoder, TaskGraphModule
from ..utils._validation import check_visible_ratio, label_counts
from ._base import _RelationalNetClassifier
from ._episodes import LabelMaskingCollate, visibility_mask
from ._inputs import FeatureMatrix

# Floats in one (rows, T, T) relation tensor when averaging the relations after fit: 16 MB
# keeps that pass below the memory of a training step (at T=617, 64 rows took 590 MB).
_RELATION_FLOATS = 1 << 22


class TaskGraphClassifier(_RelationalNetClassifier):
    """Graph multi-task learning (Liu, Fu, Dong, Qiu, Cheung, AAAI 2019), relational.

    Every task keeps its own state for a row. The states start from a shared encoding of
    the row's features, a learned task embedding and, for the labels already known for
    the row, a learned per-task embedding of that label (negative or positive). They then
    exchange messages for ``n_rounds`` rounds over a task graph whose edge weights depend
    on the row, and per-task heads read each task's final state and the shared encoding.

    * ``graph="complete"``: each task attends to every other task and takes the
      attention-weighted message in through a gated update. ``O(T^2)`` per row and round.
    * ``graph="star"``: a virtual mailbox node attends over all task states, updates its
      own state, and every task reads the mailbox through its own gate. ``O(T)``.

    The paper ran LSTMs over text, with rounds as time steps and no label context. Here
    rounds follow an encoder of fixed-length X, and known labels enter as task states
    (trained with random label masking, as :class:`MetaLinkClassifier`), so
    ``predict_proba(X, Y=known)`` uses them. ``visible_ratio=0`` trains the paper's model,
    which ignores context.

    Parameters
    ----------
    graph : {"complete", "star"}, default="complete"
        Communication graph among the task states of a row.
    hidden : int, default=256
        Width of the shared encoding of X.
    task_hidden : int, default=64
        Width of each task state (and of the mailbox). On SIDER with half the labels
        known, 64 beat 32 by 5 ROC-AUC points on a validation split (both graphs).
    n_rounds : int, default=2
        Rounds of message passing among the task states.
    n_heads : int or "auto", default="auto"
        Attention heads; ``task_hidden`` must be divisible by it. "auto" is 1 for the
        complete graph, whose CPU attention kernel slows down sharply with small heads
        (at T=617, 4 heads of 8 took 4 times as long as 1 head of 32), and 4 for the
        star, whose single mailbox then reads several tasks at once (with 1 head it
        learned to read one task per round).
    dropout : float, default=0.3
        Dropout on the input features and on the shared encoding. On a Tox21 validation
        split 0.3 beat 0.1 by 0.5 ROC-AUC points without context and 3 with half the
        labels known.
    visible_ratio : float or (float, float), default=0.5
        Probability that a known label of a training row is shown as context; the others
        are the targets. A range ``(low, high)`` draws it per row.
    pos_weight : "balanced", array-like of shape (n_tasks,) or None, default=None
        Weight of the positive labels of each task in the loss, for imbalanced assays.
        "balanced" uses negatives / positives among the known training labels of the task
        (1 for a task without both classes).
    encoder : "mlp" or torch.nn.Module, default="mlp"
        Maps a batch of X (float tensor ``(n, n_features)``) to ``(n, hidden)``. "mlp" is
        one dense layer with PReLU; a module is deep-copied at fit.
    batch_size : int, default=128
    max_epochs : int, default=40
    lr : float, default=1e-3
        Adam learning rate, decayed by a cosine schedule over ``max_epochs``.
    weight_decay : float, default=1e-2
        Decoupled weight decay (AdamW).
    validation_fraction : float or None, default=0.1
        Rows held out (not stratified, drawn with ``random_state``) for early stopping on
        the validation loss; ``None`` trains for ``max_epochs`` on all rows.
    patience : int, default=8
        Epochs without improvement of the validation loss before stopping; the best epoch's
        weights are restored.
    callbacks : list of skorch callbacks, default=None
        Passed through to the skorch net, after the built-in schedule and early stopping.
    verbose : int, default=0
        1 prints skorch's epoch table.
    device : str, default="cpu"
    n_threads : int or None, default=None
        Torch threads while fitting and predicting, restored afterwards; None keeps torch's
        setting (by default one per core). These models are small: on a busy 2-core machine,
        3 epochs on Tox21 took 8-11 s with 1 thread against 55-100 s with torch's 2.
    random_state : int, RandomState instance or None, default=None
        Seeds weights, batches and masks; same seed and data give the same predictions bit
        for bit on CPU.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained net; ``net_.module_`` is a :class:`~sklearn_metalink.nn.TaskGraphModule`.
    task_relations_ : ndarray of shape (n_tasks, n_tasks)
        ``[s, t]``: how much task t reads task s, averaged over the training rows (each
        known label visible with ``visible_ratio``, as in training), the rounds and the
        heads. Complete graph: the attention of t on s (rows of the transposed attention
        map sum to 1, diagonal 0). Star graph: the mailbox read weight of s times the mean
        gate with which t takes in the mailbox. See :func:`plot_task_relations`.
    n_tasks_ : int
    task_names_ : ndarray of str
        Column names of a DataFrame ``Y``, else ``"task_0"``, ``"task_1"``, ...
    classes_ : list of ndarray, or ndarray
        ``[array([0, 1])] * n_tasks_`` for 2-D Y; the two classes for 1-D y.
    n_epochs_ : int
        Training epochs completed: fewer than ``max_epochs`` after early stopping or an
        interrupted fit (Ctrl-C, which also issues a ``ConvergenceWarning``).
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when X is a DataFrame with string column names.

    See Also
    --------
    MetaLinkClassifier : rows and tasks as nodes of one graph, known labels as edges.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_metalink import TaskGraphClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(200, 8)
    >>> Y = (X[:, :3] > 0.5).astype(float)
    >>> Y[rng.rand(*Y.shape) < 0.3] = np.nan
    >>> clf = TaskGraphClassifier(graph="star", max_epochs=5, random_state=0).fit(X, Y)
    >>> clf.predict_proba(X[:2], Y=[[1, np.nan, np.nan], [np.nan, 0, np.nan]]).shape
    (2, 3)
    >>> clf.task_relations_.shape
    (3, 3)
    """

    _parameter_constraints = {
        **_RelationalNetClassifier._parameter_constraints,
        "graph": [StrOptions({"complete", "star"})],
        "hidden": [Interval(numbers.Integral, 1, None, closed="left")],
        "task_hidden": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_rounds": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_heads": [Interval(numbers.Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "pos_weight": [StrOptions({"balanced"}), "array-like", None],
        "encoder": [StrOptions({"mlp"}), torch.nn.Module],
    }

    # Decoupled weight decay: with Adam's L2 penalty, the label embeddings, whose loss
    # gradients start small, were driven to zero before the graph learned to use them.
    _optimizer = torch.optim.AdamW

    def __init__(
        self,
        *,
        graph="complete",
        hidden=256,
        task_hidden=64,
        n_rounds=2,
        n_heads="auto",
        dropout=0.3,
        visible_ratio=0.5,
        pos_weight=None,
        encoder="mlp",
        batch_size=128,
        max_epochs=40,
        lr=1e-3,
        weight_decay=1e-2,
        validation_fraction=0.1,
        patience=8,
        callbacks=None,
        verbose=0,
        device="cpu",
        n_threads=None,
        random_state=None,
    ):
        self.graph = graph
        self.hidden = hidden
        self.task_hidden = task_hidden
        self.n_rounds = n_rounds
        self.n_heads = n_heads
        self.dropout = dropout
        self.visible_ratio = visible_ratio
        self.pos_weight = pos_weight
        self.encoder = encoder
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.callbacks = callbacks
        self.verbose = verbose
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state

    def _inputs(self):
        return FeatureMatrix(sparse_batches=self.encoder == "mlp")

    def _build_module(self, X):
        n_heads = {"complete": 1, "star": 4}[self.graph] if self.n_heads == "auto" else self.n_heads
        if self.task_hidden % n_heads:
            raise ValueError(
                f"task_hidden must be divisible by n_heads, got task_hidden={self.task_hidden} "
                f"and n_heads={n_heads}"
            )
        if self.encoder == "mlp":
            encoder = MLPEncoder(self._inputs().width(X), self.hidden, dropout=self.dropout)
        else:
            encoder = copy.deepcopy(self.encoder)
        return TaskGraphModule(
            encoder,
            n_tasks=self.n_tasks_,
            hidden=self.hidden,
            task_hidden=self.task_hidden,
            n_rounds=self.n_rounds,
            n_heads=n_heads,
            graph=self.graph,
            dropout=self.dropout,
        )

    def _collate(self, X, Y, pool, visible_ratio, rng, valid, prepared):
        return LabelMaskingCollate(self._inputs(), X, Y, visible_ratio, rng, valid=valid)

    def _criterion(self, Y, train):
        if self.pos_weight is None:
            return super()._criterion(Y, train)
        if isinstance(self.pos_weight, str):
            known, positives = label_counts(Y, train)
            negatives = known - positives
            both = (positives > 0) & (negatives > 0)
            weight = np.where(both, negatives / np.maximum(positives, 1), 1.0)
        else:
            weight = np.asarray(self.pos_weight, dtype=np.float64)
            if weight.shape != (self.n_tasks_,) or not np.all(np.isfinite(weight) & (weight > 0)):
                raise ValueError(
                    f"pos_weight must be 'balanced' or {self.n_tasks_} positive finite weights, "
                    f"one per task; got an array of shape {weight.shape}"
                )
        return MaskedBCEWithLogitsLoss(pos_weight=weight)

    def _after_training(self, X, Y, rng, prepared):
        visible_ratio = check_visible_ratio(self.visible_ratio, ranged=True)
        context = np.where(visibility_mask(Y, visible_ratio, rng), Y, np.nan)
        module = self.net_.module_.eval()
        total = np.zeros((self.n_tasks_, self.n_tasks_))
        chunk = max(1, _RELATION_FLOATS // self.n_tasks_**2)
        for batch in self._batches(X, context, chunk=chunk):
            total += module.task_relations(**batch).sum(0).cpu().numpy()
        self.task_relations_ = total / len(Y)


def plot_task_relations(estimator, *, tasks=None, ax=None, cmap="viridis"):
    """Heat map of a fitted :class:`TaskGraphClassifier`'s ``task_relations_``.

    Rows are the tasks read from, columns the tasks reading.

    Parameters
    ----------
    estimator : TaskGraphClassifier
        Fitted.
    tasks : array-like of int, optional
        Indices of the tasks to show, in this order; all by default. Tick labels (the
        ``task_names_``) are drawn for at most 40 tasks.
    ax : matplotlib Axes, optional
        Where to draw; a new figure by default.
    cmap : str, default="viridis"

    Returns
    -------
    ax : matplotlib Axes

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_metalink import TaskGraphClassifier
    >>> from sklearn_metalink.estimators import plot_task_relations
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(100, 4)
    >>> Y = (X[:, :3] > 0.5).astype(float)
    >>> clf = TaskGraphClassifier(max_epochs=2, random_state=0).fit(X, Y)
    >>> ax = plot_task_relations(clf)
    >>> ax.get_xlabel()
    'reading task'
    """
    import matplotlib.pyplot as plt

    check_is_fitted(estimator, "task_relations_")
    tasks = np.arange(estimator.n_tasks_) if tasks is None else np.asarray(tasks)
    if ax is None:
        _, ax = plt.subplots(figsize=(6, 5))
    image = ax.imshow(estimator.task_relations_[np.ix_(tasks, tasks)], cmap=cmap)
    ax.figure.colorbar(image, ax=ax, label="mean relation weight")
    if len(tasks) <= 40:
        names = estimator.task_names_[tasks]
        ax.set_xticks(np.arange(len(tasks)), names, rotation=90, fontsize=7)
        ax.set_yticks(np.arange(len(tasks)), names, fontsize=7)
    ax.set_xlabel("reading task")
    ax.set_ylabel("task read from")
    ax.set_title(f"task relations ({estimator.graph} graph)")
    return ax
