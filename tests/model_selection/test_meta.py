import numpy as np
import pytest

from sklearn_metalink.model_selection import sample_support, split_tasks

nan = np.nan


def test_split_tasks_holds_out_the_last_columns_by_default():
    train, new = split_tasks(617)
    assert len(new) == 123 and new[0] == 494 and new[-1] == 616
    np.testing.assert_array_equal(np.concatenate([train, new]), np.arange(617))


def test_split_tasks_random_subset_is_seeded_and_disjoint():
    train, new = split_tasks(27, shuffle=True, random_state=3)
    again = split_tasks(27, shuffle=True, random_state=3)
    np.testing.assert_array_equal(new, again[1])
    assert len(new) == 5 and not np.isin(new, train).any()
    assert len(np.union1d(train, new)) == 27
    assert not np.array_equal(new, split_tasks(27)[1])


@pytest.mark.parametrize("test_size", [0, 1.5, 12, "20%", True])
def test_split_tasks_rejects_sizes_without_both_kinds_of_tasks(test_size):
    with pytest.raises(ValueError, match="test_size"):
        split_tasks(12, test_size=test_size)


@pytest.mark.parametrize("n_tasks", [1, 5.0, True])
def test_split_tasks_rejects_bad_n_tasks(n_tasks):
    with pytest.raises(ValueError, match="n_tasks"):
        split_tasks(n_tasks)


def test_sample_support_keeps_k_labels_per_column_with_both_classes():
    rng = np.random.RandomState(0)
    Y = (rng.rand(500, 4) < 0.05).astype(float)  # rare positives
    Y[rng.rand(500, 4) < 0.3] = nan
    S = sample_support(Y, 16, random_state=0)
    known = ~np.isnan(S)
    assert (known.sum(axis=0) == 16).all()
    assert (np.nansum(S, axis=0) >= 1).all() and (np.nansum(1 - S, axis=0) >= 1).all()
    np.testing.assert_array_equal(S[known], Y[known])  # labels are kept, never altered
    np.testing.assert_array_equal(S, sample_support(Y, 16, random_state=0))


def test_sample_support_all_and_short_columns_keep_everything():
    Y = np.array([[1, nan], [0, 1], [1, nan], [0, nan]])
    np.testing.assert_array_equal(sample_support(Y, "all"), Y)
    S = sample_support(Y, 3, random_state=0)
    assert (~np.isnan(S[:, 0])).sum() == 3 and S[1, 1] == 1


@pytest.mark.parametrize("n_shots", [0, -2, 2.5, "some"])
def test_sample_support_rejects_bad_n_shots(n_shots):
    with pytest.raises(ValueError, match="n_shots"):
        sample_support(np.ones((4, 2)), n_shots)


def test_sample_support_validates_labels():
    with pytest.raises(ValueError, match="Y"):
        sample_support(np.full((4, 2), 3.0), 2)
