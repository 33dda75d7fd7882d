"""Data sets for AUC training and landscape exploration.

- :func:`spiral`: the two-spirals problem of Lang & Witbrock (1988), exact (``cmu``) or
  sampled along the arms, raw or MLPNORM-scaled coordinates;
- :func:`credit_card`: the credit-card fraud data (shipped 10 % fraud subset, or the full
  Kaggle file), standardised with training statistics;
- :func:`from_arrays`, :func:`from_csv`: users' own data;
- :func:`load_dataset`: any of the above from a name, a path or a stored description.

Every loader returns a frozen :class:`Dataset` with a stratified train/test split and a
JSON-serialisable ``description`` from which ``load_dataset`` rebuilds identical arrays.
"""

from __future__ import annotations

from aucscape.data.credit_card import CREDITCARD_FEATURES, credit_card, shipped_creditcard_path
from aucscape.data.dataset import Dataset, mlpnorm, standardize, stratified_split
from aucscape.data.files import from_arrays, from_csv
from aucscape.data.registry import DATASETS, dataset_options, load_dataset
from aucscape.data.spiral import GENERATORS, sampled_spiral_points, spiral, spiral_points

__all__ = [
    "CREDITCARD_FEATURES",
    "DATASETS",
    "GENERATORS",
    "Dataset",
    "credit_card",
    "dataset_options",
    "from_arrays",
    "from_csv",
    "load_dataset",
    "mlpnorm",
    "sampled_spiral_points",
    "shipped_creditcard_path",
    "spiral",
    "spiral_points",
    "standardize",
    "stratified_split",
]
