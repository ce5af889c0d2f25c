"""Model files that load without unpickling: tensors in safetensors, everything else in JSON.

One ``.safetensors`` file (see ``_format.py``) holds the module weights and buffers (stored
support states included) and the estimator's array attributes as tensors, and a JSON
document with the classes, parameters and fitted attributes needed to rebuild the model.
Loading reads the JSON with ``json``, the tensors with ``safetensors`` and rebuilds every
object from a fixed list of classes of this package: nothing in the file is ever executed.
"""

import json

import numpy as np
import torch
from skorch import NeuralNet
from skorch.history import History
from sklearn.pipeline import Pipeline
from torch_geometric.data import Data

from .. import chem
from ..chem._molecules import MoleculeTransformer
from ..chem._graphs import ATOM_FEATURES, BOND_FEATURES
from ..estimators import DistributedMetaLinkClassifier, MetaLinkClassifier, TaskGraphClassifier
from ..estimators._base import check_device
from ..estimators._retrieval import ColumnNeighbours, LabelNeighbours
from ..nn import MaskedBCEWithLogitsLoss
from ._format import dumps, read_model_file, write_model_file

_ESTIMATORS = {
    cls.__name__: cls
    for cls in (MetaLinkClassifier, DistributedMetaLinkClassifier, TaskGraphClassifier)
}
# The molecule transformers learn nothing from data: parameters and the feature counts
# rebuild them.
_TRANSFORMERS = {
    name: getattr(chem, name)
    for name in chem.__all__
    if isinstance(getattr(chem, name), type)
    and issubclass(getattr(chem, name), MoleculeTransformer)
}
# Fitted attributes of the estimators, each stored by the rule of its kind below. A fitted
# attribute not listed stops save_model, so that no state is silently left out of a file.
_ESTIMATOR_JSON_ATTRIBUTES = (
    "n_tasks_", "n_features_in_", "task_names_", "feature_names_in_", "n_epochs_"
)
_ESTIMATOR_ARRAY_ATTRIBUTES = ("_task_prior", "task_relations_")
_ESTIMATOR_SPECIAL_ATTRIBUTES = (
    "net_", "classes_", "_single_output", "_y_dtype", "_neighbours", "_support_neighbours"
)
_TRANSFORMER_ATTRIBUTES = ("n_features_in_", "n_features_out_", "feature_names_in_")


def save_model(model, path):
    """Write a fitted model to a safetensors file that loads without unpickling.

    Parameters
    ----------
    model : MetaLinkClassifier, TaskGraphClassifier or Pipeline
        Fitted. A Pipeline may chain the molecule transformers of
        :mod:`sklearn_metalink.chem` and must end in one of the two classifiers. The
        classifier's ``encoder`` must be ``"mlp"`` or ``"mpnn"`` (a torch module given as
        encoder is code, which the file format does not hold) and ``callbacks`` must be
        None; ``random_state`` must be an int or None.
    path : str or path-like
        File to write, conventionally ending in ``.safetensors``.

    Returns
    -------
    path : pathlib.Path
        The file written.

    Raises
    ------
    TypeError
        If a step of the model is not one the file format can rebuild.
    ValueError
        If the model is not fitted or a parameter cannot be stored as JSON; the message
        names the parameter.

    See Also
    --------
    load_model : Read the file back.
    read_model_info : The file's JSON document, without building the model.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from pathlib import Path
    >>> from sklearn_metalink import MetaLinkClassifier
    >>> from sklearn_metalink.persistence import load_model, save_model
    >>> rng = np.random.RandomState(0)
    >>> X, Y = rng.rand(60, 4), (rng.rand(60, 3) > 0.5).astype(float)
    >>> clf = MetaLinkClassifier(hidden=8, max_epochs=2, random_state=0).fit(X, Y)
    >>> path = save_model(clf, Path(tempfile.mkdtemp()) / "model.safetensors")
    >>> bool((load_model(path).predict_proba(X) == clf.predict_proba(X)).all())
    True
    """
    arrays = {}
    description = _describe_model(model, arrays)
    return write_model_file(path, description, arrays)


