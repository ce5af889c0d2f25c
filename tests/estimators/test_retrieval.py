import numpy as np
import pytest
import scipy.sparse as sp
from sklearn.metrics import roc_auc_score

from sklearn_metalink.estimators._retrieval import (
    ColumnNeighbours,
    LabelNeighbours,
    NeighbourIndex,
    blend_columns,
)

nan = np.nan


def reference_estimate(X_ref, Y_ref, x, visible, k):
    """The label-agreement k-NN of one row, written straight from its definition."""
    prior = np.array([np.nanmean(Y_ref[:, t]) for t in range(Y_ref.shape[1])])
    n_visible = max(int((~np.isnan(visible)).sum()), 1)
    weights = []
    for row, labels in zip(X_ref, Y_ref):
        inter = np.sum((row == 1) & (x == 1))
        union = np.sum((row == 1) | (x == 1))
        sim = inter / union if union else 0.0
        both = ~np.isnan(labels) & ~np.isnan(visible)
        agree = np.sum(labels[both] == visible[both])
        disagree = both.sum() - agree
        weights.append(sim**3 * np.exp(3 * (agree - disagree) / n_visible))
    weights = np.array(weights)
    order = np.argsort(-weights)
    if weights[order[k - 1]] == weights[order[k]]:
        return None  # a tie at the k-th neighbour: either row is right
    top = order[:k]
    P = []
    for t in range(Y_ref.shape[1]):
        known = [j for j in top if not np.isnan(Y_ref[j, t])]
        P.append((sum(weights[j] * Y_ref[j, t] for j in known) + prior[t])
                 / (sum(weights[j] for j in known) + 1))
    return np.array(P)


@pytest.fixture
def bits():
    rng = np.random.RandomState(0)
    X = (rng.rand(60, 32) < 0.3).astype(np.float32)
    Y = (X[:, :4] + 0.5 * rng.rand(60, 4) > 0.7).astype(float)
    Y[rng.rand(*Y.shape) < 0.25] = nan
    return X, Y


def test_estimate_matches_its_definition(bits):
    X, Y = bits
    neighbours = LabelNeighbours(X[:50], Y[:50], n_neighbors=5, n_candidates=50)
    visible = np.where(np.random.RandomState(1).rand(10, 4) < 0.5, Y[50:], nan)
    P = neighbours.proba(neighbours.candidates(X[50:]), visible)
    expected = [reference_estimate(X[:50], Y[:50], x, v, k=5) for x, v in zip(X[50:], visible)]
    checked = [i for i, e in enumerate(expected) if e is not None]
    assert len(checked) >= 7
    np.testing.assert_allclose(P[checked], [expected[i] for i in checked], rtol=1e-5)


def test_a_neighbour_that_agrees_with_the_known_labels_counts_more():
    X = np.array([[1, 1, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]], dtype=np.float32)
    Y = np.array([[1, 1], [0, 0], [0, 0]], dtype=float)  # identical rows, different labels
    neighbours = LabelNeighbours(X, Y, n_neighbors=3, n_candidates=3)
    candidates = neighbours.candidates(X[:1])
    agrees_with_first = neighbours.proba(candidates, np.array([[1.0, nan]]))[0, 1]
    agrees_with_others = neighbours.proba(candidates, np.array([[0.0, nan]]))[0, 1]
    assert agrees_with_first > 0.5 > agrees_with_others


def test_a_reference_row_is_never_its_own_candidate(bits):
    X, Y = bits
    index, _ = LabelNeighbours(X, Y, n_neighbors=5, n_candidates=10).candidates(
        X, exclude=np.arange(len(X))
    )
    assert not (index == np.arange(len(X))[:, None]).any()


def test_tanimoto_on_bits_and_cosine_on_other_features():
    bits = np.array([[1, 1, 0, 1], [1, 0, 0, 1]], dtype=np.float32)
    np.testing.assert_allclose(NeighbourIndex(bits).similarities(bits[:1]), [[1.0, 2 / 3]])
    dense = np.array([[1.0, 2.0], [3.0, 1.0], [2.0, 3.0]])
    assert not NeighbourIndex(dense).binary
    np.testing.assert_allclose(NeighbourIndex(dense).similarities(dense).diagonal(), 1, rtol=1e-6)


