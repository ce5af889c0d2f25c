"""The documentation: every public name documented with an example, and a site that builds.

The docstring examples themselves run as doctests (``--doctest-modules`` in pyproject.toml);
the gallery runs in ``make docs`` only, except the benchmark page, which fits nothing.
"""

import importlib
import inspect
import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
PUBLIC_MODULES = [
    "sklearn_metalink",
    "sklearn_metalink.estimators",
    "sklearn_metalink.chem",
    "sklearn_metalink.model_selection",
    "sklearn_metalink.metrics",
    "sklearn_metalink.datasets",
    "sklearn_metalink.nn",
    "sklearn_metalink.utils",
    "sklearn_metalink.persistence",
]


def public_objects():
    for module_name in PUBLIC_MODULES:
        module = importlib.import_module(module_name)
        for name in module.__all__:
            if name != "__version__":
                yield module_name, name, getattr(module, name)


def documented_names():
    """``module.name`` for every entry of the autosummary tables in docs/api.rst."""
    names, module = set(), None
    for line in (REPO / "docs" / "api.rst").read_text().splitlines():
        if line.startswith(".. currentmodule::"):
            module = line.split("::")[1].strip()
        elif re.fullmatch(r"   [A-Za-z_]\w*", line):
            names.add(f"{module}.{line.strip()}")
    return names


def test_every_public_name_is_in_the_api_reference():
    documented = documented_names()
    # A name re-exported by two modules is documented once, under either.
    missing = [
        f"{module}.{name}" for module, name, obj in public_objects()
        if f"{module}.{name}" not in documented
        and not any(entry.endswith(f".{name}") for entry in documented)
    ]
    assert not missing, f"add these to docs/api.rst: {missing}"


@pytest.mark.parametrize(
    "qualified, obj",
    [(f"{module}.{name}", obj) for module, name, obj in public_objects()],
    ids=lambda value: value if isinstance(value, str) else "",
)
def test_every_public_name_has_a_runnable_example(qualified, obj):
    doc = inspect.getdoc(obj) or ""
    assert re.search(r"^Examples\n--------\n(.|\n)*^>>> ", doc, re.MULTILINE), (
        f"{qualified} has no Examples section with a doctest"
    )


@pytest.fixture(scope="module")
def benchmark_page():
    """The namespace of examples/plot_benchmarks.py after it ran on the committed JSON, and
    the number of figures it showed."""
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    shown = []

    def show():
        shown.append(plt.gcf())
        plt.close("all")

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(plt, "show", show)
        namespace = runpy.run_path(str(REPO / "examples" / "plot_benchmarks.py"))
    return namespace, len(shown)


def test_benchmark_page_renders_every_results_file(benchmark_page):
    namespace, n_figures = benchmark_page
    relational = namespace["relational"]
    table = namespace["score_table"](relational, rows=["dataset", "model"])
    assert set(table.index.get_level_values("model")) == set(relational["model"])
    assert n_figures >= 4


def test_benchmark_tables_follow_whatever_conditions_the_records_have(benchmark_page):
    import pandas as pd

    score_table = benchmark_page[0]["score_table"]
    records = pd.DataFrame([
        {"dataset": "tox21", "seed": seed, "model": model, "r": r, "protocol": protocol,
         "roc_auc": 0.7 + seed / 100, "fit_seconds": 1.0, "new_seconds_per_step": 0.1}
        for seed in (0, 1) for model in ("A", "B") for r in (0.0, 0.5)
        for protocol in ("rows", "tasks")
    ])
    table = score_table(records, rows=["dataset", "model"])
    assert list(table.columns.names) == ["r", "protocol"]
    assert table.loc[("tox21", "A"), (0.5, "tasks")] == "0.705 ± 0.005 (n=2)"


def test_docs_build_without_warnings_with_the_gallery_not_executed(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("sphinx_gallery")
    # A copy, so the build writes its generated pages outside the working tree.
    for part in ("docs", "examples"):
        shutil.copytree(REPO / part, tmp_path / part,
                        ignore=shutil.ignore_patterns("_build", "auto_examples", "generated"))
    shutil.copy(REPO / "CONTRIBUTING.md", tmp_path)
    result = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-D", "plot_gallery=0", str(tmp_path / "docs"), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stderr[-5000:]
    html = tmp_path / "html"
    assert (html / "generated" / "sklearn_metalink.MetaLinkClassifier.html").exists()
    assert (html / "auto_examples" / "plot_quick_start.html").exists()
