import numpy as np
import pandas as pd
import pytest
from sklearn import config_context
from sklearn.model_selection import GridSearchCV, cross_val_score, cross_validate
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import make_pipeline

from sklearn_metalink.chem import MorganFingerprint, ScaffoldKFold, ScaffoldSplit, murcko_scaffold
from sklearn_metalink.datasets import load_tox21

# 24 molecules, 11 scaffolds of 1 to 4 molecules.
SMILES = [
    "c1ccccc1O", "c1ccccc1N", "Cc1ccccc1", "c1ccccc1C(=O)O",
    "C1CCCCC1O", "C1CCCCC1N",
    "c1ccncc1", "Cc1ccncc1",
    "c1ccc2ccccc2c1", "Oc1ccc2ccccc2c1",
    "C1CCNCC1", "CC1CCNCC1",
    "CCO", "CCN", "CCCC", "CC(=O)O",
    "c1ccc(-c2ccccc2)cc1", "Oc1ccc(-c2ccccc2)cc1",
    "c1ccc2[nH]ccc2c1", "Cc1c[nH]c2ccccc12",
    "c1ccoc1", "Cc1ccoc1",
    "c1ccsc1", "CC1CC1",
]  # fmt: skip
SCAFFOLDS = np.array([murcko_scaffold(s) for s in SMILES])


@pytest.fixture(scope="module")
def tox21_smiles():
    return load_tox21(return_X_y=True)[0]


def test_murcko_scaffold_keeps_rings_and_linkers():
    assert murcko_scaffold("CC(=O)Oc1ccccc1C(=O)O") == "c1ccccc1"
    assert murcko_scaffold("OCc1ccc(Cc2ccccn2)cc1") == "c1ccc(Cc2ccccn2)cc1"


def test_acyclic_molecule_has_the_empty_scaffold():
    assert murcko_scaffold("CCCCO") == ""


def test_murcko_scaffold_accepts_a_molecule_failing_only_the_valence_check():
    assert murcko_scaffold("O=C(O[AlH3](O)O)c1ccccc1") == "c1ccccc1"


def test_murcko_scaffold_raises_on_unparsable_smiles():
    with pytest.raises(ValueError, match="C1CC"):
        murcko_scaffold("C1CC")


def _assert_disjoint_scaffolds(*parts):
    scaffold_sets = [set(SCAFFOLDS[part]) for part in parts]
    for i, first in enumerate(scaffold_sets):
        for second in scaffold_sets[i + 1 :]:
            assert not first & second


@pytest.mark.parametrize("balanced", [True, False])
def test_scaffold_split_parts_cover_every_row_once_with_disjoint_scaffolds(balanced):
    splitter = ScaffoldSplit(test_size=0.2, valid_size=0.2, balanced=balanced, random_state=0)

    train, valid, test = splitter.train_valid_test(SMILES)

    np.testing.assert_array_equal(np.sort(np.concatenate([train, valid, test])), np.arange(24))
    _assert_disjoint_scaffolds(train, valid, test)


def test_scaffold_split_is_deterministic_per_random_state_and_varies_across_seeds():
    splits = {
        seed: [part.tolist() for part in ScaffoldSplit(random_state=seed).train_valid_test(SMILES)]
        for seed in range(5)
    }

    assert ScaffoldSplit(random_state=0).train_valid_test(SMILES)[2].tolist() == splits[0][2]
    assert len({str(split) for split in splits.values()}) > 1


def test_unbalanced_scaffold_split_puts_the_largest_scaffolds_in_train():
    train, _, _ = ScaffoldSplit(balanced=False).train_valid_test(SMILES)

    assert {"c1ccccc1", ""} <= set(SCAFFOLDS[train])


def test_scaffold_split_yields_train_with_validation_and_the_same_test():
    splitter = ScaffoldSplit(test_size=0.2, valid_size=0.2, random_state=3)
    train, valid, test = splitter.train_valid_test(SMILES)

    (fold,) = list(splitter.split(SMILES))

    np.testing.assert_array_equal(fold[0], np.sort(np.concatenate([train, valid])))
    np.testing.assert_array_equal(fold[1], test)
    assert splitter.get_n_splits() == 1


