"""MetaLinkClassifier: the relational multi-task estimator."""

import copy
import numbers

import numpy as np
import torch
from sklearn.pipeline import Pipeline
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ..nn import MetaLinkModule, MLPEncoder, MPNNEncoder
from ._averaging import WeightAverage
from ._base import _RelationalNetClassifier
from ._episodes import EpisodeCollate
from ._inputs import FeatureMatrix, MolecularGraphs
from ._retrieval import ColumnNeighbours, LabelNeighbours


# few_shot_tasks="auto" with shared task nodes: _AUTO_FEW_SHOT_TASKS, and no more than
# _AUTO_NEW_TASKS simulated new tasks per step on average (docs/meta.md: 0.3 measured
# against 0 on Tox21 and SIDER, 10 and 22 training tasks; on ToxCast's 493, 0.3 cost up to
# 13 points, 0.05 lost in meta, 0.02 gained on the validation molecules). Measured since:
# between 16 and 200 training tasks (SIDER, ToxCast subsets) 0.02 beat these values by up
# to 7 points; only Tox21 preferred 0.3 (docs/meta.md's table). Changing the rule changes
# the committed meta benchmark runs it applies to.
_AUTO_FEW_SHOT_TASKS = 0.3
_AUTO_NEW_TASKS = 10
# Most similar fit rows among which a row's neighbours are chosen by label agreement: on
# the validation splits of Tox21, SIDER and yeast, 500 scored within 0.3 points of all rows
# for the plain label-agreement k-NN, at a training cost independent of the fit rows.
_NEIGHBOUR_CANDIDATES = 500
# weight_decay="auto" is _DECAY_ROWS / n_samples, never below _DECAY_FLOOR: the fixed 5e-4
# that was the default from about Tox21's 6,000 training rows up, stronger on smaller data
# (SIDER's 1,140 rows: 2.6e-3). 5 / n_samples: within 0.4 points on SIDER and yeast, up to
# 0.7 higher on Tox21 but with more epochs there (docs/benchmarks.md). The floor: no data
# set here validated a decay below 4.4e-4, and without it MUV's 93,000 rows would get
# 3.2e-5 (its fit time was the same either way: 26 epochs).
_DECAY_ROWS = 3.0
_DECAY_FLOOR = 5e-4