def load_model(path):
    """Read a model written by :func:`save_model`, without unpickling anything.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model`.

    Returns
    -------
    model : MetaLinkClassifier, TaskGraphClassifier or Pipeline
        Fitted, with the parameters, task names and predictions of the saved model (bit for
        bit on the same device). ``net_`` is a skorch net ready for inference, with the
        training history; refitting trains afresh, as for any estimator.

    Raises
    ------
    ValueError
        If the file is not a model file of this package, is truncated, was edited after it
        was written (its digest no longer matches), was written by a newer file format, or
        holds weights that do not fit the model it describes.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from pathlib import Path
    >>> from sklearn_metalink import MetaLinkClassifier
    >>> from sklearn_metalink.persistence import load_model, save_model
    >>> rng = np.random.RandomState(0)
    >>> X, Y = rng.rand(60, 4), (rng.rand(60, 3) > 0.5).astype(float)
    >>> clf = MetaLinkClassifier(hidden=8, max_epochs=2, random_state=0).fit(X, Y)
    >>> loaded = load_model(save_model(clf, Path(tempfile.mkdtemp()) / "m.safetensors"))
    >>> loaded.task_names_.tolist()
    ['task_0', 'task_1', 'task_2']
    """
    document, arrays = read_model_file(path)
    try:
        return _build_model(document["model"], arrays)
    except (KeyError, TypeError, ValueError, RuntimeError) as error:
        raise ValueError(
            f"{path} does not describe a model this version can build: {error}"
        ) from None


# --- writing ---------------------------------------------------------------------------------


def _describe_model(model, arrays):
    """The JSON description of a model; its arrays are added to ``arrays`` by name."""
    if isinstance(model, Pipeline):
        *head, (last_name, last) = model.steps
        steps = [_describe_transformer(name, step) for name, step in head]
        steps.append({"name": last_name, **_describe_estimator(last, arrays)})
        params = _encode_params(model.get_params(deep=False), "Pipeline", exclude=("steps",))
        return {"kind": "pipeline", "params": params, "steps": steps}
    return _describe_estimator(model, arrays)


def _describe_transformer(name, step):
    cls = type(step)
    if _TRANSFORMERS.get(cls.__name__) is not cls:
        raise TypeError(
            f"Pipeline step {name!r} is a {cls.__name__}; a model file can hold the molecule "
            f"transformers {sorted(_TRANSFORMERS)} before the classifier. Save this model with "
            "pickle or joblib instead (see the persistence guide)."
        )
    _check_fitted(step, "n_features_in_", name)
    fitted = {
        key: _to_json(getattr(step, key)) for key in _TRANSFORMER_ATTRIBUTES if hasattr(step, key)
    }
    params = _encode_params(step.get_params(deep=False), cls.__name__)
    return {
        "name": name,
        "kind": "transformer",
        "class": cls.__name__,
        "params": params,
        "fitted": fitted,
    }


def _describe_estimator(estimator, arrays):
    cls = type(estimator)
    if _ESTIMATORS.get(cls.__name__) is not cls:
        raise TypeError(
            f"A model file holds a MetaLinkClassifier or TaskGraphClassifier, alone or at the "
            f"end of a Pipeline; got {cls.__name__}"
        )
    _check_fitted(estimator, "net_", cls.__name__)
    _check_known_attributes(estimator)
    module = estimator.net_.module_
    fitted = {
        key: _to_json(getattr(estimator, key))
        for key in _ESTIMATOR_JSON_ATTRIBUTES
        if hasattr(estimator, key)
    }
    fitted["single_output"] = bool(estimator._single_output)
    fitted["classes"] = _encode_classes(estimator.classes_, estimator._single_output)
    if hasattr(estimator, "_y_dtype"):
        fitted["y_dtype"] = np.dtype(estimator._y_dtype).str
    fitted["module_n_tasks"] = int(getattr(module, "n_tasks", estimator.n_tasks_))
    fitted["history"] = json.loads(dumps(estimator.net_.history.to_list()))
    for key in _ESTIMATOR_ARRAY_ATTRIBUTES:
        if hasattr(estimator, key):
            arrays[f"estimator.{key}"] = np.ascontiguousarray(getattr(estimator, key))
    for key, value in module.state_dict().items():
        arrays[f"module.{key}"] = value.detach().cpu().numpy()
    neighbours = getattr(estimator, "_neighbours", None)
    fitted["neighbours"] = neighbours is not None
    if neighbours is not None:
        for key, value in neighbours.to_arrays().items():
            arrays[f"neighbours.{key}"] = np.ascontiguousarray(value)
    # A model bound by with_support: its support rows, for the new tasks' neighbours.
    support = getattr(estimator, "_support_neighbours", None)
    fitted["support_neighbours"] = support is not None
    if support is not None:
        for key, value in support.to_arrays().items():
            arrays[f"support_neighbours.{key}"] = np.ascontiguousarray(value)
    params = _encode_params(estimator.get_params(deep=False), cls.__name__)
    return {"kind": "estimator", "class": cls.__name__, "params": params, "fitted": fitted}


