"""Checks for partially known label matrices (NaN = unknown)."""

import numpy as np
from sklearn.utils import check_array


def check_label_matrix(Y, *, name="Y", n_rows=None, n_tasks=None, allow_all_unknown=False):
    """Validate a label matrix of 0, 1 and NaN and return it as float64.

    Parameters
    ----------
    Y : array-like of shape (n_rows,) or (n_rows, n_tasks)
        Known labels 0/1, NaN (or ``None``/``pd.NA``) for unknown.
    name : str
        Argument name used in error messages.
    n_rows : int, optional
        Required number of rows (the rows of X).
    n_tasks : int, optional
        Required number of columns; 1-D input counts as one column.
    allow_all_unknown : bool
        Whether a matrix with no known label is acceptable (it is as context, not to fit).

    Returns
    -------
    Y : ndarray of float64, same shape as the input

    Raises
    ------
    ValueError
        On inf, labels other than 0/1/NaN, wrong shape, or no known label at all.

    Examples
    --------
    >>> import numpy as np
    >>> check_label_matrix([[0, np.nan], [1, 1]])
    array([[ 0., nan],
           [ 1.,  1.]])
    """
    Y = check_array(
        Y, ensure_2d=False, dtype=np.float64, ensure_all_finite="allow-nan", input_name=name
    )
    if Y.ndim > 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got an array of shape {Y.shape}")
    if n_rows is not None and Y.shape[0] != n_rows:
        raise ValueError(f"{name} has {Y.shape[0]} rows but X has {n_rows}")
    columns = 1 if Y.ndim == 1 else Y.shape[1]
    if n_tasks is not None and columns != n_tasks:
        raise ValueError(
            f"{name} has {columns} columns but the model was fitted with {n_tasks} tasks"
        )
    bad = ~(np.isnan(Y) | (Y == 0) | (Y == 1))
    if bad.any():
        where = np.argwhere(bad)[0]
        cell = f"{name}[{', '.join(map(str, where))}]"
        raise ValueError(
            f"{name} must contain only 0, 1 or NaN (unknown); {cell} is {float(Y[tuple(where)])!r} "
            f"and {bad.sum()} entries in all are invalid"
        )
    if not allow_all_unknown and np.isnan(Y).all():
        raise ValueError(f"{name} has no known label: every entry is NaN")
    return Y
