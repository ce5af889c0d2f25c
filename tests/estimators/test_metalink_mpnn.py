import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from skorch.dataset import get_len
from sklearn.pipeline import make_pipeline
from torch_geometric.data import Data

from sklearn_metalink import MetaLinkClassifier
from sklearn_metalink.chem import MolecularGraphFeaturizer
from sklearn_metalink.datasets import load_tox21
from sklearn_metalink.estimators._inputs import MolecularGraphs

# The first 100 parseable Tox21 molecules hold no active of NR-AR-LBD, the first 40 none
# of SR-MMP and SR-p53: fits here warn of tasks with one class.
pytestmark = pytest.mark.filterwarnings("ignore:.*labels of one class only:UserWarning")

SMALL = dict(
    encoder="mpnn", hidden=16, max_epochs=3, batch_size=32, support_size=32, random_state=0
)


@pytest.fixture(scope="module", autouse=True)
def one_torch_thread():
    """Each fit here is a few tiny steps: with the 2 cores shared, a second torch thread
    spends its time waiting for the first (the fits here ran ~10x slower with 2 threads)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def tox21_sample():
    smiles, Y = load_tox21(return_X_y=True)
    keep = np.flatnonzero(["[AlH3]" not in s for s in smiles])[:100]  # parseable with "raise"
    return smiles[keep], Y[keep]


@pytest.fixture(scope="module")
def fitted(tox21_sample):
    smiles, Y = tox21_sample
    return MetaLinkClassifier(**SMALL).fit(smiles, Y)


def test_fits_on_smiles_and_predicts_probabilities(fitted, tox21_sample):
    smiles, Y = tox21_sample

    P = fitted.predict_proba(smiles[:10])

    assert P.shape == (10, Y.shape[1])
    assert ((P > 0) & (P < 1)).all()
    assert fitted.n_features_in_ == 1


def test_pipeline_of_featurizer_and_classifier_equals_smiles_input(fitted, tox21_sample):
    smiles, Y = tox21_sample
    pipeline = make_pipeline(MolecularGraphFeaturizer(), MetaLinkClassifier(**SMALL))

    pipeline.fit(smiles, Y)

    np.testing.assert_array_equal(
        pipeline.predict_proba(smiles[:10]), fitted.predict_proba(smiles[:10])
    )


def test_same_random_state_gives_identical_predictions(fitted, tox21_sample):
    smiles, Y = tox21_sample

    refitted = MetaLinkClassifier(**SMALL).fit(smiles, Y)

    np.testing.assert_array_equal(refitted.predict_proba(smiles), fitted.predict_proba(smiles))


def test_a_row_is_predicted_the_same_alone_or_with_others(fitted, tox21_sample):
    smiles, _ = tox21_sample

    np.testing.assert_allclose(
        fitted.predict_proba(smiles[3:4]), fitted.predict_proba(smiles[:8])[3:4], atol=1e-6
    )


def test_pickle_round_trip_keeps_predictions(fitted, tox21_sample):
    smiles, _ = tox21_sample

    restored = pickle.loads(pickle.dumps(fitted))

    np.testing.assert_array_equal(restored.predict_proba(smiles), fitted.predict_proba(smiles))


def test_known_labels_of_the_row_change_the_other_predictions(fitted, tox21_sample):
    smiles, Y = tox21_sample
    context = np.full((10, Y.shape[1]), np.nan)
    context[:, 0] = 1

    P = fitted.predict_proba(smiles[:10], Y=context)

    assert not np.allclose(P[:, 1:], fitted.predict_proba(smiles[:10])[:, 1:])


def test_invalid_smiles_raise_naming_their_rows(tox21_sample):
    smiles, Y = tox21_sample
    smiles = smiles.copy()
    smiles[4] = "C1CC"

    with pytest.raises(ValueError, match=r"rows 4 \('C1CC'\)"):
        MetaLinkClassifier(**SMALL).fit(smiles, Y)


def test_predict_rejects_smiles_for_a_model_fitted_on_numeric_features(tox21_sample):
    smiles, Y = tox21_sample
    clf = MetaLinkClassifier(hidden=8, max_epochs=1, random_state=0).fit(np.eye(100, 5), Y)

    with pytest.raises(ValueError, match="fitted with 5 features"):
        MolecularGraphs().validate(clf, smiles, reset=False)


def test_dataframe_column_name_is_recorded_and_checked(tox21_sample):
    smiles, _ = tox21_sample
    clf = MetaLinkClassifier(**SMALL)

    MolecularGraphs().validate(clf, pd.DataFrame({"smiles": smiles[:3]}), reset=True)

    assert clf.feature_names_in_.tolist() == ["smiles"]
    with pytest.raises(ValueError, match="feature names"):
        MolecularGraphs().validate(clf, pd.DataFrame({"mol": smiles[:3]}), reset=False)


def test_skorch_counts_graphs_as_the_batch_size(tox21_sample):
    smiles, _ = tox21_sample
    graphs = MolecularGraphs().validate(MetaLinkClassifier(**SMALL), smiles, reset=True)
    rows = np.arange(7)

    batch = {"x": MolecularGraphs().batch(graphs, rows), "y": np.zeros((7, 12))}

    assert get_len(batch) == 7


def test_new_tasks_from_a_smiles_support(tox21_sample):
    smiles, Y = tox21_sample
    model = MetaLinkClassifier(**SMALL, task_nodes="shared").fit(smiles[:80], Y[:80, :10])
    bound = model.with_support(smiles[:40], Y[:40, 10:])
    P = bound.predict_proba(smiles[80:])
    assert P.shape == (20, 2)
    np.testing.assert_array_equal(bound.predict_proba(smiles[85:90]), P[5:10])
    with pytest.raises(ValueError, match=r"rows 1 \('not a smiles'\)"):
        model.with_support(["CCO", "not a smiles"], [[1, 0], [0, 1]])


def _graph_column(graphs):
    column = np.empty(len(graphs), dtype=object)
    column[:] = graphs
    return column


def _narrow(graph):
    """The graph with only the first 10 atom features."""
    return Data(x=graph.x[:, :10], edge_index=graph.edge_index, edge_attr=graph.edge_attr)


def test_predicting_graphs_of_another_atom_feature_width_is_a_value_error(fitted, tox21_sample):
    graphs = MolecularGraphFeaturizer().fit_transform(tox21_sample[0][:2])
    narrow = _graph_column([_narrow(graph) for graph in graphs])
    with pytest.raises(ValueError, match="10 atom and 14 bond features, but .* for 72 and 14"):
        fitted.predict_proba(narrow)


def test_a_graph_without_edge_attr_is_a_value_error_naming_its_row(fitted, tox21_sample):
    graphs = MolecularGraphFeaturizer().fit_transform(tox21_sample[0][:3])
    graphs[1] = Data(x=graphs[1].x, edge_index=graphs[1].edge_index)
    with pytest.raises(ValueError, match="row 1 of X has no tensor edge_attr"):
        fitted.predict_proba(graphs)


def test_fitting_graphs_of_different_widths_names_the_first_odd_row(tox21_sample):
    smiles, Y = tox21_sample
    graphs = MolecularGraphFeaturizer().fit_transform(smiles[:20])
    graphs[5] = _narrow(graphs[5])
    expected = "row 5 of X has 10 atom and 14 bond features, but row 0 has 72 and 14"
    with pytest.raises(ValueError, match=expected):
        MetaLinkClassifier(**SMALL).fit(graphs, Y[:20])
