"""The model file: numpy arrays in safetensors, a JSON document and its digest in the header.

Reading needs neither torch nor any class of the package, so a file can be checked and
described (``sklearn-metalink info``) in a fraction of the time it takes to import torch.
"""

import hashlib
import json
import platform
import struct
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from safetensors import SafetensorError
from safetensors.numpy import load as load_arrays
from safetensors.numpy import save as save_arrays

FORMAT = "sklearn-metalink-model"
FORMAT_VERSION = 1
_METADATA_KEY = "sklearn_metalink"
_DIGEST_KEY = "sha256"
_VERSIONED_PACKAGES = (
    "sklearn-metalink",
    "torch",
    "skorch",
    "scikit-learn",
    "numpy",
    "scipy",
    "rdkit",
    "torch-geometric",
    "safetensors",
)


def write_model_file(path, model, arrays):
    """Write the JSON-able description ``model`` and the named numpy ``arrays`` to ``path``."""
    document = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "versions": versions(),
        "model": model,
    }
    text = dumps(document)
    metadata = {_METADATA_KEY: text, _DIGEST_KEY: digest(text, arrays)}
    path = Path(path)
    path.write_bytes(save_arrays(arrays, metadata=metadata))
    return path


def read_model_file(path):
    """The JSON document and the arrays of an intact model file, or a ValueError."""
    data = Path(path).read_bytes()
    not_ours = f"{path} is not a sklearn-metalink model file"
    metadata = _header_metadata(data, not_ours)
    if _METADATA_KEY not in metadata or _DIGEST_KEY not in metadata:
        raise ValueError(f"{not_ours}: it has no sklearn-metalink metadata")
    try:
        arrays = load_arrays(data)
    except SafetensorError as error:
        raise ValueError(
            f"{path} is truncated or damaged ({error}); save the model again"
        ) from None
    text = metadata[_METADATA_KEY]
    if digest(text, arrays) != metadata[_DIGEST_KEY]:
        raise ValueError(
            f"{path} was changed after it was written: its content no longer matches its "
            "SHA-256 digest. Use an unmodified copy or save the model again."
        )
    document = json.loads(text)
    if document.get("format") != FORMAT:
        raise ValueError(f"{not_ours}: its format is {document.get('format')!r}")
    if document.get("format_version") != FORMAT_VERSION:
        raise ValueError(
            f"{path} has model file format version {document.get('format_version')!r}, but "
            f"this sklearn-metalink (version {versions()['sklearn-metalink']}) reads version "
            f"{FORMAT_VERSION}; written by sklearn-metalink "
            f"{document.get('versions', {}).get('sklearn-metalink')}"
        )
    return document, arrays


def read_model_info(path):
    """The JSON document of a model file: format, versions, model classes and parameters.

    Nothing is built and torch is not imported, so this is fast and also works for a file
    whose model this version cannot load.

    Parameters
    ----------
    path : str or path-like
        A file written by :func:`save_model`.

    Returns
    -------
    info : dict
        ``"format_version"``, ``"versions"`` (package name -> version that wrote the file,
        and ``"python"``), ``"n_bytes"`` (the size of the file) and ``"model"``:
        ``{"kind": "estimator", "class", "params", "fitted"}``, or ``{"kind": "pipeline",
        "params", "steps"}`` with such an entry per step (``"kind": "transformer"`` for
        the steps before the classifier).

    Raises
    ------
    ValueError
        As :func:`load_model`, for a file that is not an intact model file.

    Examples
    --------
    >>> import tempfile
    >>> import numpy as np
    >>> from pathlib import Path
    >>> from sklearn_metalink import MetaLinkClassifier
    >>> from sklearn_metalink.persistence import read_model_info, save_model
    >>> rng = np.random.RandomState(0)
    >>> X, Y = rng.rand(60, 4), (rng.rand(60, 3) > 0.5).astype(float)
    >>> clf = MetaLinkClassifier(hidden=8, max_epochs=2, random_state=0).fit(X, Y)
    >>> info = read_model_info(save_model(clf, Path(tempfile.mkdtemp()) / "m.safetensors"))
    >>> info["model"]["class"], info["model"]["fitted"]["task_names_"]
    ('MetaLinkClassifier', ['task_0', 'task_1', 'task_2'])
    """
    document, _ = read_model_file(path)
    document["n_bytes"] = Path(path).stat().st_size
    return document


def versions():
    """Version of Python and of each package a model file depends on (None if absent)."""
    found = {"python": platform.python_version()}
    for package in _VERSIONED_PACKAGES:
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def dumps(document):
    """Strict JSON (no NaN), with numpy scalars as Python numbers."""
    return json.dumps(document, default=_json_scalar, allow_nan=False, sort_keys=True)


def _json_scalar(value):
    if hasattr(value, "item") and getattr(value, "ndim", None) == 0:
        return value.item()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def digest(text, arrays):
    """SHA-256 of the JSON document and of each array's name, dtype, shape and bytes."""
    sha = hashlib.sha256(text.encode())
    for name in sorted(arrays):
        array = arrays[name]
        sha.update(f"{name}|{array.dtype.str}|{list(array.shape)}|".encode())
        sha.update(array.tobytes())
    return sha.hexdigest()


def _header_metadata(data, not_ours):
    """The ``__metadata__`` of a safetensors header: 8 bytes of length, then JSON."""
    if len(data) < 8:
        raise ValueError(f"{not_ours}: it is {len(data)} bytes long")
    (length,) = struct.unpack("<Q", data[:8])
    if length > len(data) - 8:
        raise ValueError(
            f"{not_ours}, or it is truncated: its header runs past the end of the file"
        )
    try:
        header = json.loads(data[8 : 8 + length])
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise ValueError(f"{not_ours}: its header is not JSON") from None
    metadata = header.get("__metadata__") if isinstance(header, dict) else None
    return metadata if isinstance(metadata, dict) else {}
