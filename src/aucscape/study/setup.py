"""The report's set-up and sensitivity sections: what was assumed and how much it matters.

:func:`setup_lines` lists every choice Niroomand et al. (2022) leave open (spiral
generator, points, turns, noise, input scaling, hidden size, starting weights, the
basin-hopping step, β and
margins, the smoothing assumed for the hinge, duplicate criterion, replicates) with the
value this run used, read from the recorded config. :func:`sensitivity_table` puts the
main part's findings under the default set-up next to their verdicts under each
sensitivity variant (:meth:`aucscape.study.spec.StudyConfig.variant`).
"""

from __future__ import annotations

from typing import Any

from .findings import _main_findings
from .results import StudyResults
from .spec import loss_label
from .tables import Table, fmt

__all__ = ["sensitivity_table", "setup_lines"]

STEP_CHOICE = ("scripts/step_sensitivity.py --choose on CE landscapes only, "
               "docs/reproduction.md")
CALIBRATION = ("docs/reproduction.md (the calibration table of scripts/calibrate.py, "
               "chosen on CE landscapes only)")


def _spiral_text(d: dict[str, Any]) -> str:
    gen = d.get("generator", "cmu")
    pts = d.get("points_per_arm", 97)
    text = (f"spiral generator {gen!r}, {pts} points per arm, "
            f"{d.get('turns', 3.0):g} turns, uniform noise ±{d.get('noise', 0.1):g}, "
            f"test fraction {d.get('test_fraction', 0.2):g}")
    scaling = ("MLPNORM (each input column divided by its mean magnitude on the training "
               "split)" if d.get("mlpnorm") else "standardised" if d.get("standardize")
               else "raw coordinates")
    return f"{text}; input scaling: {scaling}"


def setup_lines(res: StudyResults) -> list[str]:
    """One line per open set-up choice, with this run's value (from ``res.config``)."""
    cfg = res.config
    lines = []
    for name, d in (cfg.get("datasets") or {}).items():
        if d.get("kind") == "spiral":
            lines.append(f"data set {name}: {_spiral_text(d)}")
        else:
            keys = ", ".join(f"{k} = {v}" for k, v in d.items() if k != "kind")
            lines.append(f"data set {name} ({d.get('kind')}): {keys or 'defaults'}")
    parts = cfg.get("parts") or {}
    hidden = sorted({p["hidden"] for p in parts.values() if p.get("enabled")})
    lines.append(f"network: n_in-H-2 tanh, H = {', '.join(map(str, hidden))} "
                 f"(by part: " + ", ".join(f"{k} {p['hidden']}" for k, p in parts.items()
                                           if p.get("enabled")) + ")")
    es = cfg.get("explore_settings") or {}
    r = es.get("start_range")
    lines.append("starting weights: every parameter uniform in [−1, 1] (GMIN's default)"
                 if r in (None, 1.0) else
                 f"starting weights: every parameter uniform in [−{r:g}, {r:g}] "
                 "(GMIN's default is [−1, 1])")
    step = es.get("step", 1.0)
    lines.append(f"basin-hopping step: every parameter moved by U(−{step:g}, {step:g}) "
                 f"at T = {es.get('temperature', 2.0):g} ("
                 + ("GMIN's template STEP 1.0" if step == 1.0 else
                    "GMIN's template has STEP 1.0, at which a CE walker stays in one basin")
                 + f"; chosen by {STEP_CHOICE})")
    lp = cfg.get("loss_params") or {}
    lines.append("surrogate parameters: " + ("; ".join(
        f"{k}: " + ", ".join(f"{a} = {v:g}" for a, v in p.items()) for k, p in lp.items()
        if p) or "package defaults") + " (every surrogate is given its β)")
    hinge = _hinge_line(parts)
    if hinge:
        lines.append(hinge)
    lines.append(f"duplicate criterion: minima counted at the store's strict identity "
                 f"and merged at ΔE < {cfg.get('duplicate_ediff', 1e-4):g} (GMIN EDIFF / "
                 "PATHSAMPLE EDIFFTOL); landscape sizes are Chao1 at the latter")
    lines.append(f"replicates: {cfg.get('replicates', 1)} per landscape, study seed "
                 f"{cfg.get('seed', 0)} (each replicate redraws noise, split and "
                 "basin-hopping seeds)")
    lines.append(f"how the defaults were chosen: {CALIBRATION}")
    return lines


def _hinge_line(parts: dict[str, Any]) -> str | None:
    """Which hinge the findings lead with, and why, when a part runs a hinge."""
    losses = {x for p in parts.values() if p.get("enabled") for x in (p.get("losses") or ())}
    if not losses & {"hinge", "smooth_hinge"}:
        return None
    text = ("hinge: the findings lead with the hinge as the paper wrote it, max(0, 1 − z) on "
            "probability differences (loss hinge at β = 1, m = 1: linear in z, hence smooth, "
            "and not AUC-consistent, as the paper says of its hinge)")
    if "hinge" not in losses:
        return (f"hinge (assumed): the paper's hinge is run as the "
                f"{loss_label('smooth_hinge')} only")
    if "smooth_hinge" in losses:
        text += (f"; the {loss_label('smooth_hinge')} at the β and m of its [losses] table "
                 "(AUC-consistent) is in the sensitivity table")
    return text


def sensitivity_table(res: StudyResults) -> Table | None:
    """Main-part verdicts under the default set-up and each sensitivity variant, and the
    hinge findings under the hinge form the findings do not lead with (when both ran)."""
    from .findings import hinge_findings, lead_hinge

    lead, other = lead_hinge(res)
    if not res.variants and other is None:
        return None
    base = _main_findings(res)
    sens = (res.config.get("sensitivity") or {})
    variants = {label: _main_findings(res.variant(label)) for label in res.variants}
    headers = ["finding", f"default ({res.config.get('replicates', 1)} replicates)"]
    for label in variants:
        change = (sens.get("variants") or {}).get(label, {})
        what = ", ".join([f"{k} = {v}" for k, v in change.items() if k != "dataset"]
                         + [f"{k} = {v}" for k, v in (change.get("dataset") or {}).items()])
        headers.append(f"{label}: {what} ({sens.get('replicates')} replicates × "
                       f"{sens.get('max_steps')} quenches)")
    rows = []
    for k, f in enumerate(base):
        row = [f.claim, _cell(f)]
        row += [_cell(v[k]) for v in variants.values()]
        rows.append(tuple(row))
    if other is not None:  # the hinge form the findings do not lead with
        for f in hinge_findings(res, other):
            rows.append((f"{f.claim} (the findings lead with the {loss_label(lead)})",
                         _cell(f), *["–"] * len(variants)))
    return Table("sensitivity", "Sensitivity of the main findings", tuple(headers), rows)


def _cell(f: Any) -> str:
    return f"{f.verdict_text} ({fmt(f.estimate, '.3g')} {f.interval})"
