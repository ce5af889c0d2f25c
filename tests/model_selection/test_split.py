import os
import pickle
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
import scipy.sparse as sp
from sklearn.model_selection import GroupKFold, KFold, ShuffleSplit

from sklearn_metalink.chem import ScaffoldKFold
from sklearn_metalink.model_selection import RelationalKFold, RelationalShuffleSplit


def _folds(splitter, *args):
    return [(train.tolist(), test.tolist()) for train, test in splitter.split(*args)]


def test_an_int_cv_yields_the_folds_of_kfold(relational_data):
    X, Y = relational_data
    cv = RelationalKFold(3)
    assert _folds(cv, X, Y) == _folds(KFold(3), X, Y)
    assert cv.get_n_splits(X, Y) == 3


def test_groups_are_passed_to_the_row_splitter(relational_data):
    X, Y = relational_data
    groups = np.arange(len(X)) % 7
    cv = RelationalKFold(GroupKFold(3))
    folds = _folds(cv, X, Y, groups)
    assert folds == _folds(GroupKFold(3), X, Y, groups)
    for train, test in folds:
        assert not set(groups[train]) & set(groups[test])


def test_a_scaffold_kfold_row_splitter_splits_smiles_by_scaffold():
    smiles = ["c1ccccc1O", "c1ccccc1N", "C1CCCCC1O", "C1CCNCC1", "CCO", "CCN"]
    Y = np.array([[1, 0], [1, np.nan], [0, 1], [0, 0], [1, 1], [np.nan, 0]])
    cv = RelationalKFold(ScaffoldKFold(3))
    assert _folds(cv, smiles, Y) == _folds(ScaffoldKFold(3), smiles, Y)
    visible, target = cv.mask(smiles, Y)
    assert visible.shape == target.shape == Y.shape


def test_shuffle_split_yields_the_rows_of_shuffle_split_with_the_same_seed(relational_data):
    X, Y = relational_data
    cv = RelationalShuffleSplit(4, test_size=0.25, random_state=3)
    assert _folds(cv, X, Y) == _folds(ShuffleSplit(4, test_size=0.25, random_state=3), X, Y)
    assert cv.get_n_splits() == 4


def test_mask_splits_the_known_labels_into_visible_and_target(relational_data):
    X, Y = relational_data
    visible, target = RelationalKFold(3).mask(X, Y)
    known = ~np.isnan(Y)
    shown, hidden = ~np.isnan(visible), ~np.isnan(target)
    assert not (shown & hidden).any()
    np.testing.assert_array_equal(shown | hidden, known)
    np.testing.assert_array_equal(np.where(shown, visible, target), Y)


@pytest.mark.parametrize("visible_ratio", [0.0, 0.3, 0.8])
def test_mask_hides_each_known_label_with_probability_one_minus_visible_ratio(visible_ratio):
    rng = np.random.RandomState(1)
    X, Y = rng.rand(1000, 5), (rng.rand(1000, 10) < 0.3).astype(float)
    _, target = RelationalKFold(visible_ratio=visible_ratio).mask(X, Y)
    assert np.mean(~np.isnan(target)) == pytest.approx(1 - visible_ratio, abs=0.03)


def _as_kind(X, kind):
    if kind == "csr":
        return sp.csr_matrix(np.where(X > 0.5, X, 0))
    if kind == "frame":
        return pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    if kind == "smiles":
        return [f"C{'C' * (i % 9)}O{i}" for i in range(len(X))]
    return X


def _take(X, rows):
    if isinstance(X, list):
        return [X[i] for i in rows]
    return X.iloc[rows] if hasattr(X, "iloc") else X[rows]


@pytest.mark.parametrize("kind", ["dense", "csr", "frame", "smiles"])
def test_mask_of_a_row_depends_neither_on_row_order_nor_on_other_rows(relational_data, kind):
    X, Y = relational_data
    X = _as_kind(X, kind)
    cv = RelationalKFold(visible_ratio=0.5, random_state=7)
    visible, target = cv.mask(X, Y)
    rows = np.random.RandomState(0).permutation(len(Y))[:40]
    sub_visible, sub_target = cv.mask(_take(X, rows), Y[rows])
    np.testing.assert_array_equal(sub_visible, visible[rows])
    np.testing.assert_array_equal(sub_target, target[rows])


def test_mask_of_sparse_rows_does_not_depend_on_the_sparse_format(relational_data):
    X, Y = relational_data
    X = np.where(X > 0.5, X, 0)
    cv = RelationalKFold()
    np.testing.assert_array_equal(cv.mask(sp.csr_matrix(X), Y)[1], cv.mask(sp.csc_array(X), Y)[1])


def test_mask_changes_with_random_state(relational_data):
    X, Y = relational_data
    _, target_0 = RelationalKFold(random_state=0).mask(X, Y)
    _, target_1 = RelationalKFold(random_state=1).mask(X, Y)
    assert (np.isnan(target_0) != np.isnan(target_1)).any()


