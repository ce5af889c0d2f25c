"""Loaders of the multi-task benchmarks: two bundled, three read from the data home."""

from . import _descr
from ._base import molecule_bunch, read_bundled_csv, read_data_home_csv, table_bunch





def load_tox21(*, return_X_y=False, as_frame=False):
    """Load Tox21: 7,831 molecules x 12 toxicity assays, 17 % of labels unknown.

    Bundled with the package. See ``DESCR`` for provenance and licence.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return pandas objects: ``data`` a Series (a DataFrame for yeast), ``target`` a
        DataFrame with the task names as columns, and ``frame`` the whole table.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples,) of str objects, or pandas Series
            SMILES strings. A Series named ``smiles`` if ``as_frame=True``.
        target : ndarray of shape (n_samples, n_tasks) of float64, or DataFrame
            0/1 labels, NaN where unknown. A DataFrame with one column per task if
            ``as_frame=True``.
        target_names : ndarray of str objects
            Task names, in column order.
        frame : DataFrame or None
            SMILES and labels together if ``as_frame=True``, else None.
        DESCR : str
            Size, label conventions, provenance and licence.

    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from sklearn_metalink.datasets import load_tox21
    >>> X, Y = load_tox21(return_X_y=True)
    >>> X.shape, Y.shape
    ((7831,), (7831, 12))
    >>> X[0]
    'CCOc1ccc2nc(S(N)(=O)=O)sc2c1'
    """
    return molecule_bunch(
        read_bundled_csv("tox21.csv.gz"), _descr.TOX21, return_X_y=return_X_y, as_frame=as_frame
    )


def load_toxcast(*, return_X_y=False, as_frame=False):
    """Load ToxCast: 8,576 molecules x 617 in-vitro assays, 71 % of labels unknown.

    Bundled with the package. See ``DESCR`` for provenance and licence.

    Parameters
    ----------
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return pandas objects: ``data`` a Series (a DataFrame for yeast), ``target`` a
        DataFrame with the task names as columns, and ``frame`` the whole table.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples,) of str objects, or pandas Series
            SMILES strings. A Series named ``smiles`` if ``as_frame=True``.
        target : ndarray of shape (n_samples, n_tasks) of float64, or DataFrame
            0/1 labels, NaN where unknown. A DataFrame with one column per task if
            ``as_frame=True``.
        target_names : ndarray of str objects
            Task names, in column order.
        frame : DataFrame or None
            SMILES and labels together if ``as_frame=True``, else None.
        DESCR : str
            Size, label conventions, provenance and licence.

    (data, target) : tuple if ``return_X_y`` is True

    Examples
    --------
    >>> from sklearn_metalink.datasets import load_toxcast
    >>> toxcast = load_toxcast()
    >>> toxcast.target.shape, str(toxcast.target_names[0])
    ((8576, 617), 'ACEA_T47D_80hr_Negative')
    """
    return molecule_bunch(
        read_bundled_csv("toxcast.csv.gz"),
        _descr.TOXCAST,
        return_X_y=return_X_y,
        as_frame=as_frame,
    )


def load_sider(data_home=None, *, return_X_y=False, as_frame=False):
    """Load SIDER: 1,427 drugs x 27 side-effect classes, no unknown labels.

    Not bundled (licence, see ``DESCR``): reads ``<data_home>/sider.csv.gz``.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the file; see :func:`get_data_home`.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return pandas objects: ``data`` a Series (a DataFrame for yeast), ``target`` a
        DataFrame with the task names as columns, and ``frame`` the whole table.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples,) of str objects, or pandas Series
            SMILES strings. A Series named ``smiles`` if ``as_frame=True``.
        target : ndarray of shape (n_samples, n_tasks) of float64, or DataFrame
            0/1 labels, NaN where unknown. A DataFrame with one column per task if
            ``as_frame=True``.
        target_names : ndarray of str objects
            Task names, in column order.
        frame : DataFrame or None
            SMILES and labels together if ``as_frame=True``, else None.
        DESCR : str
            Size, label conventions, provenance and licence.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        If ``sider.csv.gz`` is not in the data home; the message says where to put it.

    Examples
    --------
    >>> from sklearn_metalink.datasets import load_sider
    >>> X, Y = load_sider(return_X_y=True)  # doctest: +SKIP
    >>> Y.shape  # doctest: +SKIP
    (1427, 27)
    """
    frame = read_data_home_csv(
        "sider.csv.gz",
        data_home,
        loader="load_sider",
        source="MoleculeNet's SIDER CSV with the smiles column first, gzipped",
    )
    return molecule_bunch(frame, _descr.SIDER, return_X_y=return_X_y, as_frame=as_frame)


