"""``aucscape reproduce``: the study of Niroomand, Cafolla, Morgan & Wales (2022) in one
command, ending in a report you can read.

For every landscape of the study (CE and sigmoid appAUC on the spiral; the five
surrogates; the credit-card data; the β and λ ablations): basin-hopping into a database
under OUT/db/, transition states between the minima, then per-minimum analysis (test
AUC, LPPHE, ...). OUT/report.md and the self-contained OUT/report.html put each of the
paper's findings next to what this run measured, with the budget behind it, and close
with a loss-selection summary; figures (PNG) and tables (CSV) sit beside them.

Every landscape is explored in R independent replicates (data noise, train/test split
and basin-hopping seeds redrawn), and each finding is decided on a 90 % interval over
them; --seed N draws another, equally valid replicate set. --preset quick runs every
part at small budgets (minutes on two cores), with a sensitivity section that re-runs
the main part under the alternative set-ups; --preset full runs each landscape to the
paper's stopping rule (many cores or --scheduler; --preset paper is its old name). A TOML
--config can set data sets, network, losses, budgets and ablation grids (see the shipped
presets in aucscape/presets/). Runs are resumable: rerun with --resume to continue the
databases in OUT. An existing report is replaced only with --force.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from . import CLIError
from ._common import add_parser, check_flag, progress_bar

if TYPE_CHECKING:
    from ..study import StudyConfig, StudyResults

EPILOG = """examples:
  aucscape reproduce --preset quick --out quick-study
  aucscape reproduce --preset quick --seed 1 --out quick-seed1
  aucscape reproduce --preset full --workers 32 --out full-study
  aucscape reproduce --preset full --scheduler tcp://10.0.0.5:8786 --out full-study --resume
  aucscape reproduce --config my-study.toml --out my-study
"""


def register(sub: argparse._SubParsersAction) -> None:
    p = add_parser(sub, "reproduce", help="run the paper's study and write a report",
                   doc=__doc__, epilog=EPILOG)
    src = p.add_mutually_exclusive_group()
    src.add_argument("--preset", choices=("quick", "full", "paper"),
                     help="shipped study config (default quick; paper = full)")
    src.add_argument("--config", metavar="FILE", help="TOML study config")
    p.add_argument("--out", metavar="DIR",
                   help="output folder (default: study-<preset or config name>)")
    p.add_argument("--seed", type=int, metavar="N",
                   help="study seed: replicate set N (default: the config's, 0 in presets)")
    p.add_argument("--workers", type=int, default=os.cpu_count() or 1, metavar="N",
                   help="local worker processes for quenches and connection attempts "
                        "(default: every core, here %(default)s)")
    p.add_argument("--scheduler", metavar="ADDR",
                   help="Dask scheduler address (tcp://HOST:8786) instead of local workers")
    p.add_argument("--resume", action="store_true",
                   help="continue the databases of an existing OUT")
    p.add_argument("--force", action="store_true", help="replace an existing report")
    p.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    p.set_defaults(func=run)


def _load(args: argparse.Namespace) -> StudyConfig:
    from dataclasses import replace

    from ..study import load_config, load_preset
    from ..study.config import check_datasets

    config = load_config(args.config) if args.config else load_preset(args.preset or "quick")
    if args.seed is not None:
        check_flag(args.seed, "--seed", minimum=0, integer=True)
        config = replace(config, seed=int(args.seed))
        check_datasets(config)  # the new replicate seeds draw new data sets
    return config


def check_out(out: Path, *, resume: bool, force: bool) -> None:
    """Refuse to clobber: an existing report needs --force, existing databases --resume."""
    from ..study.report import REPORT_FILES

    if out.exists() and not out.is_dir():
        raise CLIError(f"--out {out} exists and is not a folder")
    reports = [n for n in REPORT_FILES if (out / n).exists()]
    if reports and not force:
        raise CLIError(f"{out / reports[0]} exists; pass --force to replace the report "
                       "(with --resume to continue its databases first)")
    if (out / "db").is_dir() and any((out / "db").glob("*.db")) and not resume:
        raise CLIError(f"{out / 'db'} already holds databases; pass --resume to continue "
                       "them, or choose another --out")


def run(args: argparse.Namespace) -> int:
    from ..study import run_study, write_report
    from ..study.runner import total_steps

    check_flag(args.workers, "--workers", minimum=1, integer=True)
    config = _load(args)
    out = Path(args.out or f"study-{config.name}")
    check_out(out, resume=args.resume, force=args.force)
    if args.config:  # the run writes these: none may be the config it reads
        from .._files import check_not_input
        from ..study.report import REPORT_FILES

        for name in (*REPORT_FILES, "results.json"):
            check_not_input(out / name, [("--config", args.config)])
    bar = progress_bar(total=total_steps(config), desc="reproduce", unit="quench",
                       quiet=args.quiet)
    n = len(config.landscapes())

    def progress(event: str, key: str, i: int) -> None:
        if event == "quench":
            bar.update(i)
        elif event == "landscape":
            bar.set_description(f"[{i + 1}/{n}] {key}")
        else:
            bar.set_description(key)

    try:
        with bar:
            try:
                results = run_study(config, out, workers=args.workers,
                                    scheduler=args.scheduler, progress=progress)
            except (ImportError, OSError, TimeoutError) as exc:
                if args.scheduler and not isinstance(exc, FileNotFoundError):
                    raise CLIError(f"cannot use scheduler {args.scheduler}: {exc}") from exc
                raise
    except KeyboardInterrupt as exc:  # Ctrl-C, or SIGTERM (the workers are ended)
        from ..parallel import Terminated

        print(f"aucscape reproduce: interrupted; the databases in {out / 'db'} are kept: "
              "rerun with --resume to continue", file=sys.stderr)
        return 128 + exc.signum if isinstance(exc, Terminated) else 130
    report = write_report(results, out, force=args.force)
    if not args.quiet:
        _summary(results, out, report)
    return 0


def _summary(results: StudyResults, out: Path, report: Path) -> None:
    from ..study.findings import findings

    fs = findings(results)
    print(f"{len(results.landscapes)} landscapes in {results.wall_seconds:.1f} s; "
          f"report: {report} and {out / 'report.html'}")
    for f in fs:
        print(f"  [{f.verdict_text:>14}] {f.claim}: {f.measured} (paper: {f.paper}; "
              f"band {f.band.text()})")
