"""The study's report: ``report.md``, a self-contained ``report.html`` (figures embedded as
base64 PNG), ``tables/*.csv`` and ``figures/*.png``, all from a :class:`StudyResults`.

Order: run facts, the set-up (every choice the paper leaves open and what this run
used), the findings table (paper vs this run, with the test, the 90 % interval and the
budget), the sensitivity table (each finding's verdict under the alternative set-ups),
the loss-selection summary, the tables, the figures, every landscape, the config.
"""

from __future__ import annotations

import base64
import html
import json
import re
from pathlib import Path

from .._files import replace_together
from .bands import VERDICTS
from .connected import connectivity
from .figures import FigureFile, make_figures
from .findings import Finding, findings
from .results import StudyResults
from .setup import sensitivity_table, setup_lines
from .tables import NETWORK_COLUMNS, Table, fmt, loss_selection, tables

__all__ = ["REPORT_FILES", "ReportExists", "landscape_table", "write_report"]

REPORT_FILES = ("report.md", "report.html")


class ReportExists(FileExistsError):
    """The output folder already holds a report (pass force=True to replace it)."""


def landscape_table(res: StudyResults) -> Table:
    """Every landscape explored: definition, work done, what was found, database."""
    rows = [(r.key, r.label, r.dataset, r.architecture, r.replicate, ", ".join(r.parts),
             r.n_minima, r.n_ts, r.largest_component, *connectivity(r).cells(), r.steps,
             r.converged, r.connect_attempts, round(r.explore_seconds + r.connect_seconds, 1),
             r.db)
            for r in res.landscapes.values()]
    return Table("landscapes", "All landscapes", (
        "key", "landscape", "data", "network", "replicate", "parts", "minima", "transition states",
        "largest connected set", *NETWORK_COLUMNS[1:], "quenches", "window converged",
        "connection attempts", "seconds", "database"), rows)


def _findings_table(fs: list[Finding], replicates: int = 3) -> Table:
    """The findings, one row each; the verdict says when every replicate had the other
    sign; ``band`` is the paper's value and the band that counts as reproducing it, and
    the last column the power of ``replicates`` replicates to find it reproduced
    (:func:`aucscape.study.bands.power`, at this run's spread between replicates)."""
    return Table("findings", "Paper findings against this run",
                 ("finding", "paper", "this run", "test", "verdict", "budget",
                  "90% interval", "band", f"power at {replicates} replicates"),
                 [(f.claim, f.paper, f.measured, f.criterion, f.verdict_text, f.budget,
                   f.interval, f.band.text(), _power(f, replicates)) for f in fs])


def _reps(res: StudyResults) -> int:
    return int(res.config.get("replicates", 3) or 3)


def _power(f: Finding, replicates: int) -> float | None:
    from .bands import power

    return power(f.band, f.sd, replicates, f.threshold, f.side)


def _facts(res: StudyResults) -> list[str]:
    cfg = res.config
    where = f"Dask scheduler {res.scheduler}" if res.scheduler else f"{res.workers} worker(s)"
    return [f"config: {cfg.get('name')} ({cfg.get('source')}); {cfg.get('description', '')}",
            f"aucscape {res.version}; finished {res.created}; wall time "
            f"{res.wall_seconds:.1f} s on {where}",
            f"{len(res.landscapes)} landscapes, "
            f"{sum(r.n_minima for r in res.landscapes.values())} minima, "
            f"{sum(r.n_ts for r in res.landscapes.values())} transition states, "
            f"{sum(r.steps for r in res.landscapes.values())} quenches",
            _network_fact(res)]


def _network_fact(res: StudyResults) -> str:
    """How many minima lie in (and outside) their landscape's global-minimum network."""
    cs = [connectivity(r) for r in res.landscapes.values()]
    on = [c for c in cs if c.searched]
    text = (f"transition-state search in {len(on)} of {len(cs)} landscapes: "
            f"{sum(c.connected for c in on)} of their {sum(c.stored for c in on)} minima in "
            f"the global minimum's network, {sum(c.outside for c in on)} outside")
    return text + ("; the others are not connected (no transition-state search)"
                   if len(on) < len(cs) else "")


