"""The exposure being hedged: parametric VaR, and its P&L when the VIX moves.

VaR is parametric (normal): ``notional x z(confidence) x vol_annual x sqrt(horizon / 365)``.
Crypto trades every calendar day, so the horizon scales with 365, not 252.

The S&P 500 move that goes with a VIX move is a documented, editable relationship (the
plan key ``exposure.spx_vix_elasticity``, k)::

    SPX' / SPX = (VIX' / VIX) ** (-1 / k)

and the exposure moves by ``beta_spx`` times that (CAPM). **Default k = 5.** Basis: the
seven VIX-shock episodes of ``sample_data/episodes.toml`` (their VIX closes come from the
shared data, ``vix_daily_ohlc.csv``) against the S&P 500 closes on the same start/end days
(``spx_daily.csv`` of the shared data; the library carries them as ``spx_before/after``):

    episode            VIX ratio  S&P 500 (start -> end)   k = ln(VIX ratio) / -ln(SPX ratio)
    gfc-2008             x3.08    1251.70 ->  876.77 -30.0 %   3.2
    china-2015           x3.13    2102.44 -> 1893.21 -10.0 %  10.9
    volmageddon-2018     x3.37    2872.87 -> 2648.94  -7.8 %  15.0
    covid-2020           x6.04    3380.16 -> 2386.13 -29.4 %   5.2
    svb-2023             x1.30    3992.01 -> 3861.59  -3.3 %   7.9
    yen-carry-2024       x2.36    5522.30 -> 5186.33  -6.1 %  13.7
    tariffs-2025         x2.43    5670.97 -> 4982.77 -12.1 %   6.9

A least-squares line through the origin of ln(VIX ratio) on -ln(SPX ratio) gives k = 4.95;
the reverse regression (the S&P move predicted from the VIX move) gives k = 6.24. The fit is
dominated by the two large crashes (2008: 3.2, 2020: 5.2), which are the ones a VaR-sized
loss looks like; the small, fast spikes (2015, 2018, 2024) have k of 11-15 (the VIX
overshoots the equity move). k = 5 sits at the conservative end of the two regressions: a
smaller k means a larger exposure loss for a given VIX rise, and a smaller VIX rise (so a
smaller hedge gain) for a VaR-sized loss, so the hedge is sized larger, not smaller. The
relationship is in ratios and does not know that a VIX already at 40 rises less, in ratio,
than one at 13; the VIX ceiling below bounds what that can do.

**The VaR stress (the sizing reference)** is what CAPM says the market did *given* a
VaR-sized loss of the exposure. With ``r_e = beta r_m + e`` (e independent of r_m), S&P
volatility ``sigma_m`` (``exposure.spx_vol_annual``) and the exposure's ``sigma_e``
(``vol_annual``), r_e and r_m are jointly normal with correlation ``rho = beta sigma_m /
sigma_e`` and

    E[r_m | r_e] = rho sigma_m / sigma_e r_e = beta sigma_m^2 / sigma_e^2 r_e

(the horizon scaling cancels in the ratio, so annual vols give the move over the VaR
horizon). Crashes correlate more than calm days: ``exposure.stress_correlation`` replaces
the CAPM rho (which is capped at 1). The S&P move maps to the VIX by the elasticity above
and the VIX is capped at :data:`VIX_CEILING`. Less beta means a smaller market move, a
smaller VIX rise, a smaller gain per contract, hence *more* contracts for the same coverage.

**Default sigma_m = 0.18**: the standard deviation of daily log returns of the S&P 500 close
(``spx_daily.csv`` of the shared data, Yahoo ^GSPC), 1990-01-02 .. 2025-12-31 (9,067
returns), times sqrt(252): 0.1807 (0.1803 over the whole file, 1982-2026).
``tests/test_valuation.py`` recomputes it from the shared data.

**VIX ceiling = 89.53**: the highest VIX ever printed, the intraday high of 2008-10-24
(``vix_daily_ohlc.csv``), i.e. the highest close on record (82.69, 2020-03-16) times 1.083.
A VaR-sized stress that asks for a VIX above anything ever seen has no historical support;
the margin over the record close is the one history itself showed (intraday over close).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from statistics import NormalDist  # exact to ~1e-16 and keeps scipy off the start-up path

import numpy as np

from .plan import Exposure

DEFAULT_SPX_VIX_ELASTICITY = 5.0
DEFAULT_SPX_VOL_ANNUAL = 0.18  # S&P 500 daily log returns 1990-2025 x sqrt(252) = 0.1807
RECORD_VIX_CLOSE = 82.69  # 2020-03-16
VIX_CEILING = 89.53  # the record intraday high (2008-10-24) = 82.69 x 1.083; see the module doc
DAYS_PER_YEAR = 365.0  # crypto trades every calendar day
MAX_SPX_FALL = -0.95  # the VaR stress never asks the S&P to fall further than this


def spx_return_for_vix(vix_from, vix_to, elasticity: float = DEFAULT_SPX_VIX_ELASTICITY) -> np.ndarray:
    """``(vix_to / vix_from) ** (-1 / k) - 1``: the S&P 500 return that goes with a VIX move."""
    ratio = np.asarray(vix_to, dtype=float) / np.asarray(vix_from, dtype=float)
    return np.power(ratio, -1.0 / elasticity) - 1.0


def vix_for_spx_return(vix_from: float, spx_return: float, elasticity: float = DEFAULT_SPX_VIX_ELASTICITY) -> float:
    """The inverse: the VIX level that goes with an S&P 500 return."""
    return vix_from * (1.0 + spx_return) ** (-elasticity)


@dataclass(frozen=True)
class VarBreakdown:
    """Parametric VaR with every input, so a reader can redo it by hand."""

    notional_usd: float
    vol_annual: float
    confidence: float
    z: float  # standard normal quantile at ``confidence``
    horizon_days: int
    days_per_year: float
    horizon_vol: float  # vol_annual x sqrt(horizon_days / days_per_year)
    var_usd: float  # notional x z x horizon_vol
    var_pct: float  # var_usd / notional
    beta_spx: float
    spx_vix_elasticity: float
    btc_beta: float
    coverage_target: float
    target_usd: float  # coverage_target x VaR: what the hedge should earn in the stress
    # The VaR stress: the S&P return CAPM expects given a VaR-sized loss,
    # rho x sigma_m / sigma_e x (-VaR %), and the VIX level that goes with it (capped).
    var_spx_return: float | None
    var_vix_level: float | None
    spx_vol_annual: float = DEFAULT_SPX_VOL_ANNUAL
    correlation: float = 0.0  # the rho used
    correlation_capm: float = 0.0  # beta x sigma_m / sigma_e (before the cap at 1)
    correlation_source: str = "capm"  # "capm" | "capm, capped at 1" | "plan"
    vix_uncapped: float | None = None  # the elasticity's VIX before the ceiling
    vix_ceiling: float = VIX_CEILING
    vix_spot: float | None = None

    @property
    def formula(self) -> str:
        return "notional x z(confidence) x vol_annual x sqrt(horizon_days / 365)"


def value_at_risk(exposure: Exposure) -> float:
    """Parametric VaR: notional x z(confidence) x annual vol x sqrt(horizon / 365)."""
    z = NormalDist().inv_cdf(exposure.var_confidence)
    return exposure.notional_usd * z * exposure.vol_annual * math.sqrt(exposure.var_horizon_days / DAYS_PER_YEAR)


def stress_correlation(exposure: Exposure) -> tuple[float, float, str]:
    """``(rho used, CAPM rho, source)``: the plan's ``stress_correlation`` when set, else
    ``beta sigma_m / sigma_e`` capped to [-1, 1]."""
    capm = exposure.beta_spx * exposure.spx_vol_annual / exposure.vol_annual
    if exposure.stress_correlation is not None:
        return float(exposure.stress_correlation), capm, "plan"
    rho = max(-1.0, min(1.0, capm))
    return rho, capm, ("capm" if rho == capm else "capm, capped at 1")


def conditional_spx_return(exposure: Exposure, exposure_return: float) -> float:
    """``E[r_m | r_e] = rho sigma_m / sigma_e r_e`` (= beta sigma_m^2 / sigma_e^2 r_e under
    CAPM), floored at -95 %."""
    rho, _capm, _src = stress_correlation(exposure)
    return max(rho * exposure.spx_vol_annual / exposure.vol_annual * exposure_return, MAX_SPX_FALL)


def stress_vix(vix_spot: float, spx_return: float, elasticity: float) -> tuple[float, float]:
    """``(capped VIX, uncapped VIX)`` for an S&P return: the elasticity's level, at most
    the ceiling (or today's spot when that is already above it)."""
    level = vix_for_spx_return(vix_spot, spx_return, elasticity)
    return min(level, max(VIX_CEILING, vix_spot)), level


def var_breakdown(exposure: Exposure, vix_spot: float) -> VarBreakdown:
    z = NormalDist().inv_cdf(exposure.var_confidence)
    horizon_vol = exposure.vol_annual * math.sqrt(exposure.var_horizon_days / DAYS_PER_YEAR)
    var = exposure.notional_usd * z * horizon_vol
    rho, capm, source = stress_correlation(exposure)
    spx_ret = conditional_spx_return(exposure, -var / exposure.notional_usd)
    vix_level, uncapped = stress_vix(vix_spot, spx_ret, exposure.spx_vix_elasticity)
    return VarBreakdown(
        notional_usd=exposure.notional_usd,
        vol_annual=exposure.vol_annual,
        confidence=exposure.var_confidence,
        z=z,
        horizon_days=int(exposure.var_horizon_days),
        days_per_year=DAYS_PER_YEAR,
        horizon_vol=horizon_vol,
        var_usd=var,
        var_pct=var / exposure.notional_usd,
        beta_spx=exposure.beta_spx,
        spx_vix_elasticity=exposure.spx_vix_elasticity,
        btc_beta=exposure.btc_beta,
        coverage_target=exposure.coverage_target,
        target_usd=exposure.coverage_target * var,
        var_spx_return=spx_ret,
        var_vix_level=vix_level,
        spx_vol_annual=exposure.spx_vol_annual,
        correlation=rho,
        correlation_capm=capm,
        correlation_source=source,
        vix_uncapped=uncapped,
        vix_spot=vix_spot,
    )


def exposure_returns(exposure: Exposure, vix_spot: float, scenarios, targets) -> tuple[np.ndarray, tuple[str, ...]]:
    """The exposure's return in each scenario, and what it was based on.

    Precedence: the shock's explicit ``exposure_return`` ("var" for the VaR stress, whose
    loss is VaR by definition, else "override"); in a historical replay, ``btc_beta x`` BTC's
    return over the window for a crypto exposure ("btc") and ``beta_spx x`` the S&P 500's
    own return over the window for an equity one ("spx_episode"), where the library has
    them; otherwise ``beta_spx x`` the S&P move implied by the VIX move ("spx") -- for a
    replay, the episode's own VIX ratio, else today's spot to the target. Returns are
    floored at -100 %.
    """
    out = np.empty(len(scenarios), dtype=float)
    basis: list[str] = []
    k = exposure.spx_vix_elasticity
    for i, s in enumerate(scenarios):
        if s.exposure_return is not None:
            out[i] = s.exposure_return
            basis.append("var" if s.kind == "stress" and s.replay is None else "override")
        elif s.replay is not None and exposure.basis == "crypto" and s.btc_return is not None:
            out[i] = exposure.btc_beta * s.btc_return
            basis.append("btc")
        elif s.replay is not None and s.spx_return is not None:
            out[i] = exposure.beta_spx * s.spx_return
            basis.append("spx_episode")
        else:
            ratio = s.vix_ratio if s.vix_ratio is not None else float(targets[i]) / vix_spot
            out[i] = exposure.beta_spx * (ratio ** (-1.0 / k) - 1.0)
            basis.append("spx")
    return np.maximum(out, -1.0), tuple(basis)


def exposure_pnl(exposure: Exposure, vix_from: float, vix_to, override: float | None = None) -> np.ndarray:
    """The exposure's P&L (USD) when the VIX goes from ``vix_from`` to ``vix_to`` (array ok)."""
    if override is not None:
        ret = np.full(np.shape(vix_to), override, dtype=float)
    else:
        ret = exposure.beta_spx * spx_return_for_vix(vix_from, vix_to, exposure.spx_vix_elasticity)
    return exposure.notional_usd * np.maximum(ret, -1.0)


def stress_lines(var) -> list[str]:
    """The VaR stress, step by step (the table and the ``v`` view say the same)."""
    rho_how = {
        "plan": "exposure.stress_correlation",
        "capm": "CAPM: beta x sigma_m / sigma_e",
        "capm, capped at 1": f"CAPM beta x sigma_m / sigma_e = {var.correlation_capm:.3f}, capped at 1",
    }[var.correlation_source]
    cap = ""
    if var.vix_uncapped is not None and var.var_vix_level is not None and var.vix_uncapped > var.var_vix_level:
        cap = f", capped at the ceiling {var.vix_ceiling:g} (from {var.vix_uncapped:.2f})"
    return [
        f"VaR stress: exposure -{var.var_pct * 100:.1f}% (VaR / notional); rho {var.correlation:.3f} ({rho_how})",
        f"  S&P E[r_m | r_e] = rho x sigma_m {var.spx_vol_annual * 100:g}% / sigma_e {var.vol_annual * 100:g}% x r_e "
        f"= {var.var_spx_return * 100:+.2f}% over {var.horizon_days}d",
        f"  VIX {var.vix_spot:.2f} x (1 {var.var_spx_return * 100:+.2f}%)^-{var.spx_vix_elasticity:g} = {var.var_vix_level:.2f}{cap}",
    ]
