"""Property-based tests: whatever a user passes, every public entry point either works or
raises ValueError / TypeError, and predictions are finite and strictly inside (0, 1).

Profiles are in conftest.py; ``HYPOTHESIS_PROFILE=fuzz`` runs many more examples.
"""

import functools
import warnings

import numpy as np
import pytest
from hypothesis import event, given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp
from sklearn.base import clone

from sklearn_metalink import MetaLinkClassifier, TaskGraphClassifier, with_support
from sklearn_metalink.chem import (
    AtomPairFingerprint,
    MACCSKeys,
    MolecularGraphFeaturizer,
    MorganFingerprint,
    RDKitDescriptors,
    ScaffoldKFold,
    ScaffoldSplit,
    TopologicalTorsionFingerprint,
    murcko_scaffold,
)
from sklearn_metalink.metrics import (
    masked_average_precision_score,
    masked_log_loss,
    masked_roc_auc_score,
)
from sklearn_metalink.model_selection import (
    RelationalKFold,
    RelationalShuffleSplit,
    make_relational_scorer,
)

nan = np.nan
USER_ERRORS = (ValueError, TypeError)
ESTIMATORS = [
    MetaLinkClassifier(hidden=8, max_epochs=1, batch_size=16, support_size=8, random_state=0),
    MetaLinkClassifier(
        hidden=8, max_epochs=1, n_neighbors=0, task_nodes="shared", validation_fraction=None,
        random_state=0,
    ),
    TaskGraphClassifier(hidden=8, task_hidden=8, max_epochs=1, random_state=0),
    TaskGraphClassifier(graph="star", hidden=8, task_hidden=8, max_epochs=1, random_state=0),
]
SMILES = ["CCO", "c1ccccc1O", "CC(=O)Nc1ccc(O)cc1", "[Na+].[Cl-]", "C1CC", "", "C C", "[AlH3]"]

# Ordinary numbers, and the values that break numerics.
numbers = st.floats(-1e3, 1e3, allow_nan=False)
extremes = st.sampled_from([0.0, 1.0, nan, np.inf, -np.inf, 1e39, -3e38, 1e20, 1e-40])
values = st.one_of(numbers, extremes)
labels = st.sampled_from([0.0, 1.0, nan, nan, 2.0])


@st.composite
def data_sets(draw, max_rows=24):
    """(X, Y): X of 1-4 features, Y of 1-3 tasks. Half of them are clean (finite X, labels
    0/1/NaN, rows matching), so that fits and predictions run, not only validation."""
    clean = draw(st.booleans())
    n_rows = draw(st.integers(2, max_rows))
    n_features, n_tasks = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    X = draw(hnp.arrays(np.float64, (n_rows, n_features), elements=numbers if clean else values))
    extra_rows = 0 if clean else draw(st.sampled_from([0, 0, 1, -1]))
    cells = st.sampled_from([0.0, 1.0, nan]) if clean else labels
    Y = draw(hnp.arrays(np.float64, (n_rows + extra_rows, n_tasks), elements=cells))
    return X, Y


def assert_probabilities(P, n_rows):
    assert P.shape[0] == n_rows
    assert np.isfinite(P).all()
    assert ((P > 0) & (P < 1)).all()


