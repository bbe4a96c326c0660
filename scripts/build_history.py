"""Build the bundled daily history sample_data/vx_history_2006_2025.csv from the shared data.

    python scripts/build_history.py [SHARED_DATA_DIR] [--out FILE]

SHARED_DATA_DIR defaults to ../shared/data beside the repository (or $ALVH_SHARED_DATA).
Inputs (see that folder's SOURCES.md for where each comes from):

* vx_monthly_settlements.csv: daily settlements of the monthly VX contracts (suspect rows
  dropped); on a contract's final settlement day its row holds the final settlement value;
* vix_daily_ohlc.csv, vix3m_daily_ohlc.csv: VIX and VIX3M closes;
* vvix_daily_close.csv: VVIX closes, kept from 2007 on (before that the series is sparse and
  has implausible values, per SOURCES.md);
* spx_daily.csv: S&P 500 closes;
* btc_usd_daily.csv: BTC-USD closes (UTC days), rounded to the cent.

Only the VX settlement days from 2006-01-01 are kept; an index without a close that day is
left blank (VIX3M before 2009-09-18, BTC before 2014-09-18). Contracts more than 12 monthly
expiries out (2006-2007 listed some up to two years ahead) are left out. The output is the project's
compact layout (tui/core/history.py), one row per day; numbers are copied, never changed.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tui.core.history import (  # noqa: E402
    MAX_MONTHS,
    history_from_frames,
    load_history,
    monthly_expiry_table,
    save_history_csv,
)

START = "2006-01-01"
VVIX_FROM = "2007-01-01"
OUT = REPO / "sample_data" / "vx_history_2006_2025.csv"


def _close(path: Path, column: str = "close") -> pd.Series:
    frame = pd.read_csv(path, parse_dates=["date"])
    return frame.set_index("date")[column].astype(float)


def build(shared: Path):
    vx = pd.read_csv(shared / "vx_monthly_settlements.csv", parse_dates=["trade_date", "expiry"])
    vx = vx[(vx["trade_date"] >= START) & ~vx["suspect"].astype(bool)]
    # Contracts more than MAX_MONTHS monthly expiries out (listed in 2006-2007 only, up to two
    # years ahead) have no column in the compact layout and no use for a layer: left out.
    table = monthly_expiry_table(vx["trade_date"].values.min(), vx["trade_date"].values.max())
    first = np.searchsorted(table, vx["trade_date"].values.astype("datetime64[D]"), "right")
    months_out = np.searchsorted(table, vx["expiry"].values.astype("datetime64[D]")) - first + 1
    futures = vx.loc[months_out <= MAX_MONTHS, ["trade_date", "expiry", "settle"]]
    vvix = _close(shared / "vvix_daily_close.csv", "vvix")
    daily = pd.DataFrame(
        {
            "vix": _close(shared / "vix_daily_ohlc.csv"),
            "vix3m": _close(shared / "vix3m_daily_ohlc.csv"),
            "vvix": vvix[vvix.index >= VVIX_FROM],
            "spx": _close(shared / "spx_daily.csv"),
            "btc": _close(shared / "btc_usd_daily.csv").round(2),
        }
    )
    return history_from_frames(daily, futures, "shared data")


def main(argv=None) -> int:
    default = Path(os.environ.get("ALVH_SHARED_DATA", REPO.parent / "shared" / "data"))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("shared", nargs="?", type=Path, default=default)
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args(argv)
    history = build(args.shared)
    comments = [
        f"Daily VX settlements (m0 = final settlement that day, m1..m<n> = the monthly contracts by the",
        "exchange calendar) and VIX, VIX3M, VVIX, S&P 500, BTC-USD closes on VX settlement days",
        f"{history.first_day} .. {history.last_day}. Built by scripts/build_history.py from the shared data set:",
        "vx_monthly_settlements.csv (Cboe CFE via the CBOE archive and vix_utils; suspect rows dropped),",
        "vix_daily_ohlc.csv, vix3m_daily_ohlc.csv, vvix_daily_close.csv (Cboe; VVIX from 2007),",
        "spx_daily.csv (S&P 500), btc_usd_daily.csv (Yahoo BTC-USD, UTC days). See sample_data/README.md.",
    ]
    save_history_csv(history, args.out, comments)
    check = load_history(args.out)  # what was written reads back to the same settlements
    same = check.futures().merge(history.futures(), on=["trade_date", "expiry"], how="outer", suffixes=("", "_in"))
    lost = same["settle"].isna() | ((same["settle"] - same["settle_in"]).abs() > 1e-9)
    print(f"{args.out}: {len(check)} days, {len(check.expiries)} contracts, "
          f"{args.out.stat().st_size:,} bytes; {int(lost.sum())} settlements not round-tripped")
    return 0 if not lost.any() else 1


if __name__ == "__main__":
    raise SystemExit(main())
