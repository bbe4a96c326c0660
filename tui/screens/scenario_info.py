"""``i`` on the scenario table: one scenario in full (for a replay: the episode's notes and sources)."""

from __future__ import annotations

from functools import lru_cache

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from ..core.kit import window_events_note
from ..core.valuation import Valuation


@lru_cache(maxsize=1)
def _episodes() -> dict:
    """The bundled episode library by id (read once, on the first ``i``)."""
    from ..core.episodes import load_episodes

    try:
        return {ep.id: ep for ep in load_episodes()}
    except (OSError, ValueError):
        return {}


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
        lines.append(f"ETH {ep.eth_return:+.0%} ({ep.eth_source})")
    lines.append(window_events_note(ep.start, ep.end))
    if ep.notes:
        lines += ["", ep.notes]
    if ep.sources:
        lines += ["", "Sources: " + "; ".join(ep.sources)]
    return lines


class ScenarioInfoScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,q,i,enter", "close", "Close")]

    def __init__(self, valuation: Valuation, index: int) -> None:
        super().__init__()
        self.valuation = valuation
        self.index = index

    def text(self) -> str:
        from ..widgets.shock_panel import scenario_detail

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
            yield Static(Text("esc / i : close · enter on the row applies it", style="dim"))

    def action_close(self) -> None:
        self.dismiss(None)
