"""Scenario rows in words: short names, the best/worst marks and the detail lines.

Plain strings from one Valuation, shared by the scenario panel (its table and detail
line) and the ``i`` notes screen; no textual here, so screens and widgets both import it
downward.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..core.scenarios import ScenarioResult
from ..format import pct, usd

if TYPE_CHECKING:
    from ..core.valuation import Valuation  # (imported with the first reprice, after the first frame)

KIND_TAGS = {"stress": "S", "historical": "H", "parametric": "P"}
KIND_WORDS = {"stress": "stress (the sizing's reference)", "historical": "historical replay", "parametric": "parametric"}
BEST, WORST = "▲", "▼"

# Short names for the table (the detail line has the full one).
PRESET_SHORT = {"30 days, no move": "+30d flat", "Crypto -30 %, VIX flat": "Expo -30%"}
EPISODE_TAGS = {
    "gfc-2008": "GFC",
    "china-2015": "China",
    "volmageddon-2018": "Volmageddon",
    "covid-2020": "COVID",
    "terra-2022": "Terra",
    "ftx-2022": "FTX",
    "svb-2023": "SVB",
    "yen-carry-2024": "yen carry",
    "tariffs-2025": "tariffs",
}


def short_name(r: ScenarioResult, wide: bool = False) -> str:
    """``Oct 2008`` (compact) / ``Oct 2008 GFC`` (wide) for a replay, ``VaR loss`` for the
    VaR stress, a few presets shortened; otherwise the name itself."""
    if r.kind == "stress" and r.episode_id is None and r.name.startswith("VaR"):
        return "VaR stress" if wide else "VaR loss"
    if r.name in PRESET_SHORT:
        return PRESET_SHORT[r.name]
    if ":" in r.name:
        when, rest = r.name.split(":", 1)
        if not wide:
            return when.strip()
        tag = EPISODE_TAGS.get(r.episode_id or "") or rest.strip().split(" ")[0].rstrip(",")
        return f"{when.strip()} {tag}"
    return r.name


def best_worst(scenarios) -> tuple[int, int]:
    """Row indexes of the best and the worst net P&L (-1 when there are no rows)."""
    nets = [r.net_pnl_usd for r in scenarios]
    if not nets:
        return -1, -1
    return max(range(len(nets)), key=nets.__getitem__), min(range(len(nets)), key=nets.__getitem__)


def _did_not_help(r: ScenarioResult, spot: float, short: bool = False) -> str:
    """The honest verdict when the exposure lost and the hedge barely paid ("" otherwise)."""
    if r.exposure_pnl_usd >= 0.0:
        return "no loss to cover" if short else "the exposure gains here: nothing to cover"
    if r.coverage is not None and r.coverage < 0.01:
        move = r.target_spot - spot
        if short:
            # to a tenth of a percent: "<1%" beside the table's rounded "1%" read as a contradiction
            verdict = "hedge loses too" if r.coverage < 0 else f"hedge covers {pct(r.coverage)}"
            return f"{verdict}, VIX {move:+.1f} pts"
        why = f"the VIX moved only {move:+.1f} pts" if abs(move) >= 0.05 else "the VIX did not move"
        return f"the hedge did not help ({why})"
    return ""


def scenario_detail(v: Valuation, index: int) -> list[str]:
    """Four lines on scenario row ``index``: what it is, how it moves the market, the
    exposure's return and its basis, and the figures (with the honest verdict first)."""
    r = v.scenarios[index]
    spot = v.market.vix_spot
    best, worst = best_worst(v.scenarios)
    exposure = v.plan.exposure
    replay = r.scenario if r.episode_id else None  # the replay itself, carried by its result
    if replay is not None:
        days = (r.end - r.start).days if r.start and r.end else r.days_forward
        what = f"{r.name} · {KIND_WORDS['historical'] if r.kind == 'historical' else r.kind} · {r.start}→{r.end} ({days}d)"
        if replay.replay == "level":
            vvix = f" · 30-d ATM vol {replay.vvix_after / 100:.0%} (VVIX)" if replay.vvix_after else ""
            move = f"the market it ended in: VIX {r.target_spot:.2f} · VX curve at its end levels by tenor (never below today's){vvix}"
        else:
            move = (
                f"VIX {replay.spot_shift:+.1f} pts → {r.target_spot:.2f} from today · VX curve moved by tenor as then"
                f" · vol ×{r.vol_scale:.2f} (VVIX) · +{r.days_forward}d"
            )
    elif r.kind == "stress":
        what = f"{r.name} · {KIND_WORDS['stress']}"
        move = r.description
        if v.var is not None and v.var.var_spx_return is not None and r.episode_id is None:
            move += f" · S&P {v.var.var_spx_return:+.1%} = E[S&P | VaR loss], ρ {v.var.correlation:.2f}"
    else:
        what = f"{r.name} · {KIND_WORDS.get(r.kind, r.kind)}"
        move = r.description + ("" if r.days_forward or r.vol_scale != 1.0 else " · VX curve by tenor beta")
    ret = r.exposure_return
    if r.exposure_basis == "btc" and replay is not None and replay.btc_return is not None:
        basis = f"exposure {pct(ret)} = BTC {pct(replay.btc_return)} over the window × BTC β {exposure.btc_beta:g}"
    elif r.exposure_basis == "override":
        basis = f"exposure {pct(ret)}: set by the scenario (no VIX link)"
    elif r.exposure_basis == "var":
        basis = f"exposure {pct(ret)}: a VaR-sized loss"
    elif r.exposure_basis == "spx_episode" and replay is not None and replay.spx_return is not None:
        basis = f"exposure {pct(ret)} = S&P {pct(replay.spx_return)} over the window × β {exposure.beta_spx:g}"
    else:
        ratio = replay.vix_ratio if replay is not None and replay.vix_ratio else r.target_spot / spot
        basis = f"exposure {pct(ret)} = β {exposure.beta_spx:g} × S&P move implied by VIX ×{ratio:.2f} (k {exposure.spx_vix_elasticity:g})"
        if r.kind == "historical" and (replay is None or replay.btc_return is None):
            basis += " · no BTC data then"
    mark = f" · {BEST} best net" if index == best else (f" · {WORST} worst net" if index == worst else "")
    verdict = _did_not_help(r, spot)
    figures = (f"{verdict} · " if verdict else "") + (
        f"cover {pct(r.coverage)} · hedge {usd(r.hedge_pnl_usd)} · net {usd(r.net_pnl_usd)}{mark}"
    )
    return [what, move, basis, figures]


def scenario_one_liner(v: Valuation, index: int) -> str:
    """The detail in one line (short screens): short name, then the verdict or the move."""
    r = v.scenarios[index]
    spot = v.market.vix_spot
    tail = _did_not_help(r, spot, short=True)
    if not tail:
        move = f"VIX {r.target_spot - spot:+.1f} pts" if r.episode_id else r.description
        tail = f"{move}, cover {pct(r.coverage)}"
    return f"{short_name(r, wide=True)}: {tail}"
