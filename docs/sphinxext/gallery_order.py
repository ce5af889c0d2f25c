"""The order of the gallery: from a first fit to the benchmark tables."""

from pathlib import Path

STORY = [
    "plot_quick_start.py",
    "plot_knowledge_graph.py",
    "plot_smiles_pipeline.py",
    "plot_relational_learning_curve.py",
    "plot_relational_grid_search.py",
    "plot_new_assay.py",
    "plot_task_relations.py",
    "plot_task_embeddings.py",
    "plot_benchmarks.py",
]


class StoryOrder:
    """sphinx-gallery ``within_subsection_order``: the files of STORY in that order, any
    other example after them by name."""

    def __init__(self, src_dir):
        self.src_dir = src_dir

    def __call__(self, filename):
        name = Path(filename).name
        return (STORY.index(name), "") if name in STORY else (len(STORY), name)