def _check_fitted(step, attribute, name):
    if not hasattr(step, attribute):
        raise ValueError(f"{name} is not fitted: fit the model before saving it")


def _check_known_attributes(estimator):
    params = estimator.get_params(deep=False)
    known = _ESTIMATOR_JSON_ATTRIBUTES + _ESTIMATOR_ARRAY_ATTRIBUTES + _ESTIMATOR_SPECIAL_ATTRIBUTES
    unknown = sorted(key for key in vars(estimator) if key not in params and key not in known)
    if unknown:
        raise TypeError(
            f"{type(estimator).__name__} has fitted attributes {unknown} that the model file "
            "format does not store; save it with pickle or joblib instead"
        )


def _encode_params(params, owner, exclude=()):
    """Parameters as JSON values; a tuple becomes ``{"tuple": [...]}``."""
    encoded = {}
    for key, value in params.items():
        if key in exclude:
            continue
        try:
            encoded[key] = _encode_param(value)
        except TypeError:
            raise ValueError(
                f"{owner}'s parameter {key} (a {type(value).__name__}) cannot be stored in a "
                "model file, which holds no code or Python objects (only numbers, strings and "
                "lists: callbacks=None, encoder 'mlp' or 'mpnn', an int random_state). Save "
                "this model with pickle or joblib instead."
            ) from None
    return encoded


def _encode_param(value):
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, torch.device):
        return str(value)
    if isinstance(value, tuple):
        return {"tuple": [_encode_param(v) for v in value]}
    if isinstance(value, (list, np.ndarray)):
        return [_encode_param(v) for v in value]
    raise TypeError(type(value).__name__)


def _encode_classes(classes, single_output):
    if not single_output:
        return None
    values = classes.tolist()
    try:
        json.dumps(values)
    except TypeError:
        raise ValueError(
            f"The classes of y {classes!r} cannot be stored in a model file (only numbers, "
            "strings and booleans can); save this model with pickle or joblib instead"
        ) from None
    return {"values": values, "dtype": classes.dtype.str}


def _to_json(value):
    return value.tolist() if isinstance(value, np.ndarray) else _encode_param(value)


# --- reading ---------------------------------------------------------------------------------


def _build_model(spec, arrays):
    if spec["kind"] == "estimator":
        return _build_estimator(spec, arrays)
    if spec["kind"] != "pipeline":
        raise ValueError(f"unknown model kind {spec['kind']!r}")
    *head, last = spec["steps"]
    steps = [(step["name"], _build_transformer(step)) for step in head]
    steps.append((last["name"], _build_estimator(last, arrays)))
    return Pipeline(steps, **_decode_params(spec["params"]))


def _build_transformer(spec):
    cls = _lookup(_TRANSFORMERS, spec["class"], "transformer")
    step = cls(**_decode_params(spec["params"]))
    for key, value in spec["fitted"].items():
        if key not in _TRANSFORMER_ATTRIBUTES:
            raise ValueError(f"unknown fitted attribute {key!r} of {spec['class']}")
        setattr(step, key, np.asarray(value, dtype=object) if isinstance(value, list) else value)
    return step


def _lookup(classes, name, what):
    if name not in classes:
        raise ValueError(f"{name!r} is not a {what} a model file can hold ({sorted(classes)})")
    return classes[name]


def _decode_params(params):
    return {key: _decode_param(value) for key, value in params.items()}


