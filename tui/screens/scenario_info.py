"""``i`` on the scenario table: one scenario in full (for a replay: the episode's notes and sources)."""

from __future__ import annotations

import re
from functools import lru_cache

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..core.kit import window_events_note
from ..core.valuation import Valuation
from ..widgets.scenario_text import scenario_detail


@lru_cache(maxsize=1)
def _episodes() -> dict:
    """The bundled episode library by id (read once, on the first ``i``)."""
    from ..core.episodes import load_episodes

    try:
        return {ep.id: ep for ep in load_episodes()}
    except (OSError, ValueError):
        return {}


# The library records where each figure came from for whoever rebuilds it (data files,
# columns, filters, the project's research notes). The notes screen speaks to users: the
# public data behind each file, and the outside sources the research notes name.
PUBLIC_DATA = {
    "vix_daily_ohlc.csv": "Cboe VIX index, daily closes",
    "vvix_daily_close.csv": "Cboe VVIX index, daily closes",
    "vx_monthly_settlements.csv": "Cboe Futures Exchange (CFE) VX futures, daily settlements",
    "btc_usd_daily.csv": "BTC-USD daily closes (Yahoo Finance)",
    "spx_daily.csv": "S&P 500 index, daily closes",
}
_NOTES_REF = re.compile(r"domain\.md section \d+ \(([^)]*(?:\([^)]*\)[^)]*)*)\)\s*:?\s*(.*)")
_INTERNAL = re.compile(r"^\d{4}-\d{2}-\d{2} row$|no outside source named")


def public_source(source: str) -> str | None:
    """A library source as a user can look it up: a data file becomes the public data set
    it holds, a research-notes reference becomes the outside sources it names (None when
    it names none)."""
    name = source.split(":", 1)[0].strip()
    if name in PUBLIC_DATA:
        return PUBLIC_DATA[name]
    match = _NOTES_REF.match(source)
    if match is None:
        return source
    named = [part.strip() for chunk in match.group(1).split(";") for part in chunk.split(",")]
    named = [part for part in named if part and not _INTERNAL.search(part)]
    rest = match.group(2).strip()
    if not named:
        return rest or None
    return ", ".join(named) + (f": {rest}" if rest else "")


def episode_notes(episode_id: str | None) -> list[str]:
    """The library's own words on an episode: closes, notes, ETH where known, sources."""
    ep = _episodes().get(episode_id or "")
    if ep is None:
        return []
    lines = [
        f"VIX close {ep.vix_before:g} on {ep.start} → {ep.vix_after:g} on {ep.end} ({ep.spot_move:+.2f} pts, ×{ep.vix_after / ep.vix_before:.2f})",
    ]
    if ep.vvix_before is not None and ep.vvix_after is not None:
        lines.append(f"VVIX {ep.vvix_before:g} → {ep.vvix_after:g}: VIX option vols scaled ×{ep.vvix_ratio:.2f}")
    moves = ", ".join(f"{d}d {m:+.2f}" for d, m in ep.tenor_moves("before"))
    if moves:
        lines.append(f"VX settle change by days to expiry at the start: {moves}")
    if ep.btc_return is not None:
        lines.append(f"BTC {ep.btc_return:+.1%} over the window (close to close)")
    else:
        lines.append("BTC: no data for this window")
    if ep.eth_return is not None:
        lines.append(f"ETH {ep.eth_return:+.0%} ({public_source(ep.eth_source or '') or 'source not named'})")
    lines.append(window_events_note(ep.start, ep.end))
    if ep.notes:
        lines += ["", ep.notes]
    sources = list(dict.fromkeys(s for s in (public_source(x) for x in ep.sources) if s))
    if sources:
        lines += ["", "Sources: " + "; ".join(sources)]
    return lines


class ScenarioInfoScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,i,enter", "close", "Close")]

    def __init__(self, valuation: Valuation, index: int) -> None:
        super().__init__()
        self.valuation = valuation
        self.index = index

    def text(self) -> str:
        v = self.valuation
        r = v.scenarios[self.index]
        lines = scenario_detail(v, self.index)
        notes = episode_notes(r.episode_id)
        if notes:
            lines += [""] + notes
        return "\n".join(lines)

    def compose(self) -> ComposeResult:
        r = self.valuation.scenarios[self.index]
        with Vertical(id="dialog", classes="info"):
            yield Static(Text(f"{r.name} · {r.kind}", style="bold"), id="dialog-title")
            with VerticalScroll(id="info-body"):
                yield Static(Text(self.text()), id="info-text")
            yield Static(Text("esc / i : close · ↑ ↓ pgup pgdn scroll · enter on the row applies it", style="dim"), classes="dialog-keys")

    def action_close(self) -> None:
        self.dismiss(None)
