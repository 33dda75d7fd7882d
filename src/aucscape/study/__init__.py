"""``aucscape reproduce``: the study of Niroomand et al. (2022) in one command.

- :mod:`.config`: TOML config / shipped presets (``quick``, ``paper``), validated;
- :mod:`.spec`: the typed settings, budgets and parts, expanded into landscapes;
- :mod:`.runner`: explore → connect → analyse each landscape into ``OUT/db/`` (resumable);
- :mod:`.engine`: the calls into data, objectives, landscape and analysis;
- :mod:`.results`: what was measured, as plain data (``OUT/results.json``);
- :mod:`.connected`: which minima lie in the global minimum's network, in words;
- :mod:`.findings`: tables, paper-versus-measured comparisons, loss selection;
- :mod:`.figures`, :mod:`.report`: PNG figures, ``report.md``, ``report.html``, CSVs.
"""

from __future__ import annotations

from .config import ConfigError, load_config, load_preset, parse_config
from .report import ReportExists, write_report
from .results import LandscapeResult, StudyResults
from .runner import run_study
from .spec import StudyConfig

__all__ = [
    "ConfigError",
    "LandscapeResult",
    "ReportExists",
    "StudyConfig",
    "StudyResults",
    "load_config",
    "load_preset",
    "parse_config",
    "run_study",
    "write_report",
]
