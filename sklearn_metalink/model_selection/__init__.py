"""Cross-validation for relational models: which rows are tested, which labels are hidden.

Stock scikit-learn cannot evaluate a model that uses the known labels of a row: its
splitters only pick rows, its scorers reject NaN labels, and ``GridSearchCV`` never passes
known labels to ``predict_proba``. The splitters here also decide which known labels of the
test rows are targets; the scorers hide them, call ``predict_proba(X, Y=visible)`` and score
only them.

For the meta settings (tasks never seen in fit), :func:`split_tasks` holds out columns,
:func:`sample_support` draws k labelled rows per new task and :func:`score_new_tasks`
scores a model bound to that support.
"""

from ._learning_curve import plot_relational_learning_curve, relational_learning_curve
from ._meta import sample_support, score_new_tasks, split_tasks
from ._scorer import make_relational_scorer
from ._split import RelationalKFold, RelationalShuffleSplit

__all__ = [
    "RelationalKFold",
    "RelationalShuffleSplit",
    "make_relational_scorer",
    "plot_relational_learning_curve",
    "relational_learning_curve",
    "sample_support",
    "score_new_tasks",
    "split_tasks",
]
