"""The published VXTH weight tiers, at and around each boundary."""

import numpy as np
import pytest

from tui.core.vxth import vxth_weight_pct


@pytest.mark.parametrize(
    "level, pct",
    [(14.9, 0.0), (15.0, 1.0), (22.0, 1.0), (30.0, 1.0), (30.01, 0.5), (50.0, 0.5), (50.1, 0.0), (82.69, 0.0), (float("nan"), 0.0)],
)
def test_tiers(level, pct):
    assert vxth_weight_pct(level) == pct


def test_vectorised_matches_scalar():
    levels = np.array([10, 15, 29.99, 30, 31, 49.9, 50, 51, np.nan])
    assert list(vxth_weight_pct(levels)) == [vxth_weight_pct(x) for x in levels]
