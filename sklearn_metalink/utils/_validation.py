"""Checks for partially known label matrices (NaN = unknown) and the share of their labels
shown as context."""

import numbers

import numpy as np
from sklearn.utils import check_array

# Cells per block when a whole label matrix is scanned (see ``row_blocks``).
_BLOCK_CELLS = 1 << 20


def row_blocks(n_rows, n_columns):
    """Slices of consecutive rows of about ``_BLOCK_CELLS`` cells each: a scan of a matrix
    by them needs no temporary of the matrix's size (8 GB for 10^6 x 1,000 float64)."""
    step = max(1, _BLOCK_CELLS // max(n_columns, 1))
    return [slice(start, start + step) for start in range(0, n_rows, step)]


def label_counts(Y, rows=None):
    """Known labels and positives per task of Y (of its ``rows``), two int64 arrays, counted
    a block of rows at a time: no temporary as large as Y, and exact in any float dtype."""
    rows = np.arange(len(Y)) if rows is None else rows
    known, positives = np.zeros((2, Y.shape[1]), dtype=np.int64)
    for part in row_blocks(len(rows), Y.shape[1]):
        block = Y[rows[part]]
        known += (~np.isnan(block)).sum(axis=0)
        positives += (block == 1).sum(axis=0)
    return known, positives


def check_label_matrix(
    Y, *, name="Y", n_rows=None, n_tasks=None, allow_all_unknown=False, columns=None,
    dtype=np.float64,
):
    """Validate a label matrix of 0, 1 and NaN and return it as float64 (or ``dtype``).

    The values are checked a block of rows at a time, so the check needs no temporary as
    large as Y.

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
    columns : sequence, optional
        Column names for error messages; by default those of a DataFrame Y.
    dtype : dtype or list of dtypes, default=np.float64
        As in :func:`sklearn.utils.check_array`: with a list, a Y of one of those dtypes is
        kept as it is (not copied), any other converted to the first.

    Returns
    -------
    Y : ndarray of float64 (or ``dtype``), same shape as the input

    Raises
    ------
    ValueError
        On inf, labels other than 0/1/NaN (text labels get the mapping that converts them),
        wrong shape, or no known label at all.

    Examples
    --------
    >>> import numpy as np
    >>> check_label_matrix([[0, np.nan], [1, 1]])
    array([[ 0., nan],
           [ 1.,  1.]])
    """
    _check_text_labels(Y, name, getattr(Y, "columns", None) if columns is None else columns)
    # Finiteness is checked below with the labels, a block of rows at a time.
    Y = check_array(Y, ensure_2d=False, dtype=dtype, ensure_all_finite=False, input_name=name)
    if Y.ndim > 2:
        raise ValueError(f"{name} must be 1-D or 2-D, got an array of shape {Y.shape}")
    if n_rows is not None and Y.shape[0] != n_rows:
        raise ValueError(f"{name} has {Y.shape[0]} rows but X has {n_rows}")
    columns = 1 if Y.ndim == 1 else Y.shape[1]
    if n_tasks is not None and columns != n_tasks:
        raise ValueError(
            f"{name} has {columns} columns but the model was fitted with {n_tasks} tasks"
        )
    n_bad, first_bad, any_known = 0, None, False
    for rows in row_blocks(len(Y), columns):
        block = Y[rows]
        unknown = np.isnan(block)
        any_known = any_known or not unknown.all()
        bad = ~(unknown | (block == 0) | (block == 1))
        if bad.any():
            n_bad += int(bad.sum())
            if first_bad is None:
                where = np.argwhere(bad)[0]
                first_bad = (rows.start + where[0], *where[1:])
    if first_bad is not None:
        cell = f"{name}[{', '.join(map(str, first_bad))}]"
        value = float(Y[first_bad])
        infinite = f"{name} contains infinity: " if np.isinf(value) else ""
        raise ValueError(
            f"{infinite}{name} must contain only 0, 1 or NaN (unknown); {cell} is {value!r} "
            f"and {n_bad} entries in all are invalid"
        )
    if not allow_all_unknown and not any_known:
        raise ValueError(f"{name} has no known label: every entry is NaN")
    return Y



def check_label_matrix_2d(Y, n_rows, name="Y"):
    """:func:`check_label_matrix` for a 2-D matrix whose entries may all be unknown: the
    labels of rows in relational evaluation, some hidden and some shown."""
    Y = check_label_matrix(Y, name=name, n_rows=n_rows, allow_all_unknown=True)
    if Y.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_tasks): relational evaluation hides some "
            f"labels of a row and shows the others; got shape {Y.shape}"
        )
    return Y