class MetaLinkClassifier(_RelationalNetClassifier):
    """Relational multi-task classifier: MetaLink (Cao, You, Leskovec, ICLR 2022).

    Predicts the unknown cells of a partially observed label matrix ``Y`` (rows × tasks,
    NaN = unknown) from each row's features *and the labels already known for it*. Data
    rows and tasks are nodes of a graph, each known label an edge; a gated graph network
    passes messages along those edges and scores every (row, task) pair as a link.

    Training follows the paper: each step takes a query batch and a disjoint support batch
    of training rows; every known label of a query row is shown as context with a
    probability ``r`` drawn from ``visible_ratio``, and the loss is the binary
    cross-entropy on the known labels that stayed hidden. After training, the task states
    of ``n_support_sets`` fixed support sets of training rows are stored, so predictions
    are deterministic and a row's prediction never depends on the other rows of the call.

    Parameters
    ----------
    hidden : int, default=256
        Width of the data-node and task-node states.
    n_layers : int, default=2
        Rounds of message passing over the label graph.
    label_features : bool, default=True
        Also fuse a row's known labels into its initial data node (see the user guide).
    dropout : float, default=0.1
        Dropout on the input features and after the label fusion.
    visible_ratio : float or (float, float), default=0.5
        Probability that a known label of a training query row is shown as context; a
        range ``(low, high)`` draws it per row. On Tox21 and SIDER validation splits, 0.5
        beat the range (0, 1) both with no context and with half the labels known.
    support_size : int, default=128
        Rows in each support batch (training) and in each stored support set.
    task_nodes : {"learned", "shared"}, default="learned"
        "learned": each task node starts from its own learned vector. "shared" (the
        paper's meta mode): all start from one shared vector and share one bias, so a task
        vector comes only from the labels of the support; required by
        :meth:`with_support` to predict tasks not seen in fit.
    few_shot_tasks : float in [0, 1) or "auto", default="auto"
        Per training step, the probability that a task plays a new task: the support keeps
        only a few (8 to ``support_size``) of its labels, they are swapped with probability
        1/2 and they leave the label features, as for a task added by :meth:`with_support`.
        Needs ``task_nodes="shared"``. "auto": 0 with learned task nodes; with shared ones
        0.3, or 10 / n_tasks when that is smaller (about ten simulated new tasks per step).
        Measured on new tasks, validation molecules (meta guide): 0.3 gains about a point
        of ROC-AUC over 0 on Tox21 (10 training tasks); elsewhere 0.02 does better on
        average (SIDER, 22; ToxCast subsets of 16 to 200 tasks; ToxCast's 493: 0.3 cost up
        to 13 points and 0.02 gains 0.9 in meta, 1.6 with context). So with 16 to 300
        training tasks, where "auto" gives 0.03 to 0.3, pass 0.02 by hand (up to 7 points
        higher there).
    n_neighbors : int, default=100
        Data-to-data relations: each row also receives the label-agreement k-NN estimate of
        every task from its ``n_neighbors`` most relevant fit rows (Tanimoto similarity on
        binary X, cosine on standardised X otherwise, re-weighted by how well their labels
        agree with the row's known labels), fused into the data node and added to the
        logits with a learned per-task weight; predictions then blend it in with weight 0.5
        for a row without known labels and 0.25 for a row with some. On validation splits:
        +2.7 to +3 points of ROC-AUC with half the labels known on Tox21 and SIDER, +0.5 to
        +4.7 without context (Tox21, SIDER, yeast); 100 rather than 25 neighbours: +2.6
        without context on ToxCast, +0.6 on yeast, up to +0.8 elsewhere or level. The fit
        rows' features and labels are kept for this. 0 turns it off; ignored with ``encoder="mpnn"``. After :meth:`with_support`, each new task
        takes the same estimate from the support rows labelled on it.
    label_pairs : bool, default=True
        Also add to each task's logit a learned weight for every known label of the row on
        another training task (+1 positive, -1 negative): what one assay's result says
        about another, directly, beside the messages through the task nodes. T x T
        weights, starting at 0 and free of weight decay (a weight moves only in the steps
        whose rows know both of its tasks, too few for the penalty's pull to zero on
        hundreds of sparse assays). On validation splits, against ``label_pairs=False``:
        ToxCast (617 tasks) +5.2 points with half the labels known, +8.7 with all but the
        target assays known and -1.1 with nothing known; within 0.2 points on average on
        Tox21, SIDER and yeast (12 to 27 tasks).
    n_support_sets : int, default=1
        Fixed support sets kept for inference; their logits are averaged. The task states
        are means over the support, so random sets of 128 rows give nearly the same
        states: on Tox21, 8 sets scored the same ROC-AUC as 1 to four decimals.
    encoder : "mlp", "mpnn" or torch.nn.Module, default="mlp"
        Maps a batch of X to ``(n, hidden)``. "mlp": numeric X (fingerprints, descriptors),
        one dense layer with PReLU. "mpnn": X is one molecule per row, as SMILES, RDKit
        molecules or the graphs of :class:`~sklearn_metalink.chem.MolecularGraphFeaturizer`,
        encoded by a directed-bond message-passing net
        (:class:`~sklearn_metalink.nn.MPNNEncoder`, depth 3); invalid SMILES raise.
        A module receives float tensors ``(n, n_features)`` and is deep-copied at fit.
    batch_size : int, default=128
        Query rows per step.
    max_epochs : int, default=40
    lr : float, default=1e-3
        Adam learning rate, decayed by a cosine schedule over ``max_epochs``.
    weight_decay : float or "auto", default="auto"
        Adam's L2 penalty on every weight but the label-pair weights (see
        ``label_pairs``). "auto": ``max(5e-4, 3 / n_samples)``, a prior whose weight
        against the mean loss falls as rows are added, down to the 5e-4 that suits 6,000
        rows and more: 2.6e-3 at SIDER's 1,140 rows. On the validation splits, against a
        fixed 5e-4: +3.1 points of ROC-AUC with nothing known on SIDER (-0.4 with half the
        labels known, +0.3 in the tasks protocol); yeast -0.1 to -0.3; Tox21 and ToxCast
        keep 5e-4.
    validation_fraction : float or None, default=0.1
        Rows held out (not stratified, drawn with ``random_state``) for early stopping on
        the validation loss; ``None`` trains for ``max_epochs`` on all rows.
    patience : int, default=8
        Epochs without improvement of the validation loss before stopping; the best epoch's
        weights are restored.
    average_weights : bool or "auto", default="auto"
        Keep an exponential moving average of the weights over about the last tenth of the
        training steps taken (at most 3 epochs of steps) and use it in place of the
        weights: the validation loss, early stopping and the fitted model all see the
        average. Deterministic; costs two copies of the weights during fit. "auto": on with
        ``task_nodes="learned"``, off with ``"shared"``. On the validation splits with
        learned task nodes: +0.9 points of ROC-AUC with nothing known and +0.6 with half
        the labels known on Tox21, which stops early while the learning rate is still
        high; within 0.2 points on SIDER, yeast and ToxCast, which train to the end of the
        cosine schedule. With shared task nodes, on new tasks (meta guide, seeds 0-1): SIDER
        -0.6 points without context and -1.0 with context, Tox21 -0.2 and +0.1.
    callbacks : list of skorch callbacks, default=None
        Passed through to the skorch net, after the built-in schedule, early stopping and
        weight average.
    verbose : int, default=0
        1 prints skorch's epoch table.
    device : str, default="cpu"
        Torch device, e.g. "cuda".
    n_threads : int or None, default=None
        Torch threads while fitting and predicting, restored afterwards; None keeps torch's
        setting (by default one per core). These models are small: on a busy 2-core machine,
        3 epochs on Tox21 took 8-11 s with 1 thread against 55-100 s with torch's 2.
    random_state : int, RandomState instance or None, default=None
        Seeds weights, batches, masks and support sets; same seed and data give the same
        predictions bit for bit on CPU.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The trained net; ``net_.history`` holds the losses per epoch.
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

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_metalink import MetaLinkClassifier
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(200, 8)
    >>> Y = (X[:, :3] > 0.5).astype(float)
    >>> Y[rng.rand(*Y.shape) < 0.3] = np.nan
    >>> clf = MetaLinkClassifier(hidden=32, max_epochs=5, random_state=0).fit(X, Y)
    >>> clf.predict_proba(X[:2]).shape
    (2, 3)
    >>> clf.predict_proba(X[:2], Y=[[1, np.nan, np.nan], [np.nan, 0, np.nan]]).shape
    (2, 3)
    """

    _not_decayed = ("label_pair_weight",)

    _parameter_constraints = {
        **_RelationalNetClassifier._parameter_constraints,
        "hidden": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_layers": [Interval(numbers.Integral, 0, None, closed="left")],
        "label_features": ["boolean"],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "support_size": [Interval(numbers.Integral, 1, None, closed="left")],
        "task_nodes": [StrOptions({"learned", "shared"})],
        "few_shot_tasks": [Interval(numbers.Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "n_support_sets": [Interval(numbers.Integral, 1, None, closed="left")],
        "n_neighbors": [Interval(numbers.Integral, 0, None, closed="left")],
        "label_pairs": ["boolean"],
        "encoder": [StrOptions({"mlp", "mpnn"}), torch.nn.Module],
        "weight_decay": [Interval(numbers.Real, 0, None, closed="left"), StrOptions({"auto"})],
        "average_weights": ["boolean", StrOptions({"auto"})],
    }

    def __init__(
        self,
        *,
        hidden=256,
        n_layers=2,
        label_features=True,
        dropout=0.1,
        visible_ratio=0.5,
        support_size=128,
        task_nodes="learned",
        few_shot_tasks="auto",
        n_support_sets=1,
        n_neighbors=100,
        label_pairs=True,
        encoder="mlp",
        batch_size=128,
        max_epochs=40,
        lr=1e-3,
        weight_decay="auto",
        validation_fraction=0.1,
        patience=8,
        average_weights="auto",
        callbacks=None,
        verbose=0,
        device="cpu",
        n_threads=None,
        random_state=None,
    ):
        self.hidden = hidden
        self.n_layers = n_layers
        self.label_features = label_features
        self.dropout = dropout
        self.visible_ratio = visible_ratio
        self.support_size = support_size
        self.task_nodes = task_nodes
        self.few_shot_tasks = few_shot_tasks
        self.n_support_sets = n_support_sets
        self.n_neighbors = n_neighbors
        self.label_pairs = label_pairs
        self.encoder = encoder
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.lr = lr
        self.weight_decay = weight_decay
        self.validation_fraction = validation_fraction
        self.patience = patience
        self.average_weights = average_weights
        self.callbacks = callbacks
        self.verbose = verbose
        self.device = device
        self.n_threads = n_threads
        self.random_state = random_state

    def with_support(self, X, Y, *, training_tasks=False):
        """A copy of this fitted classifier that predicts the tasks of a support set.

        No gradient step in the network: the support's labelled rows build the task
        vectors by message passing, as the training support did for the training tasks.
        Needs ``task_nodes="shared"`` at fit, so that a task node owes nothing to training.

        With ``n_neighbors > 0`` the support is also a reference for data-to-data
        relations: a new task's log-odds are averaged with the label-agreement k-NN
        estimate from the ``n_neighbors`` support rows labelled on it that are most similar
        to the query and agree most with its known labels, with weight 0.75 * n / (n + 64)
        for a task with n support labels. The task vectors are means, which a few dozen
        labels already fix; the k-NN estimate keeps improving with every labelled row. The
        support's features and labels are kept for it.

        Where support rows know two labels or more, the new tasks also get label pairs:
        a weight from each visible label of a query to each new task's log-odds, so that a
        new assay follows the related ones already measured on the row, and one from the
        mean of those labels (+1 all active, -1 all inactive). They are a
        penalised logistic regression fitted on the support, each row shown with half its
        labels visible and the other half to predict (twice, the halves swapped), with the
        network and k-NN log-odds as offset: deterministic, and without context nothing
        changes. This costs about as much as predicting the support rows twice.

        Parameters
        ----------
        X : {array-like, sparse matrix} of shape (n_support, n_features)
            Support rows, in the input format of fit.
        Y : array-like or DataFrame of shape (n_support, n_columns) or (n_support,)
            Their labels (NaN = unknown) on the tasks to predict, which need not have been
            seen in fit. A 1-D Y makes a binary classifier for one new task.
        training_tasks : bool, default=False
            Whether the first ``n_tasks_`` columns of Y are the training tasks, in fit
            order (followed by the new ones). They keep their trained task vectors and
            their known labels, in the support and in a query's context, also enter the
            label features, as in fit. Columns that are no training task of the module
            (new ones of a model bound before) take their k-NN estimate from this support
            and none without labels in it.

        Returns
        -------
        MetaLinkClassifier
            Fitted, with ``task_names_``, ``n_tasks_`` and ``classes_`` of Y's columns;
            ``predict_proba(X, Y=context)`` takes context on those columns. Its stored
            task states come from this support; refitting it trains afresh.
        """
        check_is_fitted(self)
        module = self.net_.module_
        if module.task_nodes != "shared":
            raise ValueError(
                "with_support needs task nodes built from labels only: fit with "
                "task_nodes='shared' (this model was fitted with task_nodes='learned')"
            )
        X = self._validate_X(X, reset=False)
        named_columns = hasattr(Y, "columns")
        n_fit = self.n_tasks_ if training_tasks else 0
        if training_tasks and (np.ndim(Y) != 2 or np.shape(Y)[1] < n_fit):
            raise ValueError(
                f"With training_tasks=True, Y's first {n_fit} columns are the training tasks, "
                f"followed by the new ones; got Y of shape {np.shape(Y)}"
            )
        Y, fitted = self._check_fit_targets(
            Y, n_rows=X.shape[0], name="Y", kept_tasks=self._task_prior if training_tasks else None
        )
        if training_tasks:
            self._check_training_columns(fitted["task_names_"], named_columns)
        bound = copy.deepcopy(self)
        vars(bound).update(fitted)
        # Columns of a model already bound keep the label features and task states they had.
        n_new = len(fitted["task_names_"]) - n_fit
        feature_index = module.support_feature_index(n_new, keep_columns=training_tasks)
        support = bound._batch(X, Y, np.arange(len(Y)), feature_index=feature_index)
        bound.net_.module_.eval().bind_support(
            **support, feature_index=feature_index, keep_columns=training_tasks
        )
        bound._support_neighbours = self._column_neighbours(X, Y, feature_index)
        if bound._support_neighbours is not None:
            bound._support_neighbours.fit_pairs(X, Y, bound._network_logits)
        return bound

    def _column_neighbours(self, X, Y, feature_index):
        """The support's own k-NN estimate of the columns that are no training task (their
        fit rows carry no label for them), or None without neighbours or new columns."""
        new = np.flatnonzero(feature_index.cpu().numpy() < 0)
        if self._neighbours is None or len(new) == 0:
            return None
        return ColumnNeighbours(X, Y, self.n_neighbors, columns=new)

    def _network_logits(self, X, Y):
        """The module's logits, without the support's estimate of a bound model."""
        return super()._logits(X, Y)

    def _logits(self, X, Y):
        logits = self._network_logits(X, Y)
        support = getattr(self, "_support_neighbours", None)
        return logits if support is None else support.blend(logits, X, Y)

    def _check_training_columns(self, task_names, named_columns):
        names = list(task_names[: self.n_tasks_])
        if named_columns and names != list(self.task_names_):
            raise ValueError(
                "With training_tasks=True, Y's first columns must be the tasks seen in fit, "
                f"in order: expected {list(self.task_names_)[:10]}, got {names[:10]}"
            )

    def _inputs(self):
        if self.encoder == "mpnn":
            return MolecularGraphs()
        return FeatureMatrix(sparse_batches=self.encoder == "mlp")

    def _training_callbacks(self):
        average = self.average_weights
        if average == "auto":
            average = self.task_nodes == "learned"
        return [("weight_average", WeightAverage())] if average else []

    def _weight_decay(self, n_rows):
        if self.weight_decay == "auto":
            return max(_DECAY_FLOOR, _DECAY_ROWS / n_rows)
        return self.weight_decay

    def _before_training(self, X, Y):
        """Build the neighbour index of the fit rows; return each fit row's candidates among
        the other fit rows, for the training episodes and the stored support."""
        self._neighbours = None
        self._support_neighbours = None  # set by with_support only
        if self.n_neighbors and self.encoder != "mpnn":
            self._neighbours = LabelNeighbours(X, Y, self.n_neighbors, _NEIGHBOUR_CANDIDATES)
            return self._neighbours.candidates(X, exclude=np.arange(len(Y)))
        return None

    def _batch(self, X, Y, rows, candidates=None, feature_index=None):
        """The module inputs of some rows; with neighbours, their log-odds from
        ``candidates`` (by default the rows' most similar fit rows) and from their labels,
        whose columns fill the training tasks as ``feature_index`` says (by default as the
        module's columns do)."""
        batch = super()._batch(X, Y, rows)
        if self._neighbours is not None:
            if candidates is None:
                candidates = self._neighbours.candidates(X[rows])
            visible = self.net_.module_.label_features_of(batch["y"], feature_index)
            log_odds = self._neighbours.log_odds(candidates, visible.cpu().numpy())
            batch["neighbours"] = torch.from_numpy(log_odds).to(self.net_.device)
        return batch

    def _few_shot_tasks(self):
        if self.few_shot_tasks == "auto":
            if self.task_nodes != "shared":
                return 0.0
            return min(_AUTO_FEW_SHOT_TASKS, _AUTO_NEW_TASKS / self.n_tasks_)
        if self.few_shot_tasks > 0 and self.task_nodes != "shared":
            raise ValueError(
                "few_shot_tasks > 0 trains task states built from labels alone and needs "
                f"task_nodes='shared'; got task_nodes={self.task_nodes!r}"
            )
        return self.few_shot_tasks

    def _build_module(self, X):
        if self.encoder == "mlp":
            encoder = MLPEncoder(
                self._inputs().width(X), self.hidden, dropout=self.dropout,
                scaling=self._inputs().scaling(X),
            )
        elif self.encoder == "mpnn":
            atom_features, bond_features = self._inputs().width(X)
            encoder = MPNNEncoder(atom_features, bond_features, self.hidden, dropout=self.dropout)
        else:
            encoder = copy.deepcopy(self.encoder)
        return MetaLinkModule(
            encoder,
            n_tasks=self.n_tasks_,
            hidden=self.hidden,
            n_layers=self.n_layers,
            label_features=self.label_features,
            dropout=self.dropout,
            task_nodes=self.task_nodes,
            neighbours=self._neighbours is not None,
            label_pairs=self.label_pairs,
        )

    def _collate(self, X, Y, pool, visible_ratio, rng, valid, prepared):
        return EpisodeCollate(
            self._inputs(), X, Y, pool, self.support_size, visible_ratio, rng,
            valid=valid,
            few_shot_tasks=self._few_shot_tasks(),
            neighbours=None if self._neighbours is None else (self._neighbours, prepared),
        )

    def _after_training(self, X, Y, rng, prepared):
        self.net_.module_.store_support(self._support_sets(X, Y, rng, prepared))

    def _support_sets(self, X, Y, rng, fit_candidates):
        size = min(self.support_size, len(Y))
        for _ in range(self.n_support_sets):
            rows = np.sort(rng.choice(len(Y), size=size, replace=False))
            candidates = None
            if fit_candidates is not None:
                candidates = tuple(part[rows] for part in fit_candidates)
            batch = self._batch(X, Y, rows, candidates=candidates)
            yield batch["x"], batch["y"], batch.get("neighbours")


def with_support(model, X, Y, *, training_tasks=False):
    """Bind a fitted model to a support set of new tasks, with no gradient step in the network.

    :meth:`MetaLinkClassifier.with_support` for a :class:`MetaLinkClassifier` or for a
    :class:`~sklearn.pipeline.Pipeline` ending in one, whose other steps then transform the
    support's X (e.g. SMILES into fingerprints) as they transform any X.

    Parameters
    ----------
    model : MetaLinkClassifier or Pipeline
        Fitted, with ``task_nodes="shared"``.
    X : array-like of shape (n_support, ...)
        Support rows, as the model's input.
    Y : array-like or DataFrame of shape (n_support, n_columns) or (n_support,)
        Their labels on the tasks to predict, NaN = unknown.
    training_tasks : bool, default=False
        See :meth:`MetaLinkClassifier.with_support`.

    Returns
    -------
    MetaLinkClassifier or Pipeline
        A new fitted model of the same kind whose tasks are Y's columns; ``model`` is not
        changed.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from sklearn_metalink import MetaLinkClassifier, with_support
    >>> rng = np.random.RandomState(0)
    >>> X = rng.rand(300, 8)
    >>> Y = (X[:, :4] > 0.5).astype(float)
    >>> pipe = make_pipeline(StandardScaler(), MetaLinkClassifier(
    ...     hidden=32, max_epochs=5, task_nodes="shared", random_state=0)).fit(X, Y)
    >>> new_task = (X[:20, 4] > 0.5).astype(float)  # a column never seen in fit
    >>> bound = with_support(pipe, X[:20], new_task)
    >>> bound.predict_proba(X[20:22]).shape
    (2, 2)
    """
    final = model.steps[-1][1] if isinstance(model, Pipeline) else model
    if not isinstance(final, MetaLinkClassifier):
        raise TypeError(
            "model must be a fitted MetaLinkClassifier or a Pipeline ending in one, got "
            f"{type(final).__name__}"
        )
    if final is model:
        return model.with_support(X, Y, training_tasks=training_tasks)
    head = model.steps[:-1]
    if head:
        X = model[:-1].transform(X)
    bound = copy.copy(model)  # keeps the Pipeline's own parameters
    bound.steps = copy.deepcopy(head) + [
        (model.steps[-1][0], final.with_support(X, Y, training_tasks=training_tasks))
    ]
    return bound
