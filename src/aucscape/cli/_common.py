"""Helpers shared by the landscape commands (explore, connect, graph, export, import).

- one-line argument errors (``aucscape CMD: error: ...``, exit status 2) instead of
  argparse's usage block;
- range checks on flag values that raise :class:`~aucscape.cli.CLIError` naming the flag;
- the objective options (``--dataset --loss --beta --margin --lam --hidden``, the spiral's
  ``--noise --generator --turns --points-per-arm --mlpnorm`` and ``--data-seed``) and
  building an :class:`~aucscape.protocols.Objective` from them, or from a database's record;
- opening a database with friendly errors; an executor with friendly errors;
- a tqdm progress bar that is silent when standard error is not a terminal or with --quiet;
- output-path checks that never overwrite silently (``--force``).
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import math
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from ..data.spiral import GENERATORS, spiral
from ..surrogates import SURROGATES
from . import CLIError

if TYPE_CHECKING:
    from ..landscape.store import Store

#: ``ce`` and every registered surrogate (:data:`aucscape.surrogates.SURROGATES`).
LOSSES = ("ce", *SURROGATES)

#: Objective flags and their defaults (the paper's settings). Defaults are filled in by
#: :func:`objective_from_args` so that commands can tell whether any flag was given.
OBJECTIVE_DEFAULTS: dict[str, Any] = {
    "dataset": "spiral", "loss": "sigmoid", "beta": 40.0, "margin": 1.0, "lam": 1e-5,
    "hidden": 10, "noise": None, "generator": None, "turns": None, "points_per_arm": None,
    "mlpnorm": None, "data_seed": 0,
}

#: Flags passed to the data set's loader only when given (None above: the loader's own
#: default applies, so a run without them describes the same data as before they existed).
#: Which data sets take each is decided by :func:`aucscape.data.dataset_options`.
DATASET_FLAGS = ("noise", "generator", "turns", "points_per_arm", "mlpnorm")

#: The spiral loader's defaults, stated in --help (one home: :func:`aucscape.data.spiral`).
_SPIRAL_DEFAULTS = {k: v.default for k, v in inspect.signature(spiral).parameters.items()}


def one_line_errors(parser: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Make ``parser`` report argument errors as one line on stderr with exit status 2."""

    def error(message: str) -> NoReturn:
        parser.exit(2, f"{parser.prog}: error: {message}\n")

    parser.error = error  # type: ignore[method-assign]
    return parser


