"""
Which assays read which: the task-relation heat map of TaskGraphClassifier
==========================================================================

:class:`~sklearn_metalink.TaskGraphClassifier` gives every task its own state for a
molecule and lets the states exchange messages over a task graph whose weights depend on
the molecule. After ``fit``, ``task_relations_[s, t]`` says how much task *t* reads task
*s*, averaged over the training molecules (with half of their known labels visible, as in
training). :func:`~sklearn_metalink.estimators.plot_task_relations` draws it.

Eight epochs on Tox21 keep the example short.
"""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from sklearn_metalink import TaskGraphClassifier
from sklearn_metalink.chem import MorganFingerprint
from sklearn_metalink.datasets import load_tox21
from sklearn_metalink.estimators import plot_task_relations

smiles, Y = load_tox21(return_X_y=True, as_frame=True)
X = MorganFingerprint(invalid="partial").fit_transform(smiles)
clf = TaskGraphClassifier(graph="complete", max_epochs=8, random_state=0).fit(X, Y)

fig, ax = plt.subplots(figsize=(6.5, 5.5))
plot_task_relations(clf, ax=ax)
fig.tight_layout()
plt.show()

# %%
# The complete graph's attention of each task sums to one over the other tasks. Which task
# does each one read most, and how does that compare with how often their labels agree?
relations = pd.DataFrame(clf.task_relations_, index=clf.task_names_, columns=clf.task_names_)
agreement = Y.corr()  # Pearson correlation of the 0/1 labels, over molecules with both known
strongest = relations.idxmax(axis=0)
pd.DataFrame({
    "reads most": strongest,
    "weight": [relations.loc[s, t] for t, s in strongest.items()],
    "label correlation": [agreement.loc[s, t] for t, s in strongest.items()],
    "highest label correlation with": agreement.where(~np.eye(len(agreement), dtype=bool))
    .idxmax(axis=0),
}).round(2)

# %%
# Compare the columns: the task a task reads most need not be the one whose labels agree
# most with its own. A task can become a hub that many tasks read, for instance, since the
# attention weights whatever helped the loss, with the other tasks' states as inputs. The
# relations describe what the model does, not the assays: see the TaskGraphClassifier guide.