def _decode_param(value):
    if isinstance(value, dict):
        return tuple(_decode_param(v) for v in value["tuple"])
    if isinstance(value, list):
        return [_decode_param(v) for v in value]
    return value


def _build_estimator(spec, arrays):
    cls = _lookup(_ESTIMATORS, spec["class"], "classifier")
    estimator = cls(**_decode_params(spec["params"]))
    estimator._validate_params()
    fitted = spec["fitted"]
    estimator.n_tasks_ = int(fitted["n_tasks_"])
    estimator.n_features_in_ = int(fitted["n_features_in_"])
    estimator.n_epochs_ = int(fitted["n_epochs_"])
    estimator.task_names_ = np.asarray(fitted["task_names_"], dtype=object)
    if "feature_names_in_" in fitted:
        estimator.feature_names_in_ = np.asarray(fitted["feature_names_in_"], dtype=object)
    estimator._single_output = bool(fitted["single_output"])
    if estimator._single_output:
        classes = fitted["classes"]
        estimator.classes_ = np.asarray(classes["values"], dtype=np.dtype(classes["dtype"]))
    else:
        estimator.classes_ = [np.array([0, 1])] * estimator.n_tasks_
    if "y_dtype" in fitted:
        estimator._y_dtype = np.dtype(fitted["y_dtype"])
    for key in _ESTIMATOR_ARRAY_ATTRIBUTES:
        if f"estimator.{key}" in arrays:
            setattr(estimator, key, arrays[f"estimator.{key}"])
    if issubclass(cls, MetaLinkClassifier):
        estimator._neighbours = (
            LabelNeighbours.from_arrays(_with_prefix(arrays, "neighbours."))
            if fitted["neighbours"] else None
        )
        estimator._support_neighbours = (
            ColumnNeighbours.from_arrays(_with_prefix(arrays, "support_neighbours."))
            if fitted.get("support_neighbours") else None
        )
    state = {
        key.removeprefix("module."): torch.from_numpy(value)
        for key, value in arrays.items()
        if key.startswith("module.")
    }
    module = _build_module(estimator, int(fitted["module_n_tasks"]), state)
    estimator.net_ = _inference_net(estimator, module, fitted["history"])
    return estimator


def _with_prefix(arrays, prefix):
    return {key.removeprefix(prefix): value for key, value in arrays.items() if key.startswith(prefix)}


def _build_module(estimator, module_n_tasks, state):
    """The estimator's torch module with the stored weights and buffers."""
    # _build_module sizes the module from n_tasks_ and the input width; a model bound by
    # with_support predicts other columns than its module was built with.
    n_tasks = estimator.n_tasks_
    estimator.n_tasks_ = module_n_tasks
    # Weight init draws from torch's global generator: fork it, the caller's stays untouched.
    with torch.random.fork_rng(devices=[]):
        module = estimator._build_module(_input_stub(estimator))
    estimator.n_tasks_ = n_tasks
    # Buffers sized by the data at fit (the stored support states) take the stored shape.
    for name, buffer in module.named_buffers():
        if name in state and state[name].shape != buffer.shape:
            owner, _, leaf = name.rpartition(".")
            setattr(module.get_submodule(owner), leaf, torch.empty_like(state[name]))
    module.load_state_dict(state, strict=True)
    return module.eval()


def _input_stub(estimator):
    """An X from which ``_build_module`` reads the input width, and nothing else."""
    if estimator.get_params().get("encoder") == "mpnn":
        empty = Data(x=torch.empty(0, ATOM_FEATURES), edge_attr=torch.empty(0, BOND_FEATURES))
        return [empty]
    return np.empty((0, estimator.n_features_in_), dtype=np.float32)


def _inference_net(estimator, module, history):
    check_device(estimator.device)
    # The criterion serves training only; a refit builds the estimator's own.
    net = NeuralNet(
        module=module,
        criterion=MaskedBCEWithLogitsLoss,
        batch_size=estimator.batch_size,
        max_epochs=estimator.max_epochs,
        lr=estimator.lr,
        device=estimator.device,
        verbose=0,
    ).initialize()
    net.history = History(history)
    return net
