"""Build the 2024-06-03 sample files from the shared data folder (run once; kept for provenance).

    python scripts/build_sample_2024_06_03.py ../shared/data

Writes sample_data/vix_options_2024-06-03.csv (the Cboe VIX option chain of that day, every
row and column of the shared file unchanged, plus that day's VVIX close as a column) and
sample_data/curve_2024-06-03.csv (that day's VX curve M1..M8 and VIX close, in the project's
snapshot layout). Sources: see sample_data/README.md.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

DAY = "2024-06-03"
RATE = 0.054  # approximate 3-month T-bill yield in June 2024; not a quote


def main(shared: Path) -> None:
    out_dir = Path(__file__).resolve().parent.parent / "sample_data"
    vvix = next(r["vvix"] for r in csv.DictReader(open(shared / "vvix_daily_close.csv")) if r["date"] == DAY)
    vix = next(r["close"] for r in csv.DictReader(open(shared / "vix_daily_ohlc.csv")) if r["date"] == DAY)
    with open(shared / "vix_options_snapshot_2024-06-03.csv", newline="") as f:
        rows = list(csv.reader(f))
    with open(out_dir / "vix_options_2024-06-03.csv", "w", newline="") as f:
        f.write(
            "# Cboe VIX (monthly) and VIXW (weekly) options of 2024-06-03: daily bars (close = last trade, not a bid/ask).\n"
            "# Source: StevenYang23/VIX_Trading vix_options.csv @ 2d30838e (a Polygon pull); vx_future_settle_same_expiry:\n"
            "# Cboe CFE VX settlement of the same expiry (via vix_utils); VVIX_close: Cboe VVIX close of the day.\n"
        )
        w = csv.writer(f, lineterminator="\n")
        w.writerow(rows[0] + ["VVIX_close"])
        for r in rows[1:]:
            w.writerow(r + [vvix])
    settles = [r for r in csv.DictReader(open(shared / "vx_monthly_settlements.csv")) if r["trade_date"] == DAY]
    settles = sorted((r for r in settles if int(r["tenor"]) >= 1), key=lambda r: r["expiry"])[:8]
    source = (
        "VX settles: Cboe CFE daily settlements of 2024-06-03; VIX close: Cboe VIX_History; "
        "rate: approximate 3-month T-bill ~5.4 %, not a quote"
    )
    with open(out_dir / "curve_2024-06-03.csv", "w", newline="") as f:
        f.write(
            "# 2024-06-03: calm contango, VIX 13.11; the day of the sample option chain (vix_options_2024-06-03.csv).\n"
            f"# vix_spot = VIX close {vix} (Cboe VIX_History, via vix_daily_ohlc.csv).\n"
            "# settle = Cboe CFE VX daily settlement of each monthly contract, M1..M8 (via vx_monthly_settlements.csv).\n"
            "# rate = approximate 3-month US T-bill yield ~5.4 %; there is no rate data in the sources.\n"
        )
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["as_of", "vix_spot", "rate", "expiry", "settle", "contract", "source"])
        for r in settles:
            w.writerow([DAY, vix, RATE, r["expiry"], r["settle"], r["contract"], source])


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "../shared/data"))
