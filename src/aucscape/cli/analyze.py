"""``aucscape analyze``: Table-1 style summary and per-minimum properties of a database.

For every stored minimum: train and test AUC (exact, class 1 positive), argmax accuracy,
the cross-entropy data term and appAUC = 1 − mean sigmoid pairwise risk at that W
(whatever loss it was found on), the stored energy, LPPHE and smallest Hessian
eigenvalue. Prints the summary (number of minima, best / mean / sd test AUC, mean / sd
LPPHE, Pearson r of energy and LPPHE with test AUC) and the lowest minima; ``--csv``
writes one row per minimum, ``--json`` the summary ("-" = standard output).
"""

from __future__ import annotations

import argparse
import sys

from . import CLIError
from ._common import (
    add_db_argument,
    add_parser,
    check_flag,
    check_output_file,
    describe_objective,
)

EPILOG = """examples:
  aucscape analyze --db auc.db
  aucscape analyze --db auc.db --csv minima.csv --json summary.json --top 0
  aucscape analyze --db auc.db --json - --quiet      # summary as JSON on standard output
"""

_COLUMNS = (
    ("id", "id", "d"),
    ("energy", "energy", ".10g"),
    ("train AUC", "train_auc", ".4f"),
    ("test AUC", "test_auc", ".4f"),
    ("test acc", "test_accuracy", ".4f"),
    ("CE loss", "ce_loss", ".5g"),
    ("appAUC", "app_auc", ".4f"),
    ("LPPHE", "lpphe", ".6g"),
    ("min eig", "min_eig", ".3g"),
    ("hits", "hits", "d"),
)


def register(sub: argparse._SubParsersAction) -> None:
    p = add_parser(sub, "analyze",
                   help="summarise a landscape database (test AUC, LPPHE, correlations)",
                   doc=__doc__, epilog=EPILOG)
    add_db_argument(p)
    p.add_argument("--csv", metavar="OUT", help="write per-minimum properties as CSV")
    p.add_argument("--json", metavar="OUT", help="write the summary as JSON")
    p.add_argument("--beta", type=float, default=None,
                   help="sigmoid β for appAUC (default: the run's β, else 40)")
    p.add_argument("--top", type=int, default=10, metavar="N",
                   help="print the N lowest minima (default 10; 0 for none)")
    p.add_argument("--force", action="store_true",
                   help="overwrite existing --csv / --json files")
    p.add_argument("--quiet", action="store_true", help="print nothing on standard output")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..analysis import MinimumProperties, analyze_database, format_table, write_csv, write_json
    from ..analysis.summary import summary_rows

    check_flag(args.top, "--top", minimum=0)
    check_flag(args.beta, "--beta", minimum=0, strict=True)
    for flag, out in (("--csv", args.csv), ("--json", args.json)):
        if out and out != "-":
            try:
                check_output_file(out, force=args.force, inputs=[("--db", args.db)])
            except CLIError as exc:
                raise CLIError(f"{flag} {exc}") from None
    result = analyze_database(args.db, beta=args.beta)
    records = [p.to_dict() for p in result.minima]
    if args.csv:
        write_csv(args.csv, records, MinimumProperties.field_names())
    if args.json:
        write_json(args.json, result.to_dict())
    if not result.energies_consistent:
        print(
            f"aucscape analyze: warning: stored energies differ from the rebuilt objective by "
            f"up to {result.max_energy_error:.3g}; the data or code changed since the run",
            file=sys.stderr,
        )
    if args.quiet:
        return 0
    print(f"{result.path}: {describe_objective(result.objective)}; appAUC with beta "
          f"{result.beta:g}")
    print(format_table(summary_rows(result.summary), ("quantity", "value"), floatfmt=".6g"))
    _print_network(args.db)
    if args.top and records:
        shown = records[: args.top]
        rows = [[r[key] for _, key, _ in _COLUMNS] for r in shown]
        print()
        print(format_table(rows, [h for h, _, _ in _COLUMNS],
                           floatfmt=[f for _, _, f in _COLUMNS],
                           title=f"lowest {len(shown)} of {len(records)} minima"))
    return 0


def _print_network(path: str) -> None:
    """Minima and transition states by both identity rules, the network's share, and the
    growth log's state (:mod:`aucscape.landscape.counts`, :mod:`aucscape.landscape.grow`)."""
    from ..landscape.counts import census
    from ..landscape.grow import load_attempts, since_new
    from ._common import open_store, stored_objective

    with open_store(path, read_only=True) as store:
        c = census(store, stored_objective(store))
        log = load_attempts(store)
    if c.minima == 0:
        return
    print()
    print(f"network: {c.in_network} of {c.minima} minima "
          f"({100.0 * c.in_network / c.minima:.1f} %) and {c.ts_in_network} of {c.ts} "
          f"transition states in the global minimum's component; {c.components} components")
    for g, (m, t) in c.pathsample.items():
        print(f"PATHSAMPLE identity (EDIFFTOL 1e-4, GEOMDIFFTOL {g:g}): {m} minima, "
              f"{t} transition states")
    if log:
        since = since_new(log)
        print(f"grow: {len(log)} single-ended searches, the last {since} without a new "
              "minimum")