def load_muv(data_home=None, *, return_X_y=False, as_frame=False):
    """Load MUV: 93,087 molecules x 17 virtual-screening tasks, 84 % of labels unknown.

    Not bundled (1.3 MB): reads ``<data_home>/muv.csv.gz``.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the file; see :func:`get_data_home`.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return pandas objects: ``data`` a Series (a DataFrame for yeast), ``target`` a
        DataFrame with the task names as columns, and ``frame`` the whole table.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (n_samples,) of str objects, or pandas Series
            SMILES strings. A Series named ``smiles`` if ``as_frame=True``.
        target : ndarray of shape (n_samples, n_tasks) of float64, or DataFrame
            0/1 labels, NaN where unknown. A DataFrame with one column per task if
            ``as_frame=True``.
        target_names : ndarray of str objects
            Task names, in column order.
        frame : DataFrame or None
            SMILES and labels together if ``as_frame=True``, else None.
        DESCR : str
            Size, label conventions, provenance and licence.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        If ``muv.csv.gz`` is not in the data home; the message says where to put it.

    Examples
    --------
    >>> from sklearn_metalink.datasets import load_muv
    >>> X, Y = load_muv(return_X_y=True)  # doctest: +SKIP
    >>> Y.shape  # doctest: +SKIP
    (93087, 17)
    """
    frame = read_data_home_csv(
        "muv.csv.gz",
        data_home,
        loader="load_muv",
        source="MoleculeNet's MUV CSV with the smiles column first and no mol_id, gzipped",
    )
    return molecule_bunch(frame, _descr.MUV, return_X_y=return_X_y, as_frame=as_frame)


def load_yeast(data_home=None, *, return_X_y=False, as_frame=False):
    """Load yeast: 2,417 genes x 103 numeric features x 14 labels (MULAN benchmark).

    Not bundled (no licence stated, see ``DESCR``): reads ``<data_home>/yeast.csv.gz``.

    Parameters
    ----------
    data_home : str or path-like, default=None
        Folder holding the file; see :func:`get_data_home`.
    return_X_y : bool, default=False
        Return ``(data, target)`` instead of a Bunch.
    as_frame : bool, default=False
        Return pandas objects: ``data`` a Series (a DataFrame for yeast), ``target`` a
        DataFrame with the task names as columns, and ``frame`` the whole table.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Dictionary-like object with attributes:

        data : ndarray of shape (2417, 103) of float64, or DataFrame
            The features.
        target : ndarray of shape (2417, 14) of float64, or DataFrame
            0/1 labels; none is unknown.
        feature_names : ndarray of str objects
            ``Att1`` .. ``Att103``.
        target_names : ndarray of str objects
            ``Class1`` .. ``Class14``.
        frame : DataFrame or None
            Features and labels together if ``as_frame=True``, else None.
        DESCR : str
            Size, provenance and licence.

    (data, target) : tuple if ``return_X_y`` is True

    Raises
    ------
    FileNotFoundError
        If ``yeast.csv.gz`` is not in the data home; the message says where to put it.
    ValueError
        If the file does not have 117 columns.

    Examples
    --------
    >>> from sklearn_metalink.datasets import load_yeast
    >>> X, Y = load_yeast(return_X_y=True)  # doctest: +SKIP
    >>> X.shape, Y.shape  # doctest: +SKIP
    ((2417, 103), (2417, 14))
    """
    frame = read_data_home_csv(
        "yeast.csv.gz",
        data_home,
        loader="load_yeast",
        source="MULAN's yeast as CSV: Att1..Att103 then Class1..Class14, gzipped",
    )
    if frame.shape[1] != 103 + 14:
        raise ValueError(
            f"yeast.csv.gz must have 103 feature and 14 label columns, got {frame.shape[1]}."
        )
    return table_bunch(frame, 103, _descr.YEAST, return_X_y=return_X_y, as_frame=as_frame)