def add_parser(sub: argparse._SubParsersAction, name: str, *, help: str, doc: str | None,
               epilog: str) -> argparse.ArgumentParser:
    """A sub-command parser with the module docstring as description and ``epilog`` examples."""
    p = sub.add_parser(name, help=help, description=doc, epilog=epilog,
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    return one_line_errors(p)


#: Help of every command's ``--db`` flag (a command may add what it does with the file).
DB_HELP = "landscape database (SQLite)"


def add_db_argument(p: argparse.ArgumentParser, effect: str = "") -> None:
    """The required ``--db FILE`` flag; ``effect`` (e.g. "created when ...") joins the help."""
    p.add_argument("--db", required=True, metavar="FILE",
                   help=f"{DB_HELP}; {effect}" if effect else DB_HELP)


# -- flag checks ---------------------------------------------------------------------------
def check_flag(value: Any, flag: str, *, minimum: float, strict: bool = False,
               integer: bool = False, maximum: float | None = None) -> Any:
    """Return ``value`` when it is (an integer and) >= ``minimum`` (> when ``strict``) and
    <= ``maximum`` when given; else raise CLIError naming ``flag``. None passes through
    (flag not given)."""
    if value is None:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        raise CLIError(f"{flag} must be finite, got {value}")
    ok = value > minimum if strict else value >= minimum
    if not ok:
        rel = ">" if strict else ">="
        raise CLIError(f"{flag} must be {rel} {minimum:g}, got {value}")
    if maximum is not None and value > maximum:
        raise CLIError(f"{flag} must be <= {maximum:g}, got {value}")
    if integer and int(value) != value:
        raise CLIError(f"{flag} must be an integer, got {value}")
    return value


# -- objective options ---------------------------------------------------------------------
def add_objective_args(p: argparse.ArgumentParser) -> None:
    """The flags that define the loss landscape (all default to None = not given)."""
    g = p.add_argument_group("objective (the loss landscape)")
    o, d = OBJECTIVE_DEFAULTS, _SPIRAL_DEFAULTS
    g.add_argument("--dataset", metavar="NAME|PATH",
                   help="spiral, creditcard or a CSV file (label in the last column; "
                        f"default {o['dataset']})")
    g.add_argument("--loss", choices=LOSSES,
                   help=f"ce or an AUC surrogate (default {o['loss']})")
    g.add_argument("--beta", type=float, metavar="B",
                   help=f"surrogate steepness β (default {o['beta']:g})")
    g.add_argument("--margin", type=float, metavar="M",
                   help=f"margin m of hinge/squared_hinge/quad (default {o['margin']:g})")
    g.add_argument("--lam", type=float, metavar="L",
                   help="weight decay λ on every parameter (default "
                        f"{o['lam']:g})".replace("e-0", "e-"))  # 1e-5, not 1e-05
    g.add_argument("--hidden", type=int, metavar="N",
                   help=f"tanh hidden units (default {o['hidden']})")
    g.add_argument("--noise", type=float, metavar="A",
                   help="spiral only: half-width a of the U(-a, a) noise on each coordinate "
                        f"(default {d['noise']:g})")
    g.add_argument("--generator", choices=GENERATORS,
                   help="spiral only: cmu = Lang & Witbrock's deterministic points (3 turns, "
                        "radius 6.5 to 0.5); sampled = random positions along two "
                        "Archimedean arms of radius 1, as the study presets use "
                        f"(default {d['generator']})")
    g.add_argument("--turns", type=float, metavar="T",
                   help="spiral only: turns of each arm; other than 3 needs --generator "
                        f"sampled (default {d['turns']:g})")
    g.add_argument("--points-per-arm", type=int, metavar="N",
                   help="spiral only: points on each of the two arms, train and test "
                        f"together (default {d['points_per_arm']})")
    g.add_argument("--mlpnorm", action=argparse.BooleanOptionalAction,
                   help="spiral only: divide each input column by its mean magnitude on the "
                        "training split (GMIN/OPTIM's MLPNORM), as the study presets do "
                        f"(default {'on' if d['mlpnorm'] else 'off: raw coordinates'})")
    g.add_argument("--data-seed", type=int, metavar="N",
                   help="seed of the data set's sampling, noise and train/test split "
                        f"(default {o['data_seed']})")


def objective_flags_given(args: argparse.Namespace) -> list[str]:
    """Names of the objective flags given on the command line."""
    return [k for k in OBJECTIVE_DEFAULTS if getattr(args, k, None) is not None]


def objective_from_args(args: argparse.Namespace) -> Any:
    """Build the objective the flags describe (defaults for flags not given).

    E = data term of ``--loss`` on the training split of ``--dataset`` for an
    n_in-``hidden``-2 tanh network, + λ Σ W² (see :func:`aucscape.objectives.make_objective`).
    """
    from ..data import DATASETS, dataset_options, load_dataset
    from ..objectives import make_objective
    from ..objectives.factory import check_lam, check_network_size

    o = {k: (getattr(args, k, None) if getattr(args, k, None) is not None else v)
         for k, v in OBJECTIVE_DEFAULTS.items()}
    check_flag(o["beta"], "--beta", minimum=0, strict=True)
    check_flag(o["margin"], "--margin", minimum=0, strict=True)
    check_lam(o["lam"], "--lam")  # the rule the study config applies too
    check_flag(o["hidden"], "--hidden", minimum=1, integer=True)
    check_flag(o["noise"], "--noise", minimum=0)
    check_flag(o["turns"], "--turns", minimum=0, strict=True)
    check_flag(o["points_per_arm"], "--points-per-arm", minimum=2, integer=True)
    check_flag(o["data_seed"], "--data-seed", minimum=0, integer=True)
    name = str(o["dataset"])
    kwargs: dict[str, Any] = {"seed": o["data_seed"]}
    takes = dataset_options(name)
    for key in DATASET_FLAGS:
        if o[key] is not None:
            if key not in takes:
                users = [n for n in DATASETS if key in dataset_options(n)]
                raise CLIError(f"{_flag(key)} does not apply to --dataset {name} "
                               f"({', '.join(users)} only)")
            kwargs[key] = o[key]
    dataset = load_dataset(name, **kwargs)
    check_network_size(dataset.X_train.shape[1], o["hidden"], dataset.X_train.shape[0],
                       name="--hidden")
    return make_objective(dataset, o["loss"], hidden=int(o["hidden"]), beta=float(o["beta"]),
                          margin=float(o["margin"]), lam=float(o["lam"]))


def _flag(key: str) -> str:
    """The command-line flag of an objective key (``points_per_arm`` -> ``--points-per-arm``)."""
    return "--" + key.replace("_", "-")


def describe_objective(desc: dict[str, Any]) -> str:
    """One-line summary of an objective description: data, network shape, loss, λ."""
    arch = desc.get("architecture", {})
    shape = "-".join(str(arch.get(k, "?")) for k in ("n_in", "n_hidden", "n_out"))
    data = (desc.get("dataset") or {}).get("kind", "?")
    loss = desc.get("loss", "?")
    if "beta" in desc and loss != "ce":
        loss = f"{loss} (beta {desc['beta']:g})"
    return f"{data} data, {shape} network, loss {loss}, lambda {desc.get('lam', '?')}"


# -- databases -----------------------------------------------------------------------------
def check_db_path(path: str, *, must_exist: bool) -> Path:
    """The database path, refusing directories and (when ``must_exist``) missing files."""
    p = Path(path)
    if p.is_dir():
        raise CLIError(f"--db {path} is a directory, not a database file")
    if must_exist and not p.exists():
        raise FileNotFoundError(f"--db {path}: no such database file "
                                "(create one with aucscape explore)")
    if not p.exists() and not p.resolve().parent.is_dir():
        raise CLIError(f"--db {path}: directory {p.parent} does not exist")
    return p


def open_store(path: str, description: dict | None = None, *, must_exist: bool = False,
               read_only: bool = False) -> Any:
    """Open (or create) the database at ``path``; StoreError (a ValueError) reaches the user
    as one line, e.g. for a foreign file or a different objective. With ``must_exist`` the
    file must already be a database: an empty file is refused and left empty."""
    from ..landscape.store import Store

    p = check_db_path(path, must_exist=must_exist or read_only)
    return Store(p, description, read_only=read_only, create=not must_exist)


def forget_new_database(path: Path, *, existed: bool) -> None:
    """Undo a database this run created and stored nothing in: remove the file (or, when
    an empty file was there, empty it again) and SQLite's files beside it."""
    from ..landscape.store_schema import existing_sidecars

    for extra in existing_sidecars(path):
        extra.unlink(missing_ok=True)
    if existed:
        with open(path, "r+b") as fh:
            fh.truncate(0)
    else:
        path.unlink(missing_ok=True)


def stored_objective(store: Store) -> Any:
    """Rebuild the objective a database was made for (its recorded description)."""
    from ..analysis.database import stored_objective as description_of
    from ..objectives import build_objective

    return build_objective(description_of(store))


# -- execution -----------------------------------------------------------------------------
@contextlib.contextmanager
def executor(workers: int, scheduler: str | None) -> Iterator[Any]:
    """:func:`aucscape.parallel.make_executor`, shut down on exit; a scheduler that cannot
    be reached (or a missing dask) becomes a one-line CLIError.

    Run sequentially (one worker, no scheduler), the tasks run in this process, so BLAS is
    pinned to one thread here for the duration, as it is in every worker process."""
    from ..parallel import close_executor, make_executor, single_blas_thread

    try:
        ex = make_executor(workers, scheduler)
    except (ImportError, OSError, TimeoutError) as exc:
        where = f"scheduler {scheduler}" if scheduler else f"{workers} workers"
        raise CLIError(f"cannot start {where}: {exc}") from exc
    pin = single_blas_thread() if scheduler is None and workers == 1 else contextlib.nullcontext()
    try:
        with pin:
            yield ex
    except BaseException:  # interrupted or failed: end the workers, do not wait for them
        close_executor(ex, interrupted=True)
        raise
    close_executor(ex)


def progress_bar(*, total: int | None, desc: str, unit: str, quiet: bool) -> Any:
    """A tqdm bar on stderr, disabled with ``quiet`` or when stderr is not a terminal."""
    from tqdm import tqdm

    disable = quiet or not sys.stderr.isatty()
    return tqdm(total=total, desc=desc, unit=unit, disable=disable, dynamic_ncols=True,
                leave=True, file=sys.stderr)


def check_output_file(path: str, *, force: bool, suffixes: tuple[str, ...] | None = None,
                      inputs: Sequence[tuple[str, str | None]] = ()) -> Path:
    """An output path whose directory exists, with an allowed suffix, which does not exist
    yet unless ``force``, and which is none of the run's ``inputs`` (``(flag, path)``
    pairs), even with ``force``."""
    from .._files import check_not_input

    p = Path(path)
    try:
        check_not_input(p, inputs)
    except ValueError as exc:
        raise CLIError(str(exc)) from None
    if suffixes is not None and p.suffix.lower().lstrip(".") not in suffixes:
        raise CLIError(f"{path}: unsupported format {p.suffix or '(none)'!r}; "
                       f"use one of {', '.join('.' + s for s in suffixes)}")
    if p.is_dir():
        raise CLIError(f"{path} is a directory")
    if not p.resolve().parent.is_dir():
        raise CLIError(f"{path}: directory {p.parent} does not exist")
    if p.exists() and not force:
        raise CLIError(f"{path} exists; pass --force to overwrite it")
    return p
