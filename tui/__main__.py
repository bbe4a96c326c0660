"""Command line entry point.

The arguments are parsed before anything heavy is imported, so ``--help`` and
``--version`` are instant and ``--color`` can set Textual's colour system before
Textual reads its environment (it does so at import time).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from . import __version__

SUBCOMMANDS = ("price", "check", "calibrate", "market", "backtest")


def _app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alvh-tui",
        description="Plan and stress-test Adaptive Layered VIX Hedges in the terminal.",
        epilog=(
            "headless commands:\n"
            "  alvh-tui price PLAN.toml [--json]   price a plan: a table, or JSON for scripts\n"
            "  alvh-tui check PLAN.toml            validate a plan: exit 0 when usable, 2 when not\n"
            "  alvh-tui calibrate CHAIN.csv PLAN.toml [--json] [--write]\n"
            "                                      fit the vol model to an option chain\n"
            "  alvh-tui market PLAN.toml CURVE.csv [--as-of DATE] [--write]\n"
            "                                      bring a day's VX curve into a plan\n"
            "  alvh-tui backtest PLAN.toml [--from DATE] [--to DATE] [--history FILE] [--json] [--csv OUT]\n"
            "                                      the plan through 2006-2025 against Cboe's VXTH rule"
        ),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("plan", nargs="?", type=Path, help="plan file to open (created on first save); default: the bundled sample")
    parser.add_argument(
        "--color",
        choices=("auto", "truecolor", "256", "16"),
        default="auto",
        help="colour system (over SSH, 256 is what most terminals announce)",
    )
    parser.add_argument("--no-mouse", action="store_true", help="leave the mouse to the terminal (native selection)")
    parser.add_argument("--version", action="version", version=f"alvh-tui {__version__}")
    return parser


def _sub_parser(command: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=f"alvh-tui {command}")
    if command == "calibrate":
        parser.add_argument("chain", type=Path, help="VIX option chain CSV (daily bars or bid/ask quotes)")
        parser.add_argument("plan", type=Path, help="plan file (TOML); its market must be of the chain's day")
        parser.add_argument("--json", action="store_true", help="print the fit as JSON")
        parser.add_argument("--write", action="store_true", help="store the fitted settings in the plan (atomic, with a backup)")
        parser.add_argument("--vvix", type=float, default=None, help="VVIX close of the chain's day (else the chain's VVIX_close column)")
        return parser
    if command == "market":
        parser.add_argument("plan", type=Path, help="plan file (TOML)")
        parser.add_argument("curve", type=Path, help="curve CSV: the snapshot layout, Cboe's settlement file or Cboe's per-contract history")
        parser.add_argument("--as-of", type=_iso_date, default=None, help="the day to take (Cboe files; default: the file's latest day)")
        parser.add_argument("--vix", type=float, default=None, help="VIX spot of that day (when the file has none; default: keep the plan's)")
        parser.add_argument("--write", action="store_true", help="store the new market in the plan (atomic, with a backup)")
        return parser
    parser.add_argument("plan", type=Path, help="plan file (TOML, schema 1)")
    if command == "price":
        parser.add_argument("--json", action="store_true", help="print the valuation as JSON (a stable contract)")
    if command == "backtest":
        parser.add_argument("--from", dest="start", type=_iso_date, help="first day (YYYY-MM-DD); default: the plan's [backtest] start or the history's first")
        parser.add_argument("--to", dest="end", type=_iso_date, help="last day (YYYY-MM-DD); default: the plan's [backtest] end or the history's last")
        parser.add_argument("--history", type=Path, help="a daily history CSV (long or compact layout); default: the bundled 2006-2025 one")
        parser.add_argument("--json", action="store_true", help="print the results as JSON")
        parser.add_argument("--csv", type=Path, help="write the daily series to this CSV file")
    return parser


def _iso_date(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got {text!r}") from None


_COLOR_SYSTEMS = {"truecolor": "truecolor", "256": "256", "16": "standard"}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] in SUBCOMMANDS:
        command = argv[0]
        if command == "calibrate":
            # the fit's matrices are 1,000 x 15: BLAS threads only contend for the cores
            # (measured 1.5x slower with two threads on a shared machine); numpy is not
            # imported yet, so this takes effect, and only for this process
            for name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
                os.environ.setdefault(name, "1")
        args = _sub_parser(command).parse_args(argv[1:])
        from . import cli  # numpy/scipy only now, never textual

        if command == "price":
            return cli.price(args.plan, as_json=args.json)
        if command == "calibrate":
            from . import cli_market

            return cli_market.calibrate(args.chain, args.plan, as_json=args.json, write=args.write, vvix=args.vvix)
        if command == "market":
            from . import cli_market

            return cli_market.market(args.plan, args.curve, as_of=args.as_of, vix=args.vix, write=args.write)
        if command == "backtest":
            from .backtest_cli import backtest

            return backtest(args.plan, args.start, args.end, args.history, as_json=args.json, csv_out=args.csv)
        return cli.check(args.plan)

    args = _app_parser().parse_args(argv)
    if args.color != "auto":
        os.environ["TEXTUAL_COLOR_SYSTEM"] = _COLOR_SYSTEMS[args.color]
    fast_start()
    from .app import run_app  # textual is imported only here

    return run_app(plan_path=args.plan, mouse=not args.no_mouse)


def fast_start() -> None:
    """Before the app is imported: numpy loads after the first frame (the app prices then),
    and no garbage collection runs until then (start-up allocates much and frees little:
    the collections cost 15-20 % of it; the app freezes what it built and re-enables them
    once the first frame is out, see AlvhApp._after_start)."""
    import gc

    from . import lazy_numpy

    if lazy_numpy.defer():  # (a fresh process: in one that has numpy already, as tests, nothing changes)
        gc.disable()


def run() -> int:
    try:
        return main()
    except BrokenPipeError:
        # `alvh-tui price plan.toml | head`: the reader left; that is not an error.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 0


if __name__ == "__main__":
    sys.exit(run())
