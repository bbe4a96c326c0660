"""Historical stress episodes (replay library) and the tenor-beta calibration.

An episode is a window of real market history: a calmer day before a shock (``start``) and
the shock day (``end``), with the VIX close, VVIX close and the first six monthly VX futures
on both dates, and the BTC return over the window where one existed. The library ships as
``sample_data/episodes.toml``; every figure in it is read from the shared public data set
(see its header comment and ``tests/test_episodes.py``, which recomputes them).

The scenario engine moves each future by ``spot_move * beta(dte)`` with

    beta(dte) = b_long + (1 - b_long) * exp(-dte / tau)

so a future at expiry moves with spot (``beta(0) = 1``) and far months move by ``b_long``.
:func:`fit_tenor_beta` fits ``tau`` and ``b_long`` to the VIX-shock episodes of the library.

Only the standard library is imported at module level; numpy/scipy are imported inside the
calibration functions (this module must stay importable without them for the loader).
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Iterable, Mapping

__all__ = [
    "DEFAULT_TENOR_BETA_LONG",
    "DEFAULT_TENOR_TAU_DAYS",
    "MIN_SPOT_MOVE_POINTS",
    "Episode",
    "TenorBetaFit",
    "fit_tenor_beta",
    "load_episodes",
    "tenor_beta",
    "tenor_beta_points",
]

# Fitted by fit_tenor_beta() (defaults: |VIX move| >= 5 points, days to expiry counted on
# the shock day) on the 38 matched contracts of the 7 VIX-shock episodes in
# sample_data/episodes.toml: Oct 2008, Aug 2015, Feb 2018, Mar 2020, Mar 2023 (SVB), Aug 2024
# and Apr 2025 (Terra and FTX are skipped: the VIX barely moved). Fit: tau = 40.4 d (+/- 7.7),
# b_long = 0.213 (+/- 0.046), rmse 0.12 in beta, R^2 0.66. Rounded to the day and to 0.01.
# beta(20 d) = 0.69, beta(30 d) = 0.59, beta(180 d) = 0.22, against domain.md section 4:
# M1 0.41-0.88 (median ~0.6), ~6M 0.17-0.20 (2020, 2024).
DEFAULT_TENOR_TAU_DAYS = 40.0
DEFAULT_TENOR_BETA_LONG = 0.21

# Episodes whose VIX move is smaller than this carry no information about the ratio
# future move / spot move (the ratio of two small noisy numbers), so the fit skips them.
MIN_SPOT_MOVE_POINTS = 5.0

Curve = tuple[tuple[date, float], ...]


@dataclass(frozen=True)
class Episode:
    """One historical stress window. Curves are ``((expiry, settle), ...)`` sorted by expiry."""

    id: str
    name: str
    start: date
    end: date
    vix_before: float
    vix_after: float
    curve_before: Curve
    curve_after: Curve
    notes: str = ""
    sources: tuple[str, ...] = ()
    vvix_before: float | None = None
    vvix_after: float | None = None
    btc_before: float | None = None
    btc_after: float | None = None
    btc_return: float | None = None
    eth_return: float | None = None
    eth_source: str | None = None
    spx_before: float | None = None
    spx_after: float | None = None
    spx_return: float | None = None

    @property
    def spot_move(self) -> float:
        """VIX close on ``end`` minus VIX close on ``start``, in points."""
        return self.vix_after - self.vix_before

    @property
    def vvix_ratio(self) -> float | None:
        """``vvix_after / vvix_before``: the factor on VIX option vols, when both exist."""
        if self.vvix_before is None or self.vvix_after is None:
            return None
        return self.vvix_after / self.vvix_before

    @property
    def window_days(self) -> int:
        return (self.end - self.start).days

    def tenor_moves(self, dte_at: str = "before") -> tuple[tuple[int, float], ...]:
        """``(days to expiry, settle change)`` for each contract listed on both dates.

        Contracts are matched by expiry; ones that expired inside the window or were not yet
        among the first six at ``start`` are left out. Days to expiry are counted from
        ``start`` by default (``dte_at="before"``) or from ``end`` (``dte_at="after"``).
        """
        if dte_at not in ("before", "after"):
            raise ValueError(f"dte_at must be 'before' or 'after', not {dte_at!r}")
        ref = self.start if dte_at == "before" else self.end
        after = dict(self.curve_after)
        return tuple(
            ((expiry - ref).days, after[expiry] - settle)
            for expiry, settle in self.curve_before
            if expiry in after
        )

    def front_move(self, n: int = 1) -> float | None:
        """Change of ``M<n>`` as listed on each date (a roll, not one contract, if M1 expired)."""
        if len(self.curve_before) < n or len(self.curve_after) < n:
            return None
        return self.curve_after[n - 1][1] - self.curve_before[n - 1][1]


# -- loading ---------------------------------------------------------------------------------

_REQUIRED = ("id", "name", "start", "end", "vix_before", "vix_after", "curve_before", "curve_after")
_OPTIONAL_NUMBERS = ("vvix_before", "vvix_after", "btc_before", "btc_after", "btc_return", "eth_return", "spx_before", "spx_after", "spx_return")
_KNOWN = set(_REQUIRED) | set(_OPTIONAL_NUMBERS) | {"notes", "sources", "eth_source"}


class _Bad(Exception):
    def __init__(self, key: str, what: str) -> None:
        super().__init__(key, what)
        self.key, self.what = key, what


def _date(value: Any, key: str) -> date:
    # tomllib gives datetime for date-times; only a plain TOML date is accepted here.
    if type(value) is not date:
        raise _Bad(key, f"expected a TOML date such as 2020-03-16, got {value!r}")
    return value


def _number(value: Any, key: str, *, positive: bool = False) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _Bad(key, f"expected a number, got {value!r}")
    x = float(value)
    if not math.isfinite(x):
        raise _Bad(key, f"expected a finite number, got {value!r}")
    if positive and x <= 0:
        raise _Bad(key, f"expected a positive number, got {value!r}")
    return x


def _text(value: Any, key: str) -> str:
    if not isinstance(value, str):
        raise _Bad(key, f"expected a string, got {value!r}")
    return value


def _curve(value: Any, key: str, as_of: date) -> Curve:
    if not isinstance(value, list) or not value:
        raise _Bad(key, "expected a non-empty array of { expiry = date, settle = number }")
    points: list[tuple[date, float]] = []
    for i, item in enumerate(value):
        where = f"{key}[{i}]"
        if not isinstance(item, dict):
            raise _Bad(where, f"expected {{ expiry = date, settle = number }}, got {item!r}")
        missing = {"expiry", "settle"} - item.keys()
        if missing:
            raise _Bad(f"{where}.{sorted(missing)[0]}", "missing")
        extra = item.keys() - {"expiry", "settle"}
        if extra:
            raise _Bad(f"{where}.{sorted(extra)[0]}", "unknown key (expected expiry and settle)")
        expiry = _date(item["expiry"], f"{where}.expiry")
        if expiry <= as_of:
            raise _Bad(f"{where}.expiry", f"{expiry} is not after the curve's date {as_of}")
        points.append((expiry, _number(item["settle"], f"{where}.settle", positive=True)))
    expiries = [e for e, _ in points]
    if expiries != sorted(set(expiries)):
        raise _Bad(key, "expiries must be distinct and in increasing order")
    return tuple(points)


def _episode(raw: Mapping[str, Any]) -> Episode:
    for key in _REQUIRED:
        if key not in raw:
            raise _Bad(key, "missing")
    unknown = sorted(set(raw) - _KNOWN)
    if unknown:
        raise _Bad(unknown[0], f"unknown key (expected one of {', '.join(sorted(_KNOWN))})")
    start, end = _date(raw["start"], "start"), _date(raw["end"], "end")
    if end <= start:
        raise _Bad("end", f"{end} is not after start {start}")
    kw: dict[str, Any] = {
        "id": _text(raw["id"], "id"),
        "name": _text(raw["name"], "name"),
        "start": start,
        "end": end,
        "vix_before": _number(raw["vix_before"], "vix_before", positive=True),
        "vix_after": _number(raw["vix_after"], "vix_after", positive=True),
        "curve_before": _curve(raw["curve_before"], "curve_before", start),
        "curve_after": _curve(raw["curve_after"], "curve_after", end),
        "notes": _text(raw.get("notes", ""), "notes"),
    }
    sources = raw.get("sources", [])
    if not isinstance(sources, list):
        raise _Bad("sources", f"expected an array of strings, got {sources!r}")
    kw["sources"] = tuple(_text(s, f"sources[{i}]") for i, s in enumerate(sources))
    for key in _OPTIONAL_NUMBERS:
        if key in raw:
            is_return = key.endswith("_return")
            x = _number(raw[key], key, positive=not is_return)
            if is_return and x <= -1.0:
                raise _Bad(key, f"a return must be above -1 (-100 %), got {raw[key]!r}")
            kw[key] = x
    for pair in (("vvix_before", "vvix_after"), ("btc_before", "btc_after"), ("spx_before", "spx_after")):
        present = [k for k in pair if k in kw]
        if len(present) == 1:
            other = pair[1] if present[0] == pair[0] else pair[0]
            raise _Bad(other, f"missing (given together with {present[0]})")
    if "eth_return" in kw:
        if "eth_source" not in raw:
            raise _Bad("eth_source", "missing: eth_return needs the source it was taken from")
        kw["eth_source"] = _text(raw["eth_source"], "eth_source")
    elif "eth_source" in raw:
        raise _Bad("eth_source", "given without eth_return")
    return Episode(**kw)


def default_episodes_path() -> Path:
    from .paths import sample_data_dir

    return sample_data_dir() / "episodes.toml"


def load_episodes(path: str | Path | None = None) -> tuple[Episode, ...]:
    """Read the episode library (default: the bundled ``sample_data/episodes.toml``).

    Raises ``ValueError`` with a message naming the file, the episode id (or its position)
    and the key when the content is unusable; ``FileNotFoundError`` when there is no file.
    """
    p = Path(path) if path is not None else default_episodes_path()
    with p.open("rb") as fh:
        try:
            doc = tomllib.load(fh)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{p}: not valid TOML: {exc}") from None
    schema = doc.get("schema")
    if schema != 1:
        raise ValueError(f"{p}: key 'schema': expected 1, got {schema!r}")
    raw_list = doc.get("episodes")
    if not isinstance(raw_list, list) or not raw_list:
        raise ValueError(f"{p}: key 'episodes': expected one or more [[episodes]] tables")
    out: list[Episode] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_list):
        label = f"episode #{i + 1}"
        if isinstance(raw, dict) and isinstance(raw.get("id"), str):
            label = f"episode '{raw['id']}'"
        if not isinstance(raw, dict):
            raise ValueError(f"{p}: {label}: expected a table, got {raw!r}")
        try:
            ep = _episode(raw)
        except _Bad as bad:
            raise ValueError(f"{p}: {label}: key '{bad.key}': {bad.what}") from None
        if ep.id in seen:
            raise ValueError(f"{p}: {label}: key 'id': duplicate id {ep.id!r}")
        seen.add(ep.id)
        out.append(ep)
    return tuple(out)


# -- tenor beta ------------------------------------------------------------------------------


def tenor_beta(dte: Any, tau_days: float | None = None, b_long: float | None = None) -> Any:
    """``b_long + (1 - b_long) * exp(-dte / tau)``; scalar or array ``dte`` (calendar days)."""
    import numpy as np

    tau = DEFAULT_TENOR_TAU_DAYS if tau_days is None else tau_days
    b = DEFAULT_TENOR_BETA_LONG if b_long is None else b_long
    return b + (1.0 - b) * np.exp(-np.asarray(dte, dtype=float) / tau)


def tenor_beta_points(
    episodes: Iterable[Episode],
    *,
    min_spot_move: float = MIN_SPOT_MOVE_POINTS,
    dte_at: str = "after",
) -> tuple[list[tuple[str, int, float]], list[str]]:
    """``(episode id, dte, future move / spot move)`` for every matched contract of the
    episodes whose |VIX move| is at least ``min_spot_move``, and the ids left out."""
    points: list[tuple[str, int, float]] = []
    skipped: list[str] = []
    for ep in episodes:
        if abs(ep.spot_move) < min_spot_move:
            skipped.append(ep.id)
            continue
        for dte, change in ep.tenor_moves(dte_at=dte_at):
            points.append((ep.id, dte, change / ep.spot_move))
    return points, skipped


@dataclass(frozen=True)
class TenorBetaFit:
    """Diagnostics of :func:`fit_tenor_beta`."""

    tau_days: float
    b_long: float
    dte_at: str
    n_points: int
    episodes_used: tuple[str, ...]
    episodes_skipped: tuple[str, ...]  # |VIX move| below the threshold
    rmse: float  # of beta residuals
    r_squared: float
    tau_stderr: float
    b_long_stderr: float
    residual_by_episode: Mapping[str, float] = field(default_factory=dict)  # mean residual
    beta_at: Mapping[int, float] = field(default_factory=dict)  # fitted beta at 0, 20, 30, ... days
    success: bool = True
    message: str = ""

    def summary(self) -> str:
        lines = [
            f"tenor beta fit on {self.n_points} points from {len(self.episodes_used)} episodes "
            f"(dte counted at the {'shock day' if self.dte_at == 'after' else 'start'}):",
            f"  tau = {self.tau_days:.1f} d (+/- {self.tau_stderr:.1f}), "
            f"b_long = {self.b_long:.3f} (+/- {self.b_long_stderr:.3f})",
            f"  rmse = {self.rmse:.3f}, R^2 = {self.r_squared:.3f}",
            "  beta: " + ", ".join(f"{d} d {b:.2f}" for d, b in self.beta_at.items()),
            "  mean residual: " + ", ".join(f"{k} {v:+.2f}" for k, v in self.residual_by_episode.items()),
        ]
        if self.episodes_skipped:
            lines.append("  skipped (|VIX move| too small): " + ", ".join(self.episodes_skipped))
        return "\n".join(lines)


def fit_tenor_beta(
    episodes: Iterable[Episode],
    *,
    min_spot_move: float = MIN_SPOT_MOVE_POINTS,
    dte_at: str = "after",
) -> tuple[float, float, TenorBetaFit]:
    """Fit ``tau`` (days) and ``b_long`` of the tenor beta to historical VIX shocks.

    Points are ``(dte, future move / VIX move)`` for each contract listed on both dates of an
    episode (:meth:`Episode.tenor_moves`), unweighted, with ``scipy.optimize.least_squares``
    (bounds: ``1 <= tau <= 2000`` days, ``0 <= b_long <= 1``). Episodes whose |VIX move| is
    below ``min_spot_move`` points (Terra, FTX) are skipped: there the ratio is noise over
    noise. Days to expiry are counted on the shock day by default (``dte_at="after"``), the
    tenor at which the move is observed; the engine applies beta to an instantaneous shock,
    where the two counts coincide. Returns ``(tau_days, b_long, diagnostics)``.
    """
    import numpy as np
    from scipy.optimize import least_squares

    episodes = tuple(episodes)
    points, skipped = tenor_beta_points(episodes, min_spot_move=min_spot_move, dte_at=dte_at)
    if len(points) < 3:
        raise ValueError(
            f"fit_tenor_beta needs at least 3 points from episodes with |VIX move| >= "
            f"{min_spot_move} points; got {len(points)}"
        )
    ids = np.array([p[0] for p in points])
    dte = np.array([p[1] for p in points], dtype=float)
    ratio = np.array([p[2] for p in points], dtype=float)

    def resid(x: Any) -> Any:
        tau, b = x
        return b + (1.0 - b) * np.exp(-dte / tau) - ratio

    res = least_squares(resid, x0=[60.0, 0.2], bounds=([1.0, 0.0], [2000.0, 1.0]))
    tau, b = (float(v) for v in res.x)
    r = res.fun
    n, k = len(r), 2
    rmse = float(np.sqrt(np.mean(r**2)))
    ss_tot = float(np.sum((ratio - ratio.mean()) ** 2))
    r2 = 1.0 - float(np.sum(r**2)) / ss_tot if ss_tot > 0 else float("nan")
    # Standard errors from the Jacobian at the optimum (Gauss-Newton covariance).
    try:
        cov = np.linalg.inv(res.jac.T @ res.jac) * float(np.sum(r**2)) / max(n - k, 1)
        se_tau, se_b = (float(math.sqrt(max(v, 0.0))) for v in np.diag(cov))
    except np.linalg.LinAlgError:
        se_tau = se_b = float("nan")
    used = tuple(dict.fromkeys(ids.tolist()))
    by_ep = {e: float(np.mean(r[ids == e])) for e in used}
    grid = (0, 20, 30, 60, 90, 180)
    beta_at = {d: float(tenor_beta(d, tau, b)) for d in grid}
    diag = TenorBetaFit(
        tau_days=tau,
        b_long=b,
        dte_at=dte_at,
        n_points=n,
        episodes_used=used,
        episodes_skipped=tuple(skipped),
        rmse=rmse,
        r_squared=r2,
        tau_stderr=se_tau,
        b_long_stderr=se_b,
        residual_by_episode=by_ep,
        beta_at=beta_at,
        success=bool(res.success),
        message=str(res.message),
    )
    return tau, b, diag