def test_sparse_and_dense_bits_give_the_same_estimate(bits):
    X, Y = bits
    dense = LabelNeighbours(X[:50], Y[:50], 5, 50)
    sparse = LabelNeighbours(sp.csr_matrix(X[:50]), Y[:50], 5, 50)
    visible = np.full((10, 4), nan)
    np.testing.assert_allclose(
        dense.proba(dense.candidates(X[50:]), visible),
        sparse.proba(sparse.candidates(sp.csr_matrix(X[50:])), visible),
    )


def test_a_row_estimate_does_not_depend_on_the_other_rows(bits):
    X, Y = bits
    neighbours = LabelNeighbours(X[:50], Y[:50], 5, 20)
    visible = np.where(np.random.RandomState(2).rand(10, 4) < 0.5, Y[50:], nan)
    together = neighbours.proba(neighbours.candidates(X[50:]), visible)
    alone = neighbours.proba(neighbours.candidates(X[53:54]), visible[3:4])
    np.testing.assert_array_equal(alone[0], together[3])


def test_a_row_far_outside_the_fit_range_gets_finite_similarities():
    index = NeighbourIndex(np.array([[2.0, 1.0], [2.0, 3.0], [1.0, 2.0]]))
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        S = index.similarities(np.array([[-3e38, 1.0]], dtype=np.float32))
    assert np.isfinite(S).all()


def test_column_estimate_takes_its_neighbours_among_the_rows_labelled_on_the_column(bits):
    X, Y = bits
    Y = Y.copy()
    Y[10:, 3] = nan  # column 3: ten labelled rows only
    columns = ColumnNeighbours(X[:50], Y[:50], n_neighbors=5, columns=[1, 3])
    visible = np.where(np.random.RandomState(1).rand(10, 4) < 0.5, Y[50:], nan)
    P = columns.proba(X[50:], visible)
    assert P.shape == (10, 2)
    checked = 0
    for i, (x, v) in enumerate(zip(X[50:], visible)):
        for j, column in enumerate([1, 3]):
            rows = np.flatnonzero(~np.isnan(Y[:50, column]))
            # Agreement over all columns of the reference; neighbours among `rows` only.
            estimate = reference_estimate(X[rows], Y[rows], x, v, k=5)
            if estimate is None:
                continue
            # Its pseudo-count takes the labelled rows' prior: the column's support prior.
            np.testing.assert_allclose(P[i, j], estimate[column], rtol=1e-5)
            checked += 1
    assert checked >= 14


def test_column_estimate_sharpens_as_the_column_gains_labels():
    rng = np.random.RandomState(0)
    X = (rng.rand(700, 64) < 0.2).astype(np.float32)
    y = (X[:, :8].sum(axis=1) > 1.5).astype(float)
    aucs = []
    for k in (8, 64, 500):
        Y = np.full((500, 1), nan)
        Y[:k, 0] = y[:k]
        P = ColumnNeighbours(X[:500], Y, n_neighbors=25).proba(X[500:], np.full((200, 1), nan))
        aucs.append(roc_auc_score(y[500:], P[:, 0]))
    assert aucs[0] < aucs[1] < aucs[2]


def test_column_estimate_of_a_row_does_not_depend_on_the_other_rows(bits):
    X, Y = bits
    columns = ColumnNeighbours(X[:50], Y[:50], n_neighbors=5)
    visible = np.where(np.random.RandomState(1).rand(10, 4) < 0.5, Y[50:], nan)
    P = columns.log_odds(X[50:], visible)
    np.testing.assert_array_equal(columns.log_odds(X[53:55], visible[3:5]), P[3:5])
    rebuilt = ColumnNeighbours.from_arrays(columns.to_arrays())
    np.testing.assert_array_equal(rebuilt.log_odds(X[50:], visible), P)


def test_blend_weighs_the_estimate_by_context_and_by_the_column_labels():
    logits = np.zeros((2, 3))
    log_odds = np.full((2, 2), 4.0)
    out = blend_columns(logits, log_odds, np.array([1, 2]), np.array([16, 0]),
                        np.array([False, True]), weights=(0.5, 0.25), half=16)
    # Column 0 is untouched; column 2 has no support label: no estimate to trust.
    np.testing.assert_array_equal(out[:, [0, 2]], 0)
    np.testing.assert_allclose(out[:, 1], [4 * 0.5 * 0.5, 4 * 0.25 * 0.5])


