"""Analysis of explored landscapes: per-minimum metrics, summary tables, correlations.

- :func:`minimum_properties`: train/test AUC, accuracy, CE loss and appAUC at stored W;
- :func:`summarize`: Table-1 style numbers and Pearson correlations (:func:`pearson`);
- :func:`analyze_store` / :func:`analyze_database`: both, for a landscape database;
- :mod:`.tables`: plain-text tables and CSV / JSON writers.
"""

from __future__ import annotations

from aucscape.analysis.database import (
    StoreAnalysis,
    analyze_database,
    analyze_store,
    stored_objective,
)
from aucscape.analysis.minima import (
    DEFAULT_BETA,
    MinimumProperties,
    minimum_properties,
    properties_columns,
    resolve_beta,
)
from aucscape.analysis.summary import Correlation, LandscapeSummary, pearson, summarize
from aucscape.analysis.tables import format_table, read_csv, write_csv, write_json

__all__ = [
    "DEFAULT_BETA",
    "Correlation",
    "LandscapeSummary",
    "MinimumProperties",
    "StoreAnalysis",
    "analyze_database",
    "analyze_store",
    "format_table",
    "minimum_properties",
    "pearson",
    "properties_columns",
    "read_csv",
    "resolve_beta",
    "stored_objective",
    "summarize",
    "write_csv",
    "write_json",
]
