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

SUBCOMMANDS = ("price", "check", "backtest")


def _app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alvh-tui",
        description="Plan and stress-test Adaptive Layered VIX Hedges in the terminal.",
        epilog=(
            "headless commands:\n"
            "  alvh-tui price PLAN.toml [--json]   price a plan: a table, or JSON for scripts\n"
            "  alvh-tui check PLAN.toml            validate a plan: exit 0 when usable, 2 when not\n"
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
        args = _sub_parser(command).parse_args(argv[1:])
        from . import cli  # numpy/scipy only now, never textual

        if command == "price":
            return cli.price(args.plan, as_json=args.json)
        if command == "backtest":
            from .backtest_cli import backtest

            return backtest(args.plan, args.start, args.end, args.history, as_json=args.json, csv_out=args.csv)
        return cli.check(args.plan)

    args = _app_parser().parse_args(argv)
    if args.color != "auto":
        os.environ["TEXTUAL_COLOR_SYSTEM"] = _COLOR_SYSTEMS[args.color]
    from .app import run_app  # textual is imported only here

    return run_app(plan_path=args.plan, mouse=not args.no_mouse)


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
