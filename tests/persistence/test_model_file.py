"""Safe model files: exact round trips, and nothing in a file is ever executed."""

import json
import pickle
import struct

import numpy as np
import pytest
import torch
from safetensors.numpy import load as load_arrays
from safetensors.numpy import save as save_arrays
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_metalink import MetaLinkClassifier, TaskGraphClassifier, with_support
from sklearn_metalink.chem import MorganFingerprint
from sklearn_metalink.datasets import load_tox21
from sklearn_metalink.persistence import load_model, read_model_info, save_model
from sklearn_metalink.persistence._format import digest


@pytest.fixture(scope="module")
def data():
    rng = np.random.RandomState(0)
    X = rng.rand(80, 6)
    Y = (X[:, :3] + 0.3 * rng.rand(80, 3) > 0.6).astype(float)
    Y[rng.rand(*Y.shape) < 0.3] = np.nan
    return X, Y


@pytest.fixture(scope="module")
def fitted(data):
    X, Y = data
    return MetaLinkClassifier(hidden=8, max_epochs=2, visible_ratio=(0.2, 0.8), random_state=0).fit(
        X, Y
    )


@pytest.fixture
def model_file(fitted, tmp_path):
    return save_model(fitted, tmp_path / "model.safetensors")


def rewrite(path, edit_document, recompute_digest=True):
    """Rewrite a model file with its JSON document edited, as someone editing it would."""
    data = path.read_bytes()
    (length,) = struct.unpack("<Q", data[:8])
    metadata = json.loads(data[8 : 8 + length])["__metadata__"]
    arrays = load_arrays(data)
    document = json.loads(metadata["sklearn_metalink"])
    edit_document(document)
    text = json.dumps(document)
    sha256 = digest(text, arrays) if recompute_digest else metadata["sha256"]
    path.write_bytes(save_arrays(arrays, metadata={"sklearn_metalink": text, "sha256": sha256}))


class WritesAFileWhenUnpickled:
    def __init__(self, target):
        self.target = target

    def __reduce__(self):
        return (open, (str(self.target), "w"))


def test_loaded_classifier_predicts_bit_identically_with_and_without_context(
    fitted, data, model_file
):
    X, Y = data
    loaded = load_model(model_file)
    np.testing.assert_array_equal(loaded.predict_proba(X), fitted.predict_proba(X))
    np.testing.assert_array_equal(loaded.predict_proba(X, Y=Y), fitted.predict_proba(X, Y=Y))


def test_loaded_classifier_keeps_parameters_task_names_and_history(fitted, model_file):
    loaded = load_model(model_file)
    assert loaded.get_params() == fitted.get_params()
    assert list(loaded.task_names_) == list(fitted.task_names_)
    assert loaded.net_.history[:, "train_loss"] == fitted.net_.history[:, "train_loss"]


def test_loaded_classifier_keeps_the_number_of_epochs_completed(fitted, model_file):
    assert load_model(model_file).n_epochs_ == fitted.n_epochs_ == 2


def test_task_graph_classifier_round_trips_with_its_task_relations(data, tmp_path):
    X, Y = data
    clf = TaskGraphClassifier(
        graph="star", hidden=8, task_hidden=8, max_epochs=2, pos_weight="balanced", random_state=0
    ).fit(X, Y)
    loaded = load_model(save_model(clf, tmp_path / "model.safetensors"))
    np.testing.assert_array_equal(loaded.predict_proba(X, Y=Y), clf.predict_proba(X, Y=Y))
    np.testing.assert_array_equal(loaded.task_relations_, clf.task_relations_)


def test_binary_classifier_keeps_its_string_classes(data, tmp_path):
    X, Y = data
    y = np.where(X[:, 0] > 0.5, "active", "inactive")
    clf = MetaLinkClassifier(hidden=8, max_epochs=2, random_state=0).fit(X, y)
    loaded = load_model(save_model(clf, tmp_path / "model.safetensors"))
    np.testing.assert_array_equal(loaded.predict(X), clf.predict(X))


def test_model_bound_to_new_tasks_keeps_its_support_states(data, tmp_path):
    X, Y = data
    clf = MetaLinkClassifier(hidden=8, max_epochs=2, task_nodes="shared", random_state=0).fit(X, Y)
    bound = with_support(clf, X[:30], (X[:30, 4:6] > 0.5).astype(float))
    loaded = load_model(save_model(bound, tmp_path / "model.safetensors"))
    assert loaded.n_tasks_ == 2
    np.testing.assert_array_equal(loaded.predict_proba(X), bound.predict_proba(X))
    # The support rows travel with the file: the new tasks' k-NN estimate is blended in.
    assert loaded._support_neighbours is not None
    # So do the label pairs learned on it.
    np.testing.assert_array_equal(
        loaded._support_neighbours.pair_weight, bound._support_neighbours.pair_weight
    )
    context = np.where(np.arange(len(X))[:, None] % 2 == 0, np.nan, (X[:, 4:6] > 0.5))
    np.testing.assert_array_equal(loaded.predict_proba(X, Y=context), bound.predict_proba(X, Y=context))
    bound._support_neighbours = None
    assert not np.array_equal(loaded.predict_proba(X), bound.predict_proba(X))