@pytest.mark.parametrize("kind", ["dense", "sparse_with_stored_zeros", "real"])
def test_a_pickle_and_a_model_file_restore_the_same_estimate(bits, kind):
    import pickle

    X, Y = bits
    if kind == "sparse_with_stored_zeros":
        X = sp.csr_matrix(X)
        X.data[::3] = 0  # stored zeros: not bits that are set
    elif kind == "real":
        X = X + np.random.RandomState(0).rand(*X.shape)
    neighbours = LabelNeighbours(X, Y, n_neighbors=5, n_candidates=20)
    queries = X[:7]
    expected = neighbours.proba(neighbours.candidates(queries), Y[:7])
    for restored in (
        pickle.loads(pickle.dumps(neighbours)),
        LabelNeighbours.from_arrays(neighbours.to_arrays()),
    ):
        np.testing.assert_array_equal(restored.proba(restored.candidates(queries), Y[:7]), expected)


@pytest.fixture
def clustered(monkeypatch):
    """2,000 fingerprint rows around 20 prototypes (a few bits flipped each), with the
    clustered search switched on from 1,000 reference rows."""
    from sklearn_metalink.estimators import _retrieval

    monkeypatch.setattr(_retrieval, "APPROXIMATE_MIN_ROWS", 1_000)
    rng = np.random.RandomState(0)
    prototypes = rng.rand(20, 256) < 0.08
    X = prototypes[rng.randint(0, 20, 2_000)] ^ (rng.rand(2_000, 256) < 0.02)
    Y = (X[:, :3] | (rng.rand(2_000, 3) < 0.1)).astype(float)
    Y[rng.rand(*Y.shape) < 0.3] = nan
    return X.astype(np.uint8), Y


def exact_nearest(X_ref, queries, m, exclude=None):
    """The m largest exact Tanimoto similarities of each query, in descending order."""
    S = NeighbourIndex(X_ref[:999]).similarities(queries)  # below the switch: all rows
    S = np.hstack([S, NeighbourIndex(X_ref[999:]).similarities(queries)])
    if exclude is not None:
        S[np.arange(len(queries)), exclude] = -1
    return -np.sort(-S, axis=1)[:, :m]


def test_clustered_search_finds_the_exact_most_similar_rows_of_clustered_data(clustered):
    X, _ = clustered
    index = NeighbourIndex(X)
    assert index.cluster is not None and len(index.centres) == 45
    queries = X[:300]
    rows, sims = index.nearest(queries, 20, exclude=np.arange(300))
    # The clusters hold each row's nearest rows here: the search is exact on them ...
    np.testing.assert_array_equal(sims, exact_nearest(X, queries, 20, np.arange(300)))
    # ... its similarities are the rows' exact Tanimoto, most similar first, ties to the
    # lower row, and a row is never its own candidate.
    S = index.similarities(queries)
    np.testing.assert_array_equal(np.take_along_axis(S, rows, axis=1), sims)
    assert (np.diff(sims, axis=1) <= 0).all()
    tied = np.diff(sims, axis=1) == 0
    assert (np.diff(rows, axis=1)[tied] > 0).all()
    assert not (rows == np.arange(300)[:, None]).any()


def test_clustered_search_searches_only_part_of_a_larger_reference(clustered, monkeypatch):
    from sklearn_metalink.estimators import _retrieval

    X, _ = clustered
    monkeypatch.setattr(_retrieval, "_PROBE_CANDIDATES", 2)  # 40 rows for 20 candidates
    index = NeighbourIndex(X)
    searched = []
    real_probe = index._probe
    monkeypatch.setattr(index, "_probe", lambda Q, counts, order, starts, n_probe, m, ex: (
        searched.append(index._sizes[order[np.arange(len(Q)), :]][
            np.arange(order.shape[1])[None, :] < n_probe[:, None]].sum() / len(Q))
        or real_probe(Q, counts, order, starts, n_probe, m, ex)))
    _, sims = index.nearest(X[:100], 20)
    assert searched and searched[0] < 0.2 * len(X)
    # Still the exact top 20 of most rows, and never a row less similar than the 40th.
    exact = exact_nearest(X, X[:100], 40)
    assert np.mean((sims == exact[:, :20]).all(axis=1)) > 0.8
    assert (sims[:, -1] >= exact[:, -1]).all()