def test_balanced_scaffold_split_of_tox21_is_close_to_80_10_10(tox21_smiles):
    train, valid, test = ScaffoldSplit(random_state=0).train_valid_test(tox21_smiles)

    assert abs(len(train) - 0.8 * 7831) < 10
    assert abs(len(valid) - 0.1 * 7831) < 10
    assert len(train) + len(valid) + len(test) == 7831


@pytest.mark.parametrize("test_size, valid_size", [(0, 0.1), (0.1, 1.2), (0.5, 0.5), ("0.1", 0.1)])
def test_scaffold_split_rejects_bad_sizes(test_size, valid_size):
    with pytest.raises(ValueError, match="test_size|valid_size"):
        ScaffoldSplit(test_size=test_size, valid_size=valid_size).train_valid_test(SMILES)


@pytest.mark.parametrize("shuffle, random_state", [(False, None), (True, 0)])
def test_every_row_is_in_exactly_one_test_fold_and_scaffolds_do_not_cross(shuffle, random_state):
    cv = ScaffoldKFold(n_splits=4, shuffle=shuffle, random_state=random_state)

    folds = list(cv.split(SMILES))

    tests = np.concatenate([test for _, test in folds])
    np.testing.assert_array_equal(np.sort(tests), np.arange(24))
    for train, test in folds:
        np.testing.assert_array_equal(np.sort(np.concatenate([train, test])), np.arange(24))
        _assert_disjoint_scaffolds(train, test)


def test_scaffold_kfold_is_deterministic_per_random_state():
    def folds(seed):
        cv = ScaffoldKFold(n_splits=3, shuffle=True, random_state=seed)
        return [test.tolist() for _, test in cv.split(SMILES)]

    assert folds(0) == folds(0)
    assert any(folds(seed) != folds(0) for seed in range(1, 6))


def test_scaffold_kfold_uses_groups_instead_of_x_when_given():
    groups = ["a", "a", "b", "b", "c", "c"]

    folds = list(ScaffoldKFold(n_splits=3).split(np.zeros(6), groups=groups))

    assert sorted(test.tolist() for _, test in folds) == [[0, 1], [2, 3], [4, 5]]


@pytest.mark.parametrize(
    "X",
    [SMILES, np.array(SMILES, dtype=object), pd.Series(SMILES), pd.DataFrame({"smiles": SMILES})],
    ids=["list", "array", "series", "frame"],
)
def test_scaffold_kfold_reads_scaffolds_from_any_smiles_container(X):
    folds = [test.tolist() for _, test in ScaffoldKFold(n_splits=3).split(X)]

    assert folds == [test.tolist() for _, test in ScaffoldKFold(n_splits=3).split(SMILES)]


def test_scaffold_kfold_rejects_more_folds_than_scaffolds():
    with pytest.raises(ValueError, match="number of scaffolds: 2"):
        list(ScaffoldKFold(n_splits=3).split(["CCO", "CCN", "c1ccccc1"] * 2))


def test_scaffold_splitters_work_as_cv_in_scikit_learn():
    y = np.array([i % 2 for i in range(24)])
    model = make_pipeline(MorganFingerprint(n_bits=128), KNeighborsClassifier(n_neighbors=3))

    scores = cross_val_score(model, SMILES, y, cv=ScaffoldKFold(n_splits=3))
    search = GridSearchCV(
        model, {"kneighborsclassifier__n_neighbors": [1, 3]}, cv=ScaffoldSplit(random_state=0)
    ).fit(SMILES, y)

    assert len(scores) == 3
    assert len(search.cv_results_["split0_test_score"]) == 2


@pytest.mark.parametrize("cv", [ScaffoldKFold(n_splits=3), ScaffoldSplit(random_state=0)])
def test_groups_reach_the_splitters_through_metadata_routing(cv):
    y = np.array([i % 2 for i in range(24)])
    groups = np.tile(["a", "b", "c", "d", "e", "f"], 4)  # unrelated to the scaffolds
    model = make_pipeline(MorganFingerprint(n_bits=64), KNeighborsClassifier(n_neighbors=1))

    with config_context(enable_metadata_routing=True):
        result = cross_validate(
            model, SMILES, y, cv=cv, params={"groups": groups}, return_indices=True
        )

    # The given groups, not the scaffolds, decide: each test fold holds whole groups.
    for test in result["indices"]["test"]:
        np.testing.assert_array_equal(np.flatnonzero(np.isin(groups, groups[test])), test)
