import pickle

import numpy as np
import pandas as pd
import pytest
from joblib import parallel_config
from rdkit import Chem
from rdkit.Chem import rdFingerprintGenerator
from scipy import sparse
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from sklearn_metalink.chem import (
    AtomPairFingerprint,
    MACCSKeys,
    MorganFingerprint,
    RDKitDescriptors,
    TopologicalTorsionFingerprint,
)

SMILES = [
    "CCO",
    "c1ccccc1O",
    "CC(=O)Nc1ccc(O)cc1",
    "CN1CCC[C@H]1c1cccnc1",
    "CC(C)Cc1ccc(C(C)C(=O)O)cc1",
    "O=C(O)c1ccccc1OC(C)=O",
]
FINGERPRINTS = [
    MorganFingerprint(n_bits=256),
    AtomPairFingerprint(n_bits=256),
    TopologicalTorsionFingerprint(n_bits=256),
    MACCSKeys(),
]
TRANSFORMERS = [*FINGERPRINTS, RDKitDescriptors()]


def _name(transformer):
    return type(transformer).__name__


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=_name)
def test_fit_records_one_input_feature_and_the_output_width(transformer):
    fitted = clone(transformer).fit(SMILES)

    assert fitted.n_features_in_ == 1
    assert fitted.transform(SMILES).shape == (len(SMILES), fitted.n_features_out_)
    assert len(fitted.get_feature_names_out()) == fitted.n_features_out_


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=_name)
def test_transform_before_fit_raises_not_fitted(transformer):
    with pytest.raises(NotFittedError):
        clone(transformer).transform(SMILES)


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=_name)
def test_clone_and_get_params_round_trip(transformer):
    params = transformer.get_params()

    assert clone(transformer).get_params() == params
    assert type(transformer)(**params).get_params() == params


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=_name)
def test_pickled_fitted_transformer_gives_the_same_output(transformer):
    fitted = clone(transformer).fit(SMILES)

    restored = pickle.loads(pickle.dumps(fitted))

    np.testing.assert_array_equal(restored.transform(SMILES), fitted.transform(SMILES))


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=_name)
def test_set_output_pandas_names_columns_and_keeps_the_index(transformer):
    X = pd.DataFrame({"smiles": SMILES}, index=[f"mol{i}" for i in range(len(SMILES))])
    fitted = clone(transformer).set_output(transform="pandas").fit(X)

    frame = fitted.transform(X)

    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == list(fitted.get_feature_names_out())
    assert list(frame.index) == list(X.index)
    assert list(fitted.feature_names_in_) == ["smiles"]


def test_fingerprint_in_a_pipeline_with_a_sklearn_classifier():
    y = [0, 1, 0, 1, 0, 1]
    model = make_pipeline(MorganFingerprint(n_bits=128), LogisticRegression())

    model.fit(SMILES, y)

    assert model.predict_proba(SMILES).shape == (6, 2)


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 4 molecules, so that a few SMILES exercise the chunked path."""
    monkeypatch.setattr("sklearn_metalink.chem._molecules._CHUNK_SIZE", 4)


@pytest.mark.parametrize("transformer", TRANSFORMERS, ids=_name)
def test_parallel_chunks_give_the_same_output_as_one_job(transformer, small_chunks):
    one_job = clone(transformer).set_params(n_jobs=1).fit_transform(SMILES * 3)

    # Threads run the same chunking and reassembly as processes; a process pool would
    # re-import the whole package, torch included, in every worker.
    with parallel_config(backend="threading"):
        two_jobs = clone(transformer).set_params(n_jobs=2).fit_transform(SMILES * 3)

    np.testing.assert_array_equal(two_jobs, one_job)


def test_rows_are_numbered_across_chunks(small_chunks):
    with pytest.raises(ValueError, match=r"rows 6 \('C1CC'\), 13 \('C1CC'\)"):
        MorganFingerprint(n_bits=64).fit_transform(SMILES + ["C1CC"] + SMILES + ["C1CC"])


def test_sparse_output_of_several_chunks_equals_dense_output(small_chunks):
    X = MorganFingerprint(n_bits=256, sparse=True).fit_transform(SMILES * 3)

    dense = MorganFingerprint(n_bits=256).fit_transform(SMILES * 3)
    assert X.format == "csr"
    np.testing.assert_array_equal(X.toarray(), dense)


def test_morgan_matches_rdkit_generator():
    generator = rdFingerprintGenerator.GetMorganGenerator(radius=3, fpSize=512)
    expected = np.array([generator.GetFingerprintAsNumPy(Chem.MolFromSmiles(s)) for s in SMILES])

    X = MorganFingerprint(radius=3, n_bits=512).fit_transform(SMILES)

    np.testing.assert_array_equal(X, expected)
    assert X.dtype == np.uint8


@pytest.mark.parametrize("transformer", FINGERPRINTS[:3], ids=_name)
def test_bits_are_counts_thresholded_at_one(transformer):
    counts = clone(transformer).set_params(counts=True).fit_transform(SMILES)
    bits = clone(transformer).fit_transform(SMILES)

    assert counts.dtype == np.uint32
    assert counts.max() > 1
    np.testing.assert_array_equal(bits, (counts > 0).astype(np.uint8))


def test_chirality_distinguishes_enantiomers():
    enantiomers = ["C[C@H](N)C(=O)O", "C[C@@H](N)C(=O)O"]

    with_chirality = MorganFingerprint(chirality=True).fit_transform(enantiomers)
    without = MorganFingerprint().fit_transform(enantiomers)

    assert not np.array_equal(with_chirality[0], with_chirality[1])
    np.testing.assert_array_equal(without[0], without[1])


@pytest.mark.parametrize("transformer", FINGERPRINTS, ids=_name)
def test_sparse_output_equals_dense_output(transformer):
    dense = clone(transformer).fit_transform(SMILES)

    X = clone(transformer).set_params(sparse=True).fit_transform(SMILES)

    assert sparse.issparse(X) and X.format == "csr"
    np.testing.assert_array_equal(X.toarray(), dense)


def test_maccs_has_167_columns_and_a_constant_first_one():
    X = MACCSKeys().fit_transform(SMILES)

    assert X.shape == (len(SMILES), 167)
    assert not X[:, 0].any()


def test_nan_policy_returns_float32_fingerprints():
    with pytest.warns(UserWarning, match="row"):
        X = MorganFingerprint(n_bits=64, invalid="nan").fit_transform(["CCO", "C1CC"])

    assert X.dtype == np.float32


def test_invalid_parameter_value_is_reported_at_fit():
    with pytest.raises(ValueError, match="'invalid' parameter"):
        MorganFingerprint(invalid="drop").fit(SMILES)


def test_feature_names_carry_the_fingerprint_prefix():
    names = MorganFingerprint(n_bits=4).fit(SMILES).get_feature_names_out()

    assert list(names) == ["morgan_0", "morgan_1", "morgan_2", "morgan_3"]


def test_empty_input_gives_an_empty_matrix():
    X = MorganFingerprint(n_bits=64).fit(SMILES).transform([])

    assert X.shape == (0, 64)
