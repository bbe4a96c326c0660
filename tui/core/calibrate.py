"""Fit the vol model to an option chain: the market's prices, and how far the model is from them.

The fit (``scipy.optimize.least_squares``, trust-region reflective with bounds) chooses the
ATM term structure (``atm_front``, ``atm_long``, ``decay_days``) and, per expiry, the
smile's ``slope`` and ``curve`` (see :mod:`tui.core.volmodel`), to minimise the vega-weighted
differences model - market in implied vol, under a soft-L1 loss so that a stale last trade
cannot drag the surface. The quotes used are those that carry information
(:meth:`ChainQuotes.informative`: traded or two-sided, out of the money, >= 0.05, on a future
of their own expiry). The settings are rounded to the precision written to the plan before
the residuals are measured, so the figures reported are those of the plan as saved.

Residuals are reported **model minus market, in vol points** (1 point = 0.01 of sigma): a
positive residual means the model prices that option richer than the market.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import date

import numpy as np

from .black76 import black76
from .chain import Chain, ChainError, ChainQuotes, chain_quotes
from .curve import MarketSnapshot
from .volmodel import M_FLOOR, X_MAX, SmileNode, VolModel

__all__ = ["Calibration", "ExpiryFit", "Residual", "calibrate", "MIN_QUOTES_PER_EXPIRY", "ATM_DAYS"]

MIN_QUOTES_PER_EXPIRY = 3  # an expiry with fewer informative quotes gets no smile node
ATM_DAYS = 30.0  # VVIX is the 30-day implied vol of VIX options
_SOFT_SCALE = 2.0  # vol points: residuals beyond this count linearly, not squared
_BOUNDS_ATM = (0.2, 5.0)
_BOUNDS_DECAY = (5.0, 365.0)
_BOUNDS_SLOPE = (-1.0, 8.0)
_BOUNDS_CURVE = (0.0, 10.0)


@dataclass(frozen=True)
class ExpiryFit:
    expiry: date
    days: int
    forward: float
    n: int
    rmse_vol_pts: float


@dataclass(frozen=True)
class Residual:
    line: int
    expiry: date
    strike: float
    is_call: bool
    price: float
    forward: float
    market_vol: float
    model_vol: float
    residual_vol_pts: float  # (model - market) * 100
    used: bool


@dataclass(frozen=True)
class Calibration:
    vol: VolModel
    rmse_vol_pts: float
    points: int
    expiries: tuple[ExpiryFit, ...]
    residuals: tuple[Residual, ...]
    atm30: float
    vvix: float | None
    vvix_ratio: float | None
    warnings: tuple[str, ...]
    as_of: date
    source: str

    @property
    def front(self) -> ExpiryFit | None:
        return self.expiries[0] if self.expiries else None

    def held_by(self, vol: VolModel) -> bool:
        """Whether ``vol`` holds this fit's settings: the same source, day and smile nodes, and
        numbers within FIT_NOISE of it (a release of scipy's least-squares solver moves the
        last written digit: a plan fitted with scipy 1.16 reads skew 1.9938, 1.17 gives 1.9939)."""
        fit = self.vol
        if (vol.source, vol.calibrated_on, vol.decay_days, [n.days for n in vol.smile]) != (
            fit.source, fit.calibrated_on, fit.decay_days, [n.days for n in fit.smile]
        ):
            return False
        pairs = zip(_fitted_numbers(vol), _fitted_numbers(fit), strict=True)
        return all(a == b if a is None or b is None else abs(a - b) <= FIT_NOISE for a, b in pairs)

    def to_json(self) -> dict:
        v = self.vol
        return {
            "params": {
                "atm_front": v.atm_front,
                "atm_long": v.atm_long,
                "decay_days": v.decay_days,
                "skew": v.skew,
                "smile": [{"days": n.days, "slope": n.slope, "curve": n.curve} for n in v.smile],
            },
            "rmse_vol_pts": self.rmse_vol_pts,
            "points": self.points,
            "expiries": [
                {"expiry": e.expiry.isoformat(), "days": e.days, "forward": e.forward, "n": e.n, "rmse_vol_pts": e.rmse_vol_pts}
                for e in self.expiries
            ],
            "vvix": self.vvix,
            "atm30": self.atm30,
            "vvix_ratio": self.vvix_ratio,
            "as_of": self.as_of.isoformat(),
            "residuals": [
                {
                    "line": r.line,
                    "expiry": r.expiry.isoformat(),
                    "strike": r.strike,
                    "type": "call" if r.is_call else "put",
                    "price": r.price,
                    "future": r.forward,
                    "market_vol": r.market_vol,
                    "model_vol": r.model_vol,
                    "residual_vol_pts": r.residual_vol_pts,
                    "used": r.used,
                }
                for r in self.residuals
            ],
            "warnings": list(self.warnings),
        }


def _rmse(values: np.ndarray) -> float:
    return float(math.sqrt(np.mean(values * values))) if values.size else math.nan


def _model(params: np.ndarray, node_days: np.ndarray, base: VolModel) -> VolModel:
    k = node_days.size
    nodes = tuple(
        SmileNode(float(d), float(s), float(c)) for d, s, c in zip(node_days, params[3 : 3 + k], params[3 + k : 3 + 2 * k], strict=True)
    )
    return replace(
        base, atm_front=float(params[0]), atm_long=float(params[1]), decay_days=float(math.exp(params[2])), smile=nodes
    )


FIT_NOISE = 5e-4  # see Calibration.held_by


def _fitted_numbers(vol: VolModel) -> list[float | None]:
    numbers = [vol.atm_front, vol.atm_long, vol.skew, vol.vvix_ratio, vol.rmse_vol_pts]
    return numbers + [x for n in vol.smile for x in (n.slope, n.curve)]


def _rounded(vol: VolModel) -> VolModel:
    nodes = tuple(SmileNode(float(round(n.days)), round(n.slope, 4), round(n.curve, 4)) for n in vol.smile)
    return replace(
        vol,
        atm_front=round(vol.atm_front, 4),
        atm_long=round(vol.atm_long, 4),
        decay_days=round(vol.decay_days, 1),
        smile=nodes,
    )


def calibrate(
    chain: Chain, market: MarketSnapshot, *, vvix: float | None = None, min_price: float = 0.05, precise: bool = False
) -> Calibration:
    """Fit ``market.vol`` to ``chain``; :class:`ChainError` when nothing can be fitted.

    ``precise`` keeps the settings unrounded and fits to tight tolerances (tests recover
    known settings with it); by default they are rounded as the plan stores them.
    """
    # lazily: scipy.optimize costs ~0.2 s to import
    from scipy.optimize import least_squares

    quotes: ChainQuotes = chain_quotes(chain, market)
    use = quotes.informative(min_price)
    name = chain.source
    days_all = np.round(quotes.years * 365.0)
    node_days_list = []
    for d in np.unique(days_all[use]):
        if np.count_nonzero(use & (days_all == d)) >= MIN_QUOTES_PER_EXPIRY:
            node_days_list.append(d)
        else:
            use = use & (days_all != d)
    if not node_days_list:
        raise ChainError(
            f"{name}: no expiry has {MIN_QUOTES_PER_EXPIRY} quotes that carry information (traded or two-sided, out of the money, "
            f"at least {min_price:g}, on a future of their own expiry); nothing to fit"
        )
    node_days = np.array(node_days_list)
    idx = np.flatnonzero(use)
    K = quotes.chain.strike[idx]
    F = quotes.forward[idx]
    D = days_all[idx]
    T = quotes.years[idx]
    iv = quotes.iv[idx]
    x = np.log(K / F)
    # vega weights: a quote's vol is as reliable as its price moves with vol (a 0.05 tick on
    # a far wing is many vol points); normalised so the loss's scale stays in vol points
    vega = black76(F, K, T, market.rate, iv, quotes.chain.is_call[idx]).vega
    weight = np.sqrt(np.maximum(vega, 1e-12) / np.mean(np.maximum(vega, 1e-12)))
    weight = np.clip(weight, 0.2, 3.0)

    k = node_days.size
    base = replace(market.vol, smile=())
    node = np.searchsorted(node_days, D)  # each quote's own node: its expiry's days
    scale = 100.0 * weight

    def parts(p: np.ndarray):
        """The model's vol at every quote and what the Jacobian needs (VolModel.vol, written
        out for nodes that sit on the quotes' own days, so no interpolation)."""
        front, long_, tau = p[0], p[1], math.exp(p[2])
        decay = np.exp(-D / tau)
        atm = long_ + (front - long_) * decay
        slope, curve = p[3:3 + k][node], p[3 + k:][node]
        vertex = np.where(curve > 0.0, slope / (2.0 * np.maximum(curve, 1e-300)), X_MAX)
        xc = np.minimum(x, np.clip(vertex, 0.0, X_MAX))
        m_raw = 1.0 + slope * xc - curve * xc * xc
        live = m_raw > M_FLOOR
        m = np.where(live, m_raw, M_FLOOR)
        return atm, m, decay, tau, xc, live

    def residuals(p: np.ndarray) -> np.ndarray:
        atm, m, *_ = parts(p)
        return (atm * m - iv) * scale

    def jacobian(p: np.ndarray) -> np.ndarray:
        # d m / d slope = xc and d m / d curve = -xc^2 on both sides of the vertex (at the
        # vertex dm/dxc = 0), 0 where the put-side floor holds
        atm, m, decay, tau, xc, live = parts(p)
        J = np.zeros((x.size, 3 + 2 * k))
        J[:, 0] = m * decay
        J[:, 1] = m * (1.0 - decay)
        J[:, 2] = m * (p[0] - p[1]) * decay * D / tau
        rows = np.arange(x.size)
        J[rows, 3 + node] = np.where(live, atm * xc, 0.0)
        J[rows, 3 + k + node] = np.where(live, -atm * xc * xc, 0.0)
        return J * scale[:, None]

    # start: per expiry, iv = a + b x + c x^2 by linear least squares gives that expiry's
    # ATM (a), slope (b / a) and curvature (-c / a); the ATM term structure starts through
    # the first and last expiry's ATM. A start near the optimum saves most of the iterations.
    slope0, curve0, atm_e = np.full(k, 1.5), np.full(k, 0.5), np.full(k, float(np.median(iv)))
    for j in range(k):
        sel = node == j
        xs = x[sel]
        if np.count_nonzero(sel) >= 3 and np.ptp(xs) > 0.05:
            c2, c1, c0 = np.polyfit(xs, iv[sel], 2)
            if c0 > 0.05:
                atm_e[j], slope0[j], curve0[j] = c0, c1 / c0, max(-c2 / c0, 0.0)
    front0 = float(atm_e[0])
    long0 = float(min(atm_e[-1], front0)) * (0.9 if k > 1 else 1.0)
    p0 = np.concatenate(([front0, long0, math.log(90.0)], slope0, curve0))
    lo = np.concatenate(([_BOUNDS_ATM[0]] * 2, [math.log(_BOUNDS_DECAY[0])], np.full(k, _BOUNDS_SLOPE[0]), np.full(k, _BOUNDS_CURVE[0])))
    hi = np.concatenate(([_BOUNDS_ATM[1]] * 2, [math.log(_BOUNDS_DECAY[1])], np.full(k, _BOUNDS_SLOPE[1]), np.full(k, _BOUNDS_CURVE[1])))
    p0 = np.clip(p0, lo + 1e-9, hi - 1e-9)
    tol = 1e-12 if precise else 1e-8
    # lsmr, not the dense SVD: on a shared machine a multi-threaded BLAS SVD of this small
    # matrix costs 40x more than the whole fit (measured: 3.5 s against 0.1 s)
    fit = least_squares(
        residuals, p0, jac=jacobian, bounds=(lo, hi), loss="soft_l1", f_scale=_SOFT_SCALE, x_scale="jac",
        ftol=tol, xtol=tol, gtol=tol, tr_solver="lsmr",
    )
    vol = _model(fit.x, node_days, base)
    vol = vol if precise else _rounded(vol)
    slope30, _ = vol.smile_at(ATM_DAYS)
    atm30 = float(vol.atm(ATM_DAYS))
    vvix = vvix if vvix is not None else chain.vvix_close
    ratio = round(atm30 / (vvix / 100.0), 4) if vvix else None
    skew = float(np.clip(slope30, -5.0, 5.0))  # plan_io's SKEW_BOUNDS
    vol = replace(vol, skew=skew if precise else round(skew, 4), vvix_ratio=ratio)

    # residuals of every priced OTM quote with a vol, used or not (those on weeklies show
    # how far the interpolated curve carries the fit)
    show = np.flatnonzero(quotes.otm & (quotes.status == 0) & (quotes.years > 0))
    model_all = vol.vol(quotes.chain.strike[show], quotes.forward[show], days_all[show])
    res_pts = (model_all - quotes.iv[show]) * 100.0
    used_show = use[show]
    residual_rows = tuple(
        Residual(
            line=int(quotes.chain.line[i]),
            expiry=quotes.chain.expiry[i],
            strike=float(quotes.chain.strike[i]),
            is_call=bool(quotes.chain.is_call[i]),
            price=float(quotes.chain.price[i]),
            forward=float(quotes.forward[i]),
            market_vol=float(quotes.iv[i]),
            model_vol=float(m),
            residual_vol_pts=float(r),
            used=bool(u),
        )
        for i, m, r, u in zip(show, model_all, res_pts, used_show, strict=True)
    )
    used_res = res_pts[used_show]
    expiries = []
    for d in node_days:
        sel = used_show & (days_all[show] == d)
        first = show[sel][0]
        expiries.append(
            ExpiryFit(
                expiry=quotes.chain.expiry[first],
                days=int(d),
                forward=float(quotes.forward[first]),
                n=int(np.count_nonzero(sel)),
                rmse_vol_pts=round(_rmse(res_pts[sel]), 3),
            )
        )
    rmse = round(_rmse(used_res), 3)
    day = chain.as_of or market.as_of
    vvix_text = f"; vvix_ratio = 30-day ATM {atm30:.4f} / (VVIX close {vvix:g} / 100)" if vvix else ""
    vol = replace(
        vol,
        source=f"calibrated to {_basename(name)} ({chain.layout}, {int(used_res.size)} quotes){vvix_text}",
        calibrated_on=day,
        rmse_vol_pts=rmse,
    )
    return Calibration(
        vol=vol,
        rmse_vol_pts=rmse,
        points=int(used_res.size),
        expiries=tuple(expiries),
        residuals=residual_rows,
        atm30=round(atm30, 6),
        vvix=vvix,
        vvix_ratio=ratio,
        warnings=quotes.warnings,
        as_of=day,
        source=name,
    )


def _basename(path: str) -> str:
    return path.replace("\\", "/").rsplit("/", 1)[-1]
