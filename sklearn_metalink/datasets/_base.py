"""Where dataset files live, and how a CSV becomes a scikit-learn Bunch."""

import os
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.utils import Bunch

DATA_HOME_VARIABLE = "SKLEARN_METALINK_DATA"


def get_data_home(data_home=None):
    """Folder that the loaders of non-bundled datasets read from.

    The first of: ``data_home``, the environment variable ``SKLEARN_METALINK_DATA`` (if set
    and not empty), ``~/sklearn_metalink_data``. ``~`` is expanded. The folder is not
    created: nothing is ever downloaded into it, you copy the files there yourself.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder to use instead of the environment variable and the default.

    Returns
    -------
    data_home : pathlib.Path

    Examples
    --------
    >>> from sklearn_metalink.datasets import get_data_home
    >>> get_data_home("/data/molecules").as_posix()
    '/data/molecules'
    """
    if data_home is None:
        data_home = os.environ.get(DATA_HOME_VARIABLE) or "~/sklearn_metalink_data"
    return Path(data_home).expanduser()


def read_bundled_csv(filename):
    """Read a CSV shipped in ``sklearn_metalink/datasets/data``."""
    with resources.as_file(resources.files(__package__) / "data" / filename) as path:
        return pd.read_csv(path)


def read_data_home_csv(filename, data_home, loader, source):
    """Read ``<data_home>/<filename>``, or say which file to put where."""
    path = get_data_home(data_home) / filename
    if not path.is_file():
        raise FileNotFoundError(
            f"{loader} reads {path}, which does not exist. Put {filename} there ({source}), "
            f"or pass data_home= or set the {DATA_HOME_VARIABLE} environment variable to the "
            "folder that holds it. Nothing is downloaded."
        )
    return pd.read_csv(path)


def molecule_bunch(frame, descr, *, return_X_y, as_frame):
    """Bunch of a chemistry CSV: column ``smiles``, then one column per task."""
    if frame.columns[0] != "smiles":
        raise ValueError(f"Expected 'smiles' as first column, got {frame.columns[0]!r}.")
    frame = frame.astype({name: np.float64 for name in frame.columns[1:]})
    smiles, target = frame["smiles"], frame.iloc[:, 1:]
    return _bunch(frame, smiles, target, descr, {}, return_X_y=return_X_y, as_frame=as_frame)


def table_bunch(frame, n_features, descr, *, return_X_y, as_frame):
    """Bunch of a numeric CSV: ``n_features`` feature columns, then the label columns."""
    frame = frame.astype(np.float64)
    data, target = frame.iloc[:, :n_features], frame.iloc[:, n_features:]
    extra = {"feature_names": np.asarray(data.columns, dtype=object)}
    return _bunch(frame, data, target, descr, extra, return_X_y=return_X_y, as_frame=as_frame)


def _bunch(frame, data, target, descr, extra, *, return_X_y, as_frame):
    target_names = np.asarray(target.columns, dtype=object)
    if not as_frame:
        # A Series is the SMILES column: keep Python strings, not a fixed-width numpy dtype.
        data = data.to_numpy(dtype=object if data.ndim == 1 else np.float64)
        target = target.to_numpy(dtype=np.float64)
    if return_X_y:
        return data, target
    return Bunch(
        data=data,
        target=target,
        target_names=target_names,
        frame=frame if as_frame else None,
        DESCR=descr,
        **extra,
    )
