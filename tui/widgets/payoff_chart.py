"""The payoff chart: hedge, exposure and net P&L against the VIX level at a horizon."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from rich.text import Text

from ..format import usd_short
from .braille import BrailleChart, Series, VLine
from .util import set_border_subtitle, set_border_title

if TYPE_CHECKING:
    from ..core.valuation import Valuation  # (imported with the first reprice, after the first frame)

# How each line looks without colour: its dot pattern and its end label.
LINE_STYLES = {
    "hedge": ("solid", "h"),
    "net": ("dotted", "n"),
    "exposure": ("dashed", "e"),
}


def scenario_marker(valuation: Valuation) -> tuple[float, str] | None:
    """Where the active shock puts the VIX, labelled with its (short) name; None for none."""
    scenario = valuation.scenario
    if scenario.describe() == "no change":
        return None
    name = scenario.name.split(":")[0] if scenario.kind == "historical" else scenario.name
    return scenario.target_spot(valuation.market.vix_spot), name[:10]


def breakeven_note(breakevens: tuple[float, ...]) -> str:
    """The hedge's break-even VIX level(s) for the title (also when a marker label is crowded out)."""
    if not breakevens:
        return " · no break-even"
    return " · BE " + ", ".join(f"{b:.4g}" for b in breakevens[:3]) + (" …" if len(breakevens) > 3 else "")


class PayoffChart(BrailleChart):
    """P&L (USD) against the VIX level; render only from :meth:`set_curves` / :meth:`show`."""

    can_focus = True

    DEFAULT_CSS = """
    PayoffChart > .chart--hedge { color: $success; text-style: bold; }
    PayoffChart > .chart--exposure { color: $error; }
    PayoffChart > .chart--net { color: $warning; }
    PayoffChart > .chart--spot { color: $accent; text-style: bold; }
    PayoffChart > .chart--be { color: $secondary; }
    PayoffChart > .chart--scen { color: $primary; text-style: bold; }
    PayoffChart > .chart--axis { color: $text-muted; }
    PayoffChart > .chart--zero { color: $text-muted; }
    """

    COMPONENT_CLASSES = {"chart--hedge", "chart--exposure", "chart--net", "chart--spot", "chart--be", "chart--scen", "chart--axis", "chart--zero"}

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.hedge_only = False
        self.curves: dict[str, np.ndarray] = {}
        self.spot: float | None = None
        self.breakevens: tuple[float, ...] = ()
        self.horizon_label = "today"
        self.scenario: tuple[float, str] | None = None  # the active shock's VIX level and label
        self._legend_names: list[str] | None = None

    def set_curves(
        self,
        levels: np.ndarray,
        curves: dict[str, np.ndarray],
        *,
        spot: float,
        breakevens: tuple[float, ...] = (),
        horizon_label: str = "today",
        scenario: tuple[float, str] | None = None,
    ) -> None:
        """Draw ``curves`` (keys among hedge, net, exposure) against ``levels`` of the VIX;
        ``scenario`` = (VIX level, label) marks the active shock's level (dashed)."""
        self.levels = np.asarray(levels, dtype=float)
        self.scenario = scenario
        self.curves = {k: np.asarray(v, dtype=float) for k, v in curves.items()}
        self.spot = spot
        self.breakevens = tuple(breakevens)
        self.horizon_label = horizon_label
        self._redraw()

    def show(self, valuation: Valuation, horizon_label: str) -> None:
        p = valuation.payoff
        self.set_curves(
            p.levels,
            {"hedge": p.hedge_usd, "net": p.net_usd, "exposure": p.exposure_usd},
            spot=valuation.market.vix_spot,
            breakevens=p.breakevens,
            horizon_label=horizon_label,
            scenario=scenario_marker(valuation),
        )

    def toggle_hedge_only(self) -> bool:
        self.hedge_only = not self.hedge_only
        self._redraw()
        return self.hedge_only

    def _redraw(self) -> None:
        if not self.curves:
            return
        names: list[str] = ["hedge"] if self.hedge_only else [n for n in ("hedge", "net", "exposure") if n in self.curves]
        series = [Series(self.levels, self.curves[n], n, *LINE_STYLES[n]) for n in names]
        # Each marker's label carries its own level, so two labels side by side never read
        # as one ("BE VIX 38.57" was the break-even and the spot run together).
        vlines = [VLine(b, "be", True, f"BE {b:.4g}") for b in self.breakevens]
        if self.spot is not None:
            vlines.append(VLine(self.spot, "spot", False, f"VIX {self.spot:.4g}"))
        if self.scenario is not None and self.spot is not None and abs(self.scenario[0] - self.spot) > 1e-6:
            vlines.append(VLine(self.scenario[0], "scen", True, self.scenario[1]))
        self.set_data(series, vlines, y_format=usd_short, x_format=lambda v: f"{v:g}")
        set_border_title(self, f"Payoff at {self.horizon_label}" + breakeven_note(self.breakevens))
        if self._legend_names != names:  # the legend changes only with the e toggle
            self._legend_names = names
            legend = Text()
            for i, n in enumerate(names):
                _, label = LINE_STYLES[n]
                if i:
                    legend.append(" · ")
                legend.append(f"{label} {n}", style=self._style_for(n))
            set_border_subtitle(self, legend)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._legend_names = None  # re-colour the legend with the new theme
        if self.curves and self.is_mounted:
            self.call_later(self._redraw)
