"""Regime read-out: does the method's entry condition hold, how deep, and what the layers cost.

* **Entry condition**: the plan's rule (``entry_rule``) is the method's, the VIX futures
  curve in backwardation at the front, M1 > M2 (DESIGN.md). The read-out states the other
  common measure beside it, VIX/VIX3M > 1, when the snapshot carries VIX3M
  (``market.vix3m``). They disagree often: 2009-2025, M1 > M2 held on 14.3 % of days and
  VIX > VIX3M on 7.9 % (282 days had M1 > M2 with VIX <= VIX3M; domain.md).
* **Depth** (domain.md section 5): "deep" when the M1->M2 slope is below -5 % or VIX/M1 is
  above 1.2, else "mild"; the reasons are listed.
* **VXTH weight** (Cboe's VIX tail-hedge index, ``vxth.py``): 0 % of the portfolio in
  one-month calls below a forward VIX of 15, 1 % from 15 to 30, 0.5 % from 30 to 50, 0 %
  above 50, read on the future that expires with the next monthly roll (the calendar's M1).
* **Cost against a calm reference**: each layer is repriced on the bundled calm-contango
  snapshot ``sample_data/calm_contango_2023-12-15.csv`` (VIX 12.28, real VX settles, calm vol
  anchors) at the *same days to expiry* and the *same moneyness* (strike / its future), with
  the calm snapshot's own forward curve and vol model. Prices of options on a 12-point and a
  38-point VIX cannot be compared directly, so the cost is measured per point of spot VIX:
  ``price / VIX`` now against ``price_calm / VIX_calm``. That ratio carries both the vol
  premium and the curve's shape (in backwardation deferred calls are struck against futures
  below spot, which is what the method buys); the cost per point of each layer's own future
  (vol premium only) is given too. The plan's ratio weights the layers by contracts (by
  weight when no contracts are held).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from .black76 import black76
from .vxth import vxth_weight_pct

CALM_REFERENCE_FILE = "calm_contango_2023-12-15.csv"
DEEP_SLOPE_PCT = -5.0
DEEP_VIX_OVER_M1 = 1.2
VXTH_LOW, VXTH_HIGH = 15.0, 50.0
ENTRY_RULE = "M1 > M2"  # the method's entry condition (DESIGN.md)


@dataclass(frozen=True)
class LayerCost:
    name: str
    price: float  # today, points
    price_calm: float  # same dte and moneyness on the calm snapshot, points
    pct_spot: float  # price / VIX spot
    pct_spot_calm: float
    pct_future: float  # price / the layer's future
    pct_future_calm: float

    @property
    def ratio(self) -> float | None:
        return self.pct_spot / self.pct_spot_calm if self.pct_spot_calm > 0 else None


@dataclass(frozen=True)
class RegimeReadout:
    name: str  # as Regime.name
    entry_condition_met: bool  # backwardation: M1 > M2
    depth: str  # "deep" | "mild" | ""
    reasons: tuple[str, ...]  # why (not) deep / why the condition fails
    m1_m2_slope_pct: float | None
    vix_over_m1: float | None
    vxth_forward: float | None  # M1
    vxth_band: str  # "below 15" | "15-50" | "above 50" | "n/a"
    vxth_buys: bool
    reference: str  # what the calm reference is
    reference_vix: float | None
    cost_vs_calm: float | None  # plan's cost per point of spot VIX, now / calm
    cost_vs_calm_future: float | None  # per point of each layer's future, now / calm
    layers: tuple[LayerCost, ...] = ()
    vxth_weight_pct: float = 0.0  # the published tier for vxth_forward (0, 1 or 0.5 %)
    vix3m: float | None = None
    vix_over_vix3m: float | None = None
    entry_rule: str = ENTRY_RULE
    vix3m_condition_met: bool | None = None  # VIX > VIX3M; None without VIX3M


@lru_cache(maxsize=1)
def calm_reference():
    """The calm snapshot (loaded once), or None when it cannot be read.

    The bundled file is read with the standard library's csv module so that the first
    valuation does not import pandas (the app's start-up time); ``tests/test_valuation.py``
    checks the result equals ``market_csv.load_snapshot_csv`` (the validated loader, which
    is used here as the fallback if the quick read fails).
    """
    from .paths import sample_data_dir

    path = sample_data_dir() / CALM_REFERENCE_FILE
    try:
        return read_snapshot_quick(path)
    except (OSError, ValueError, KeyError, TypeError):
        pass
    from .market_csv import load_snapshot_csv

    try:
        return load_snapshot_csv(path)
    except (OSError, ValueError):
        return None


def read_snapshot_quick(path):
    """A market snapshot CSV (market_csv's format) read without pandas or validation."""
    import csv
    from datetime import date

    from .curve import Future, MarketSnapshot
    from .volmodel import VolModel

    with open(path, encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(line for line in fh if not line.lstrip().startswith("#")))
    rows = [{k.strip().lower(): (v or "").strip() for k, v in r.items()} for r in rows]
    first = rows[0]
    vol = VolModel()
    if first.get("atm_front"):
        vol = VolModel(float(first["atm_front"]), float(first["atm_long"]), float(first["decay_days"]), float(first["skew"]))
    futures = tuple(Future(date.fromisoformat(r["expiry"]), float(r["settle"])) for r in rows)
    vix3m = float(first["vix3m"]) if first.get("vix3m") else None
    return MarketSnapshot(
        date.fromisoformat(first["as_of"]), float(first["vix_spot"]), float(first["rate"]), futures, vol, first.get("source", ""), vix3m
    )


@lru_cache(maxsize=64)
def _calm_prices(dte: tuple[float, ...], moneyness: tuple[float, ...]) -> tuple[np.ndarray, np.ndarray]:
    """Futures and call prices on the calm snapshot at these tenors and strike/future ratios."""
    calm = calm_reference()
    d = np.array(dte, dtype=float)
    f_calm = np.asarray(calm.forward(d), dtype=float)
    k_calm = f_calm * np.array(moneyness, dtype=float)
    vol_calm = calm.vol.vol(k_calm, f_calm, d)
    return f_calm, black76(f_calm, k_calm, d / 365.0, calm.rate, vol_calm, True).price


def regime_readout(market, regime, names, dte, future, strike, price, weights) -> RegimeReadout:
    reasons: list[str] = []
    slope, vm1 = regime.m1_m2_slope_pct, regime.vix_over_m1
    met = regime.name == "backwardation"
    if regime.name == "n/a":
        reasons.append("fewer than two listed months: no M1->M2 slope")
    elif not met:
        reasons.append(f"M1->M2 {slope:+.1f} %: the curve is in {regime.name}, not backwardation")
    else:
        if slope is not None and slope < DEEP_SLOPE_PCT:
            reasons.append(f"M1->M2 {slope:+.1f} % < {DEEP_SLOPE_PCT:g} %")
        if vm1 is not None and vm1 > DEEP_VIX_OVER_M1:
            reasons.append(f"VIX/M1 {vm1:.3f} > {DEEP_VIX_OVER_M1:g}")
        if not reasons:
            reasons.append(f"M1->M2 {slope:+.1f} % (deep below {DEEP_SLOPE_PCT:g} %), VIX/M1 {vm1:.3f} (deep above {DEEP_VIX_OVER_M1:g})")
    from .months import resolve_month

    m1 = float(market.forward_at(resolve_month(1, market).expiry)) if market.live_futures else None
    weight = vxth_weight_pct(m1) if m1 is not None else 0.0
    if m1 is None:
        band = "n/a"
    elif m1 < VXTH_LOW:
        band = f"below {VXTH_LOW:g}"
    elif m1 > VXTH_HIGH:
        band = f"above {VXTH_HIGH:g}"
    elif m1 <= 30.0:
        band = "15-30"
    else:
        band = "30-50"
    buys = weight > 0.0
    vix3m = market.vix3m
    ivts = market.vix_spot / vix3m if vix3m else None

    calm = calm_reference()
    costs: tuple[LayerCost, ...] = ()
    ratio = ratio_f = None
    ref = f"sample_data/{CALM_REFERENCE_FILE}"
    ref_vix = None
    if calm is not None and len(dte):
        ref = f"calm contango {calm.as_of.isoformat()} (VIX {calm.vix_spot:g}): same dte and strike/future"
        ref_vix = calm.vix_spot
        f_calm, p_calm = _calm_prices(tuple(float(d) for d in dte), tuple(float(m) for m in strike / future))
        pct_s, pct_s_calm = price / market.vix_spot, p_calm / calm.vix_spot
        pct_f, pct_f_calm = price / future, p_calm / f_calm
        costs = tuple(
            LayerCost(names[i], float(price[i]), float(p_calm[i]), float(pct_s[i]), float(pct_s_calm[i]), float(pct_f[i]), float(pct_f_calm[i]))
            for i in range(len(dte))
        )
        w = np.asarray(weights, dtype=float)
        if (w * pct_s_calm).sum() > 0:
            ratio = float((w * pct_s).sum() / (w * pct_s_calm).sum())
        if (w * pct_f_calm).sum() > 0:
            ratio_f = float((w * pct_f).sum() / (w * pct_f_calm).sum())
    return RegimeReadout(
        name=regime.name,
        entry_condition_met=met,
        depth=regime.depth,
        reasons=tuple(reasons),
        m1_m2_slope_pct=slope,
        vix_over_m1=vm1,
        vxth_forward=m1,
        vxth_band=band,
        vxth_buys=buys,
        reference=ref,
        reference_vix=ref_vix,
        cost_vs_calm=ratio,
        cost_vs_calm_future=ratio_f,
        layers=costs,
        vxth_weight_pct=float(weight),
        vix3m=vix3m,
        vix_over_vix3m=ivts,
        vix3m_condition_met=None if ivts is None else ivts > 1.0,
    )