_INTRO = ('Each row states one finding of Niroomand, Cafolla, Morgan & Wales '
          "(2022), the paper's numbers, this run's estimate of the tested quantity, the "
          'test (fixed in advance), its 90 % Student-t interval over the replicates (the '
          'quantity is computed on each replicate; each replicate redraws the data, its '
          'train/test split and the basin-hopping seeds), the budget, and the band that '
          "counts as the paper's magnitude (written before any run; docs/reproduction.md). "
          'Verdicts: reproduced (the interval inside the band), same direction (the '
          "paper's sign, the interval not inside the band), contradicted (the whole "
          'interval on the other side), undecided (otherwise). A finding whose quantity '
          "had the other sign in every replicate says so. The last column is the chance "
          'that this many replicates find the finding reproduced if the quantity were '
          "the paper's value, at the spread measured between this run's replicates "
          "(blank where the paper gives no number). Claims"
          ' about numbers of minima are tested on Chao1 landscape sizes and on the minima'
          ' found after equal numbers of quenches, both at ΔE < 1e-4, and decided only '
          'as far as both tests agree. "Best test AUC" of all minima grows with their '
          'number; the global minima and the best of equal numbers of lowest minima are '
          'compared too. With 3 replicates a t-interval is wide: undecided is '
          'the common, honest answer at the quick budgets. Nothing here is tuned to '
          'agree: the set-up was chosen on the CE landscape alone (see Set-up).')
_SENS = ("Each column re-runs the main part (CE and sigmoid on the spiral) with one set-up "
         "choice changed, at the replicates and budget stated in its header; cells give "
         "the verdict and the estimate of the tested quantity. A verdict that changes "
         "between columns depends on that choice.")


def _md(res: StudyResults, fs: list[Finding], tabs: list[Table], sel: tuple,
        figs: list[FigureFile], sens: Table | None) -> str:
    counts = {v: sum(f.verdict == v for f in fs) for v in VERDICTS}
    out = [f"# aucscape reproduce: {res.config.get('name')}", "",
           "Study of Niroomand, Cafolla, Morgan & Wales (2022), *Characterising the area "
           "under the curve loss function landscape*.", ""]
    out += [f"- {line}" for line in _facts(res)] + [""]
    out += ["## Set-up: what the paper leaves open", ""]
    out += [f"- {line}" for line in setup_lines(res)] + [""]
    out += ["## Findings: paper against this run", "", _INTRO, "",
            ", ".join(f"{n} {v}" for v, n in counts.items()) + ".", "",
            _findings_table(fs, _reps(res)).to_markdown(), ""]
    if sens is not None:
        out += ["## Sensitivity: verdicts under the alternative set-ups", "", _SENS, "",
                sens.to_markdown(), ""]
    table, lines = sel
    out += ["## Loss selection", "", loss_selection.__doc__.split("\n\n")[1].strip()
            .replace("\n    ", " "), ""]
    if table is not None:
        out += [table.to_markdown(), ""]
    out += [f"- {line}" for line in lines] + [""]
    out += ["## Tables", ""]
    for t in tabs:
        out += [f"### {t.title}", "", t.to_markdown(), "", f"CSV: `tables/{t.name}.csv`", ""]
    out += ["## Figures", ""]
    for f in figs:
        if f.path is not None:
            out += [f"### {f.title}", "", f"![{f.title}](figures/{f.path.name})", "",
                    f.caption + f" (vector: `figures/{f.vector.name}`)", ""]
    absent = [f for f in figs if f.path is None]
    if absent:
        out += ["### Not drawn", ""] + [f"- {f.title}: {f.caption}" for f in absent] + [""]
    lt = landscape_table(res)
    out += ["## Landscapes", "", lt.to_markdown(), ""]
    out += ["## Configuration", "", "```json", json.dumps(res.config, indent=1), "```", ""]
    return "\n".join(out)


def _html_table(t: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in t.headers)
    body = "".join("<tr>" + "".join(f"<td>{html.escape(fmt(v))}</td>" for v in r) + "</tr>"
                   for r in t.rows)
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def _inline(text: str) -> str:
    return re.sub(r"\*\*(.+?)\*\*", r"<b>\1</b>", html.escape(text))


_CSS = ("body{font-family:sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;"
        "line-height:1.4}table{border-collapse:collapse;margin:1em 0;font-size:90%}"
        "td,th{border:1px solid #bbb;padding:3px 6px;text-align:left}th{background:#eee}"
        "img{max-width:100%}figure{margin:1.5em 0}figcaption{font-size:90%;color:#333}"
        ".reproduced{background:#d5efd1}.same-direction{background:#eef6e0}"
        ".contradicted{background:#fbe3e3}"
        "pre{background:#f6f6f6;padding:1em;overflow:auto;font-size:80%}")