def check_visible_ratio(visible_ratio, *, ranged=False):
    """The probability that a known label is shown as context, as a float or a float pair.

    In evaluation (``ranged=False``) it is one float in [0, 1): with 1, no label would be
    left to score. A model trains on any float in [0, 1], or on a range ``(low, high)``
    from which each row draws its own ratio (``ranged=True``).
    """
    if ranged and isinstance(visible_ratio, (tuple, list)):
        pair = tuple(visible_ratio)
        if len(pair) == 2 and all(_is_real(r) and 0 <= r <= 1 for r in pair) and pair[0] <= pair[1]:
            return tuple(float(r) for r in pair)
    elif _is_real(visible_ratio) and 0 <= visible_ratio <= 1 and (ranged or visible_ratio < 1):
        return float(visible_ratio)
    if ranged:
        raise ValueError(
            "visible_ratio must be a float in [0, 1] or a pair (low, high) with "
            f"0 <= low <= high <= 1, got {visible_ratio!r}"
        )
    raise ValueError(
        "visible_ratio must be a float in [0, 1): the probability that a known label stays "
        f"visible as context, the others being scored; got {visible_ratio!r}"
    )


def _is_real(value):
    return isinstance(value, numbers.Real) and not isinstance(value, bool)

# Text labels that read as "inactive": they are mapped to 0 in the suggested fix.
_NEGATIVE_PREFIXES = ("in", "non", "no", "neg", "false", "un")


def _check_text_labels(Y, name, columns):
    """Refuse labels given as text, with the line of code that converts them."""
    values = _as_array_of_cells(Y)
    if values is None or values.dtype.kind not in "OUS":
        return
    texts = sorted({v for v in values.ravel() if isinstance(v, str)})
    if not texts:
        return
    cells = values.reshape(len(values), -1)
    column = next(j for j in range(cells.shape[1]) if any(isinstance(v, str) for v in cells[:, j]))
    where = f"column {columns[column]!r}" if columns is not None else f"column {column}"
    words = [t for t in texts if t.strip() and not _is_number(t)]
    blank = any(not t.strip() for t in texts)
    if not words:
        raise ValueError(
            f"{name} holds labels stored as text ({where} has {texts[:5]}); labels must be "
            f"0, 1 or NaN. Convert them first, e.g. {name} = {name}.apply(pd.to_numeric, "
            "errors='coerce'), which makes empty text NaN (unknown), or read the CSV without "
            "dtype=str."
        )
    mapping = {word: 0 if word.lower().startswith(_NEGATIVE_PREFIXES) else 1 for word in words}
    if len(set(mapping.values())) == 1 and len(words) == 2:
        mapping = dict(zip(words, (1, 0)))
    code = ", ".join(f"{word!r}: {label}" for word, label in mapping.items())
    if blank:
        code += ", '': np.nan"
    raise ValueError(
        f"{name} holds text labels {words[:10]} ({where}); labels must be 0 (inactive), 1 "
        f"(active) or NaN (unknown). Map them first, with your positive label as 1, e.g. "
        f"{name} = {name}.replace({{{code}}}).astype(float)"
    )


def _as_array_of_cells(Y):
    """Y as an ndarray without copying numeric data; None if numpy cannot make one."""
    if hasattr(Y, "columns"):
        if all(dtype.kind in "biuf" for dtype in Y.dtypes):
            return None
        return Y.to_numpy(dtype=object)
    try:
        return np.asarray(Y)
    except ValueError:
        return None


def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def check_task_columns(columns, expected, name="Y"):
    """Refuse column names that are not the fitted tasks in fit order, saying how to fix it.

    Parameters
    ----------
    columns : sequence of str
        The columns of a context label matrix.
    expected : sequence of str
        The tasks of the fitted model, in fit order.
    name : str, default="Y"
        The argument's name in the message.

    Raises
    ------
    ValueError
        If the columns differ: a reordering names ``Y[model.task_names_]``, missing or
        foreign columns name ``Y.reindex(columns=model.task_names_)``.

    Examples
    --------
    >>> from sklearn_metalink.utils import check_task_columns
    >>> check_task_columns(["NR-AR", "SR-MMP"], ["NR-AR", "SR-MMP"])
    >>> check_task_columns(["SR-MMP", "NR-AR"], ["NR-AR", "SR-MMP"])
    Traceback (most recent call last):
        ...
    ValueError: Y has the 2 task columns of the model in another order (column 0 is 'SR-MMP', where fit had 'NR-AR'). Reorder them with Y[model.task_names_] (for a Pipeline, model[-1].task_names_).
    """
    got, expected = list(columns), list(expected)
    if got == expected:
        return
    missing = [c for c in expected if c not in got]
    extra = [c for c in got if c not in expected]
    if not missing and not extra and len(got) == len(expected):
        first = next(i for i, (a, b) in enumerate(zip(got, expected)) if a != b)
        raise ValueError(
            f"{name} has the {len(expected)} task columns of the model in another order "
            f"(column {first} is {got[first]!r}, where fit had {expected[first]!r}). Reorder "
            f"them with {name}[model.task_names_] (for a Pipeline, model[-1].task_names_)."
        )
    raise ValueError(
        f"{name}'s columns must be the tasks seen in fit, in fit order; missing {missing}, "
        f"not tasks of the model {extra}. Build it with "
        f"{name}.reindex(columns=model.task_names_), which drops the others and makes the "
        "missing columns NaN (unknown)."
    )