def test_mask_is_the_same_in_a_fresh_process_with_another_hash_seed(relational_data):
    X, Y = relational_data
    code = (
        "import sys, numpy as np\n"
        "from sklearn_metalink.model_selection import RelationalKFold\n"
        "X, Y = np.load(sys.argv[1])['X'], np.load(sys.argv[1])['Y']\n"
        "target = RelationalKFold(random_state=5).mask(X, Y)[1]\n"
        "sys.stdout.write(np.isnan(target).tobytes().hex())\n"
    )
    path = os.path.join(os.environ.get("TMPDIR", "/tmp"), f"relational_mask_{os.getpid()}.npz")
    np.savez(path, X=X, Y=Y)
    try:
        out = subprocess.run(
            [sys.executable, "-c", code, path],
            env={**os.environ, "PYTHONHASHSEED": "12345"},
            capture_output=True, text=True, check=True,
        ).stdout
    finally:
        os.remove(path)
    expected = np.isnan(RelationalKFold(random_state=5).mask(X, Y)[1]).tobytes().hex()
    assert out == expected


def test_target_tasks_with_visible_ratio_zero_hide_whole_tasks(relational_data):
    X, Y = relational_data
    visible, target = RelationalKFold(target_tasks=[1, 3], visible_ratio=0.0).mask(X, Y)
    np.testing.assert_array_equal(target[:, [1, 3]], Y[:, [1, 3]])
    np.testing.assert_array_equal(visible[:, [0, 2]], Y[:, [0, 2]])
    assert np.isnan(target[:, [0, 2]]).all() and np.isnan(visible[:, [1, 3]]).all()


def test_target_tasks_with_visible_ratio_keep_part_of_the_target_tasks_visible(relational_data):
    X, Y = relational_data
    visible, target = RelationalKFold(target_tasks=[0], visible_ratio=0.5).mask(X, Y)
    assert not np.isnan(visible[:, 0]).all() and not np.isnan(target[:, 0]).all()
    assert np.isnan(target[:, 1:]).all()


def test_a_target_task_fraction_draws_tasks_per_fold_from_the_test_rows(relational_data):
    X, Y = relational_data
    cv = RelationalKFold(3, target_tasks=0.5, visible_ratio=0.0)

    def target_tasks(rows):
        return frozenset(np.flatnonzero(~np.isnan(cv.mask(X[rows], Y[rows])[1]).all(axis=0)))

    per_fold = [target_tasks(test) for _, test in cv.split(X)]
    assert all(len(tasks) == 2 for tasks in per_fold)
    assert len(set(per_fold)) > 1
    _, first_test = next(cv.split(X))
    assert target_tasks(first_test[::-1]) == per_fold[0]


def test_splitter_survives_pickling(relational_data):
    X, Y = relational_data
    cv = RelationalKFold(GroupKFold(3), visible_ratio=0.3, random_state=2)
    copy = pickle.loads(pickle.dumps(cv))
    groups = np.arange(len(X)) % 5
    assert _folds(copy, X, Y, groups) == _folds(cv, X, Y, groups)
    np.testing.assert_array_equal(copy.mask(X, Y)[1], cv.mask(X, Y)[1])


@pytest.mark.parametrize(
    "params, message",
    [
        ({"visible_ratio": 1.0}, "visible_ratio must be a float in \\[0, 1\\)"),
        ({"visible_ratio": -0.1}, "visible_ratio"),
        ({"visible_ratio": True}, "visible_ratio"),
        ({"random_state": None}, "random_state must be an int"),
        ({"random_state": np.random.RandomState(0)}, "random_state must be an int"),
        ({"target_tasks": 3}, "pass \\[3\\]"),
        ({"target_tasks": 1.5}, "target_tasks as a fraction"),
        ({"target_tasks": []}, "target_tasks as a list"),
        ({"target_tasks": [0, 0]}, "target_tasks as a list"),
        ({"target_tasks": [0.5]}, "target_tasks as a list"),
    ],
)
def test_invalid_masking_parameters_are_refused_at_construction(params, message):
    with pytest.raises(ValueError, match=message):
        RelationalKFold(3, **params)


def test_an_invalid_row_splitter_is_refused_at_construction():
    with pytest.raises(ValueError, match="n_splits=2 or more"):
        RelationalKFold(1)


def test_mask_refuses_a_target_task_beyond_the_columns_of_y(relational_data):
    X, Y = relational_data
    with pytest.raises(ValueError, match="target_tasks holds task indices \\[4\\]"):
        RelationalKFold(target_tasks=[0, 4]).mask(X, Y)


def test_mask_refuses_1d_labels(relational_data):
    X, Y = relational_data
    with pytest.raises(ValueError, match="Y must be 2-D"):
        RelationalKFold().mask(X, Y[:, 0])


def test_mask_refuses_labels_with_another_number_of_rows(relational_data):
    X, Y = relational_data
    with pytest.raises(ValueError, match="Y has 149 rows but X has 150"):
        RelationalKFold().mask(X, Y[1:])


def test_mask_refuses_objects_that_cannot_be_hashed_stably():
    X = np.array([[object()], [object()]], dtype=object)
    with pytest.raises(TypeError, match="X holds 'object' objects"):
        RelationalKFold().mask(X, [[0, 1], [1, 0]])