def _html(res: StudyResults, fs: list[Finding], tabs: list[Table], sel: tuple,
          figs: list[FigureFile], sens: Table | None) -> str:
    title = f"aucscape reproduce: {res.config.get('name')}"
    o = [f"<!DOCTYPE html><html><head><meta charset='utf-8'><title>{html.escape(title)}"
         f"</title><style>{_CSS}</style></head><body>", f"<h1>{html.escape(title)}</h1>",
         "<p>Study of Niroomand, Cafolla, Morgan &amp; Wales (2022), <i>Characterising the "
         "area under the curve loss function landscape</i>.</p><ul>"]
    o += [f"<li>{html.escape(line)}</li>" for line in _facts(res)]
    o += ["</ul><h2>Set-up: what the paper leaves open</h2><ul>"]
    o += [f"<li>{html.escape(line)}</li>" for line in setup_lines(res)]
    o += ["</ul><h2>Findings: paper against this run</h2>", f"<p>{html.escape(_INTRO)}</p>"]
    ft = _findings_table(fs, _reps(res))
    rows = "".join(
        f"<tr class='{f.verdict.replace(' ', '-')}'>"
        + "".join(f"<td>{html.escape(fmt(v))}</td>" for v in r) + "</tr>"
        for f, r in zip(fs, ft.rows, strict=True))
    o.append("<table><thead><tr>" + "".join(f"<th>{html.escape(h)}</th>" for h in ft.headers)
             + f"</tr></thead><tbody>{rows}</tbody></table>")
    if sens is not None:
        o += ["<h2>Sensitivity: verdicts under the alternative set-ups</h2>",
              f"<p>{html.escape(_SENS)}</p>", _html_table(sens)]
    table, lines = sel
    o.append("<h2>Loss selection</h2>")
    if table is not None:
        o.append(_html_table(table))
    o.append("<ul>" + "".join(f"<li>{_inline(x)}</li>" for x in lines) + "</ul>")
    o.append("<h2>Tables</h2>")
    for t in tabs:
        o += [f"<h3>{html.escape(t.title)}</h3>", _html_table(t)]
    o.append("<h2>Figures</h2>")
    for f in figs:
        if f.path is None:
            continue
        data = base64.b64encode(f.path.read_bytes()).decode("ascii")
        o.append(f"<figure><h3>{html.escape(f.title)}</h3><img alt='{html.escape(f.title)}' "
                 f"src='data:image/png;base64,{data}'><figcaption>{html.escape(f.caption)}"
                 "</figcaption></figure>")
    absent = [f for f in figs if f.path is None]
    if absent:
        o.append("<h3>Not drawn</h3><ul>" + "".join(
            f"<li>{html.escape(f.title)}: {html.escape(f.caption)}</li>" for f in absent)
            + "</ul>")
    o += ["<h2>Landscapes</h2>", _html_table(landscape_table(res)), "<h2>Configuration</h2>",
          f"<pre>{html.escape(json.dumps(res.config, indent=1))}</pre></body></html>"]
    return "\n".join(o)


def write_report(res: StudyResults, out: str | Path, *, force: bool = False) -> Path:
    """Write report.md, report.html, tables/*.csv and figures/*.png into ``out``.

    Raises :class:`ReportExists` when ``out`` already has a report and not ``force``.
    Returns the path of ``report.md``.
    """
    out = Path(out)
    existing = [n for n in REPORT_FILES if (out / n).exists()]
    if existing and not force:
        raise ReportExists(f"{out / existing[0]} exists; pass --force to replace the report")
    out.mkdir(parents=True, exist_ok=True)
    (out / "tables").mkdir(exist_ok=True)
    fs = findings(res)
    tabs = tables(res)
    sel = loss_selection(res)
    figs = make_figures(res, out / "figures")
    sens = sensitivity_table(res)
    extra = [_findings_table(fs, _reps(res)), landscape_table(res)] + ([sel[0]] if sel[0] else [])
    extra += [sens] if sens is not None else []
    files = {out / "tables" / f"{t.name}.csv": t.to_csv() for t in [*tabs, *extra]}
    files[out / "report.md"] = _md(res, fs, tabs, sel, figs, sens)
    files[out / "report.html"] = _html(res, fs, tabs, sel, figs, sens)
    replace_together(files)  # all or none: never a truncated or mixed report
    return out / "report.md"
