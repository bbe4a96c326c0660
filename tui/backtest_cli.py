"""``alvh-tui backtest PLAN [--from DATE] [--to DATE] [--history FILE] [--json] [--csv OUT]``."""

from __future__ import annotations

import json
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

from .cli import EXIT_OK, EXIT_UNUSABLE, _load
from .core.price_json import json_safe
from .core.safe_text import printable


def backtest(path: Path, start: date | None = None, end: date | None = None, history_path: Path | None = None,
             as_json: bool = False, csv_out: Path | None = None) -> int:
    from .core.backtest import BacktestError, run_backtest
    from .core.backtest_report import daily_frame, to_json, to_text
    from .core.history import HistoryError, load_history

    plan = _load(path)
    if plan is None:
        return EXIT_UNUSABLE
    try:
        history = load_history(history_path)
    except HistoryError as error:
        print(str(error), file=sys.stderr)
        return EXIT_UNUSABLE
    settings = plan.backtest
    if start is not None:
        settings = replace(settings, start=start)
    if end is not None:
        settings = replace(settings, end=end)
    try:
        result = run_backtest(plan, history, settings)
    except BacktestError as error:
        print(printable(f"{path}: {error}", 1000), file=sys.stderr)
        return EXIT_UNUSABLE
    data = json_safe(to_json(result))
    if csv_out is not None:
        try:
            from .core.safe_files import write_atomic

            text = daily_frame(result).to_csv(index=False, float_format="%.2f", lineterminator="\n")
            write_atomic(csv_out, text.encode("utf-8"))
        except OSError as error:
            print(printable(f"{csv_out}: cannot write the CSV ({error.strerror or error})"), file=sys.stderr)
            return EXIT_UNUSABLE
    if as_json:
        json.dump(data, sys.stdout, indent=2, allow_nan=False)
        sys.stdout.write("\n")
    else:
        print(to_text(data))
    return EXIT_OK