def quietly(function, *args, **kwargs):
    """Call with the package's warnings (UserWarning and subclasses) ignored: they name
    what they found, which is what they are for. A numeric RuntimeWarning (overflow, invalid
    value) is allowed on the way to a ValueError, never on a call that returns."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("ignore", UserWarning)
        warnings.simplefilter("always", RuntimeWarning)
        result = function(*args, **kwargs)
    numeric = [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]
    assert not numeric, f"{function} returned after numeric warnings {numeric}"
    return result


@pytest.mark.parametrize("estimator", ESTIMATORS, ids=["metalink", "shared", "complete", "star"])
@given(data=data_sets(), predict=data_sets(max_rows=6), with_context=st.booleans())
def test_fit_and_predict_proba_work_or_raise_a_user_error(estimator, data, predict, with_context):
    X, Y = data
    try:
        model = quietly(clone(estimator).fit, X, Y)
    except USER_ERRORS:
        return
    X_new, Y_new = predict
    context = Y_new if with_context else None
    try:
        P = quietly(model.predict_proba, X_new, Y=context)
    except USER_ERRORS:
        return
    event("fitted and predicted")
    assert_probabilities(P, len(X_new))


@functools.cache
def shared_model():
    rng = np.random.RandomState(0)
    X = rng.rand(40, 3)
    Y = (X + 0.2 * rng.rand(40, 3) > 0.6).astype(float)
    return MetaLinkClassifier(
        hidden=8, max_epochs=2, task_nodes="shared", random_state=0
    ).fit(X, Y)


@given(
    support=data_sets(max_rows=10),
    training_tasks=st.booleans(),
    one_dimensional=st.booleans(),
)
def test_with_support_works_or_raises_a_user_error(support, training_tasks, one_dimensional):
    X, Y = support
    X = X[:, :1].repeat(3, axis=1)  # the model's three features
    if one_dimensional:
        Y = Y[:, 0]
    try:
        bound = quietly(with_support, shared_model(), X, Y, training_tasks=training_tasks)
        P = quietly(bound.predict_proba, np.random.RandomState(1).rand(5, 3))
    except USER_ERRORS:
        return
    assert_probabilities(P, 5)


molecules = st.lists(
    st.one_of(
        st.sampled_from(SMILES),
        st.text(alphabet="CNOScn()[]=#123+-@H.%", max_size=30),
        st.sampled_from([None, 1.5, b"CCO", "C" * 9000]),
    ),
    min_size=1,
    max_size=6,
)
TRANSFORMERS = [
    MorganFingerprint, AtomPairFingerprint, TopologicalTorsionFingerprint, MACCSKeys,
    RDKitDescriptors, MolecularGraphFeaturizer,
]


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=lambda t: t.__name__)
@given(X=molecules, invalid=st.sampled_from(["raise", "partial", "zeros", "nan"]))
def test_transformers_work_or_raise_a_user_error(transformer, X, invalid):
    if transformer is MolecularGraphFeaturizer and invalid == "nan":
        invalid = "zeros"
    try:
        out = quietly(transformer(invalid=invalid, max_atoms=200).fit_transform, X)
    except USER_ERRORS:
        return
    assert out.shape[0] == len(X)


@given(molecule=molecules.map(lambda column: column[0]))
def test_murcko_scaffold_works_or_raises_a_user_error(molecule):
    try:
        assert isinstance(murcko_scaffold(molecule), str)
    except USER_ERRORS:
        pass


@given(X=molecules, n_splits=st.integers(-1, 4))
def test_scaffold_splitters_work_or_raise_a_user_error(X, n_splits):
    for splitter in (
        lambda: ScaffoldKFold(n_splits=n_splits),
        lambda: ScaffoldSplit(test_size=0.3, valid_size=0.2 * n_splits),
    ):
        try:
            folds = list(quietly(splitter().split, X))
        except USER_ERRORS:
            continue
        for train, test in folds:
            assert set(train).isdisjoint(test)


@given(
    data=data_sets(),
    visible_ratio=st.sampled_from([0.0, 0.5, 0.99, 1.0, -0.1, nan]),
    target_tasks=st.sampled_from([None, [0], [5], 0.5, 0.0, "all"]),
    metric=st.sampled_from(["roc_auc", "average_precision", "neg_log_loss", "accuracy"]),
    average=st.sampled_from(["macro", "micro", "weighted"]),
)
def test_relational_splitters_and_scorers_work_or_raise_a_user_error(
    data, visible_ratio, target_tasks, metric, average
):
    X, Y = data
    try:
        cv = RelationalShuffleSplit(
            2, test_size=0.5, visible_ratio=visible_ratio, target_tasks=target_tasks
        )
        visible, target = cv.mask(X, Y)
        assert np.array_equal(np.isnan(visible) & np.isnan(target), np.isnan(Y))
        list(RelationalKFold(2, visible_ratio=visible_ratio, target_tasks=target_tasks).split(X, Y))
        scorer = make_relational_scorer(metric, cv=cv, average=average)
        score = quietly(scorer, shared_model(), X[:, :1].repeat(3, axis=1), Y)
    except USER_ERRORS:
        return
    assert np.isnan(score) or np.isfinite(score)


@pytest.mark.parametrize(
    "metric", [masked_roc_auc_score, masked_average_precision_score, masked_log_loss]
)
@given(
    Y=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=5), elements=labels),
    P=hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=5), elements=values),
    average=st.sampled_from(["macro", "micro", "samples"]),
)
def test_masked_metrics_return_a_number_or_raise_a_user_error(metric, Y, P, average):
    try:
        score = quietly(metric, Y, P, average=average)
    except USER_ERRORS:
        return
    assert isinstance(score, float) and (np.isnan(score) or np.isfinite(score))
