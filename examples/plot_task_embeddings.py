"""
Learned task embeddings in two dimensions
=========================================

Every task of a fitted :class:`~sklearn_metalink.MetaLinkClassifier` is a node whose state,
after message passing from a stored support set, is a vector per layer. A logit is a sum
over layers of dot products between a molecule's state and a task's state, so tasks with
similar state vectors get similar predictions. Do assays that measure related things end
up close?

ToxCast (bundled with the package) has 617 assays from several providers, named by a
prefix: ``ATG`` (Attagene transcription factor reporters), ``NVS`` (Novascreen binding
assays), ``BSK`` (BioSeek cell systems), ``TOX21``, ``APR`` (Apredica cell imaging) and
others. We fit on all of it for six epochs, take each task's states of all layers,
project them to two dimensions with PCA, and colour them by provider.
"""

import matplotlib.pyplot as plt
import numpy as np
from scipy.stats import spearmanr
from sklearn.decomposition import PCA
from sklearn.neighbors import NearestNeighbors

from sklearn_metalink import MetaLinkClassifier
from sklearn_metalink.chem import MorganFingerprint
from sklearn_metalink.datasets import load_toxcast

toxcast = load_toxcast()
X = MorganFingerprint(invalid="partial").fit_transform(toxcast.data)
print(f"{X.shape[0]} molecules x {toxcast.target.shape[1]} assays, "
      f"{np.isnan(toxcast.target).mean():.0%} unknown")
clf = MetaLinkClassifier(max_epochs=6, batch_size=256, random_state=0).fit(X, toxcast.target)

# %%
# The task states
# ---------------
# ``stored_task_states`` has shape (support sets, layers + 1, tasks, hidden); the layers
# are concatenated, as the logit sums over them.
states = clf.net_.module_.stored_task_states.mean(0)  # over the support sets
embedding = states.permute(1, 0, 2).reshape(clf.n_tasks_, -1).numpy()
print(embedding.shape)

provider = np.array([name.split("_")[0] for name in toxcast.target_names])
names, counts = np.unique(provider, return_counts=True)
major = names[np.argsort(-counts)][:6]
group = np.where(np.isin(provider, major), provider, "other")

xy = PCA(n_components=2).fit_transform(embedding)
fig, ax = plt.subplots(figsize=(7, 5.5))
for name in [*major, "other"]:
    chosen = group == name
    ax.scatter(*xy[chosen].T, s=14, alpha=0.75, label=f"{name} ({chosen.sum()})",
               color="0.6" if name == "other" else None)
ax.set_xlabel("PC 1")
ax.set_ylabel("PC 2")
ax.set_title("ToxCast task states of a fitted MetaLinkClassifier")
ax.legend(fontsize=8, markerscale=1.5)
fig.tight_layout()
plt.show()

# %%
# A number to go with the picture
# -------------------------------
# For each assay, is its nearest assay in the full embedding (cosine distance) from the
# same provider? Chance is the rate of same-provider pairs among all pairs of assays.
neighbours = NearestNeighbors(n_neighbors=2, metric="cosine").fit(embedding)
nearest = neighbours.kneighbors(embedding, return_distance=False)[:, 1]
same = np.mean(provider[nearest] == provider)
chance = (np.sum(counts * (counts - 1)) / (len(provider) * (len(provider) - 1)))
print(f"nearest assay from the same provider: {same:.0%} of assays (chance: {chance:.0%})")

# %%
# What the main axes follow
# -------------------------
# Providers differ in how often their assays are positive (NVS binding assays far more
# often than the others) and on how many molecules they were run. The principal components
# can be checked against both:
positive_rate = np.nanmean(toxcast.target, axis=0)
measured = (~np.isnan(toxcast.target)).mean(axis=0)
for pc in (0, 1):
    print(f"PC {pc + 1}: Spearman correlation with the positive rate "
          f"{spearmanr(xy[:, pc], positive_rate)[0]:+.2f}, with the share of molecules "
          f"measured {spearmanr(xy[:, pc], measured)[0]:+.2f}")

# %%
# So a large part of the picture is each assay's base rate and coverage, which the
# providers' designs set; the nearest-neighbour rate above is the finer-grained test of
# whether related assays share states.
