"""Sphinx configuration of the sklearn-metalink documentation.

Build with ``make docs`` (warnings are errors, the gallery is executed). The fast check in
``tests/test_docs.py`` builds the same site with ``-D plot_gallery=0``.
"""

import os
import sys
from pathlib import Path

import sklearn_metalink

DOCS = Path(__file__).resolve().parent
REPO = DOCS.parent
sys.path.insert(0, str(DOCS / "sphinxext"))  # gallery_order

project = "sklearn-metalink"
author = "sklearn-metalink developers"
copyright = "2026, sklearn-metalink developers"
release = sklearn_metalink.__version__
version = release

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.mathjax",
    "numpydoc",
    "myst_parser",
    "sphinx_gallery.gen_gallery",
    "matplotlib.sphinxext.plot_directive",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "auto_examples/*.ipynb", "auto_examples/*.py", "**.md5"]
templates_path = ["_templates"]

# The examples run with one torch thread: the build machines are small and shared, and
# torch's default of one thread per core made fits about ten times slower under load
# (docs/metalink.md, "Speed and threads").
os.environ.setdefault("OMP_NUM_THREADS", "1")

# --- API reference -----------------------------------------------------------------------
autosummary_generate = True
autodoc_typehints = "none"
autodoc_default_options = {
    "members": True,
    # torch modules inherit some eighty methods from torch.nn.Module; those belong to torch's
    # documentation, not ours.
    "inherited-members": "Module",
}
numpydoc_show_class_members = False
numpydoc_class_members_toctree = False


def _skip_sklearn_plumbing(app, what, name, obj, skip, options):
    # Metadata routing and set_output come from scikit-learn mixins, and their docstrings
    # link to scikit-learn's own pages, which resolve only with intersphinx on.
    if name in ("get_metadata_routing", "set_output") or (
        name.startswith("set_") and name.endswith("_request")
    ):
        return True
    return skip


# --- Markdown guides ---------------------------------------------------------------------
myst_enable_extensions = ["colon_fence", "dollarmath"]
# Links such as metalink.md#speed-and-threads point at section anchors.
myst_heading_anchors = 3

# --- Cross-references to other projects -----------------------------------------------------
# Intersphinx fetches each project's objects.inv over the network at build time. The build
# machines reach package registries only, so a mapping that is always on would fail every
# offline build under -W. It is therefore opt-in: SKLEARN_METALINK_INTERSPHINX=1 links
# scikit-learn, skorch, torch, numpy and RDKit names to their documentation; without it
# those names render as plain code (no warning, as nitpicky mode is off).
_INTERSPHINX = {
    "python": ("https://docs.python.org/3", None),
    "numpy": ("https://numpy.org/doc/stable", None),
    "scipy": ("https://docs.scipy.org/doc/scipy", None),
    "pandas": ("https://pandas.pydata.org/docs", None),
    "sklearn": ("https://scikit-learn.org/stable", None),
    "skorch": ("https://skorch.readthedocs.io/en/stable", None),
    "torch": ("https://docs.pytorch.org/docs/stable", None),
    "rdkit": ("https://www.rdkit.org/docs", None),
    "matplotlib": ("https://matplotlib.org/stable", None),
}
intersphinx_mapping = _INTERSPHINX if os.environ.get("SKLEARN_METALINK_INTERSPHINX") else {}

# --- Gallery -------------------------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": str(REPO / "examples"),
    "gallery_dirs": "auto_examples",
    # Only plot_*.py files are gallery pages; demo_tox21.py is the `make demo` script.
    "filename_pattern": r"/plot_",
    "ignore_pattern": r"demo_tox21\.py",
    "within_subsection_order": "gallery_order.StoryOrder",
    "doc_module": ("sklearn_metalink",),
    "backreferences_dir": "generated/backreferences",
    "capture_repr": ("_repr_html_", "__repr__"),
    "image_scrapers": ("matplotlib",),
    "remove_config_comments": True,
    "show_memory": False,
    "min_reported_time": 5,
}

# --- Figures drawn by the user guide (plot directive) --------------------------------------
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]

# --- HTML -----------------------------------------------------------------------------------
html_theme = "pydata_sphinx_theme"
html_title = f"sklearn-metalink {release}"
html_theme_options = {
    "navbar_align": "left",
    "show_toc_level": 2,
    "secondary_sidebar_items": ["page-toc"],
    "footer_start": ["copyright"],
    "footer_end": ["sphinx-version"],
}
html_static_path = []
html_show_sourcelink = False


def setup(app):
    app.connect("autodoc-skip-member", _skip_sklearn_plumbing)