def test_model_bound_with_its_training_tasks_round_trips(data, tmp_path):
    X, Y = data
    clf = MetaLinkClassifier(hidden=8, max_epochs=2, task_nodes="shared", random_state=0).fit(X, Y)
    support = np.hstack([Y[:30], (X[:30, 4:5] > 0.5).astype(float)])
    bound = with_support(clf, X[:30], support, training_tasks=True)
    loaded = load_model(save_model(bound, tmp_path / "model.safetensors"))
    context = np.where(np.random.RandomState(0).rand(len(X), 4) < 0.5, np.hstack(
        [Y, (X[:, 4:5] > 0.5)]), np.nan)
    np.testing.assert_array_equal(loaded.predict_proba(X, Y=context), bound.predict_proba(X, Y=context))


def test_pipeline_from_smiles_round_trips(tmp_path):
    smiles, Y = load_tox21(return_X_y=True)
    smiles, Y = smiles[:150], Y[:150]
    pipe = make_pipeline(
        MorganFingerprint(n_bits=256, invalid="partial"),
        MetaLinkClassifier(hidden=8, max_epochs=2, random_state=0),
    ).fit(smiles, Y)
    loaded = load_model(save_model(pipe, tmp_path / "model.safetensors"))
    assert loaded[0].get_params() == pipe[0].get_params()
    np.testing.assert_array_equal(
        loaded.predict_proba(smiles, Y=Y), pipe.predict_proba(smiles, Y=Y)
    )


def test_loading_leaves_the_callers_torch_random_state_untouched(model_file):
    torch.manual_seed(0)
    expected = torch.rand(3)
    torch.manual_seed(0)
    load_model(model_file)
    assert torch.equal(torch.rand(3), expected)


def test_info_names_class_tasks_and_versions_without_building(model_file):
    info = read_model_info(model_file)
    assert info["model"]["class"] == "MetaLinkClassifier"
    assert info["model"]["fitted"]["task_names_"] == ["task_0", "task_1", "task_2"]
    assert info["versions"]["torch"] == torch.__version__


def test_pickle_still_round_trips(fitted, data):
    X, Y = data
    restored = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(restored.predict_proba(X, Y=Y), fitted.predict_proba(X, Y=Y))


def test_a_pickle_named_like_a_model_file_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.safetensors"
    path.write_bytes(pickle.dumps(WritesAFileWhenUnpickled(marker)))
    with pytest.raises(ValueError, match="not a sklearn-metalink model file"):
        load_model(path)
    assert not marker.exists()


def test_a_torch_checkpoint_is_refused_without_running(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "model.safetensors"
    torch.save({"model": WritesAFileWhenUnpickled(marker)}, path)
    marker.unlink(missing_ok=True)  # torch.save only pickles; nothing may create it on load
    with pytest.raises(ValueError, match="not a sklearn-metalink model file"):
        load_model(path)
    assert not marker.exists()


def test_a_pickle_payload_in_the_document_is_never_unpickled(model_file, tmp_path):
    marker = tmp_path / "pwned"
    payload = pickle.dumps(WritesAFileWhenUnpickled(marker)).decode("latin-1")

    def plant(document):
        document["model"]["params"]["callbacks"] = payload
        document["model"]["class"] = "pickle.loads"

    rewrite(model_file, plant)
    with pytest.raises(
        ValueError, match="'pickle.loads' is not a classifier a model file can hold"
    ):
        load_model(model_file)
    assert not marker.exists()


def test_truncated_file_is_refused(model_file):
    data = model_file.read_bytes()
    model_file.write_bytes(data[: len(data) - 100])
    with pytest.raises(ValueError, match="truncated"):
        load_model(model_file)


def test_file_with_edited_weights_is_refused(model_file):
    data = bytearray(model_file.read_bytes())
    data[-3] ^= 0xFF
    model_file.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="changed after it was written"):
        load_model(model_file)


def test_file_with_edited_parameters_is_refused(model_file):
    rewrite(model_file, lambda d: d["model"]["params"].update(hidden=9), recompute_digest=False)
    with pytest.raises(ValueError, match="changed after it was written"):
        load_model(model_file)


def test_weights_that_do_not_fit_the_described_model_are_refused(model_file):
    # Edited with a matching digest, as a deliberate edit would be: the shapes still disagree.
    rewrite(model_file, lambda d: d["model"]["params"].update(hidden=9))
    with pytest.raises(ValueError, match="does not describe a model this version can build"):
        load_model(model_file)


def test_file_of_a_newer_format_is_refused_naming_the_versions(model_file):
    rewrite(model_file, lambda d: d.update(format_version=99))
    with pytest.raises(ValueError, match="format version 99, but .* reads version 1"):
        load_model(model_file)


def test_model_with_a_torch_module_as_encoder_cannot_be_saved(data, tmp_path):
    X, Y = data
    encoder = torch.nn.Sequential(torch.nn.Linear(6, 8), torch.nn.ReLU())
    clf = MetaLinkClassifier(hidden=8, encoder=encoder, max_epochs=1, random_state=0).fit(X, Y)
    with pytest.raises(ValueError, match=r"parameter encoder \(a Sequential\) .* pickle or joblib"):
        save_model(clf, tmp_path / "model.safetensors")


def test_pipeline_with_a_step_of_another_library_cannot_be_saved(data, tmp_path):
    X, Y = data
    pipe = make_pipeline(
        StandardScaler(), MetaLinkClassifier(hidden=8, max_epochs=1, random_state=0)
    )
    pipe.fit(X, Y)
    with pytest.raises(TypeError, match="'standardscaler' is a StandardScaler"):
        save_model(pipe, tmp_path / "model.safetensors")


def test_unfitted_model_cannot_be_saved(tmp_path):
    with pytest.raises(ValueError, match="not fitted"):
        save_model(MetaLinkClassifier(), tmp_path / "model.safetensors")