def test_clustered_search_is_deterministic_and_row_independent(clustered):
    X, Y = clustered
    first, second = LabelNeighbours(X, Y, 5, 20), LabelNeighbours(X, Y, 5, 20)
    np.testing.assert_array_equal(first.index.cluster, second.index.cluster)
    np.testing.assert_array_equal(first.index.centres, second.index.centres)
    visible = np.where(np.random.RandomState(1).rand(50, 3) < 0.5, Y[:50], nan)
    together = first.proba(first.candidates(X[:50]), visible)
    np.testing.assert_array_equal(second.proba(second.candidates(X[:50]), visible), together)
    for i in (0, 17, 49):
        alone = first.proba(first.candidates(X[i:i + 1]), visible[i:i + 1])
        np.testing.assert_array_equal(alone[0], together[i])


def test_clustered_index_round_trips_through_arrays_and_pickles(clustered):
    import pickle

    X, Y = clustered
    neighbours = LabelNeighbours(sp.csr_matrix(X), Y, 5, 20)
    arrays = neighbours.to_arrays()
    assert {"index.centres", "index.cluster"} <= set(arrays)
    expected = neighbours.candidates(X[:40], exclude=np.arange(40))
    # A model file of an older version has no clusters: they are rebuilt as fit builds them.
    older = {key: value for key, value in arrays.items()
             if key not in ("index.centres", "index.cluster")}
    for restored in (pickle.loads(pickle.dumps(neighbours)), LabelNeighbours.from_arrays(arrays),
                     LabelNeighbours.from_arrays(older)):
        found = restored.candidates(X[:40], exclude=np.arange(40))
        np.testing.assert_array_equal(found[0], expected[0])
        np.testing.assert_array_equal(found[1], expected[1])


def test_below_the_switch_every_reference_row_is_compared(bits):
    from sklearn_metalink.estimators import _retrieval

    X, _ = bits
    assert _retrieval.APPROXIMATE_MIN_ROWS == 20_000
    assert NeighbourIndex(X).cluster is None
    rows, sims = NeighbourIndex(X).nearest(X[:5], 60)
    np.testing.assert_array_equal(np.sort(rows, axis=1), np.tile(np.arange(60), (5, 1)))


def test_gathered_and_multiplied_label_codes_give_the_same_estimate(bits, monkeypatch):
    from sklearn_metalink.estimators import _retrieval

    X, Y = bits
    neighbours = LabelNeighbours(X[:50], Y[:50], 5, 20)
    candidates = neighbours.candidates(X[50:])
    visible = np.where(np.random.RandomState(3).rand(10, 4) < 0.5, Y[50:], nan)
    gathered = neighbours.proba(candidates, visible)
    monkeypatch.setattr(_retrieval, "_GATHER_MAX_TASKS", 0)
    np.testing.assert_array_equal(neighbours.proba(candidates, visible), gathered)


def test_a_model_with_a_clustered_index_predicts_the_same_after_loading(clustered, monkeypatch, tmp_path):
    from sklearn_metalink import MetaLinkClassifier
    from sklearn_metalink.estimators import _metalink
    from sklearn_metalink.persistence import load_model, save_model

    X, Y = clustered
    monkeypatch.setattr(_metalink, "_NEIGHBOUR_CANDIDATES", 20)
    model = MetaLinkClassifier(hidden=16, max_epochs=1, random_state=0).fit(X[:1500], Y[:1500])
    assert model._neighbours.index.cluster is not None
    visible = np.where(np.random.RandomState(1).rand(500, 3) < 0.5, Y[1500:], nan)
    expected = model.predict_proba(X[1500:], visible)
    save_model(model, tmp_path / "model.safetensors")
    loaded = load_model(tmp_path / "model.safetensors")
    np.testing.assert_array_equal(loaded.predict_proba(X[1500:], visible), expected)
    # Alone as in a batch (the network's float sums may differ in the last bits, as they
    # may without the clustered search; the neighbour estimate itself is exact, above).
    alone = model.predict_proba(X[1700:1701], visible[200:201])[0]
    np.testing.assert_allclose(alone, expected[200], rtol=0, atol=1e-6)
