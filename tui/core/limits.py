"""Every bound a plan is held to, declared once.

Generous for any real plan, tight enough that a loaded plan cannot drive a valuation to
inf/NaN and that no input makes reading slow. The plan file reader (through the field
declarations in ``plan.py``, ``curve.py`` and ``volmodel.py``), the CSV snapshot reader,
the editor (``edits.py``) and its nudges all use these, so whatever one of them accepts
the others accept too.
"""

from __future__ import annotations

from datetime import date

MAX_PLAN_BYTES = 1_000_000  # a plan is a few KB; a megabyte is not a plan
MAX_KEY_PARTS = 8  # a.b.c: a plan's keys have at most 3 parts; tomllib is quadratic in the count
MAX_PROBLEMS = 20  # messages listed before "... and N more"
MAX_LAYERS = 50
MAX_FUTURES = 200
MAX_NAME_CHARS = 100  # plan and layer names, stress scenario
MAX_SOURCE_CHARS = 2000
MIN_LEVEL = 0.01  # spot, settlement and strike levels: a cent (the VIX never closed below 9)
MAX_VIX = 1000.0  # spot and settlement levels (the VIX closed at 82.7 in 2020)
MAX_STRIKE = 10_000.0
MAX_PCT_STRIKE = 10.0  # "+1000%"
VOL_BOUNDS = (0.01, 20.0)  # ATM implied vol (1 % .. 2000 %)
MIN_DECAY_DAYS = 0.01
MAX_DECAY_DAYS = 36_500.0
SKEW_BOUNDS = (-5.0, 5.0)
SMILE_SLOPE_BOUNDS = (-5.0, 20.0)  # calibrated smile nodes (volmodel.SmileNode)
SMILE_CURVE_BOUNDS = (0.0, 50.0)
MAX_SMILE_NODES = 60
VVIX_RATIO_BOUNDS = (0.01, 10.0)  # fitted 30-day ATM vol / (VVIX / 100)
MAX_RMSE_VOL_PTS = 10_000.0
RATE_BOUNDS = (-0.5, 1.0)
NOTIONAL_BOUNDS = (1.0, 1e15)
MAX_PREMIUM_USD = 1e9  # above any VIX options market; keeps budget / 1e-9 (the cheapest priced option) inside int64
MAX_CONTRACTS = 10_000_000
MIN_EXPOSURE_VOL = 1e-4
MAX_EXPOSURE_VOL = 20.0
BETA_BOUNDS = (-20.0, 20.0)
MIN_ABS_BETA = 1e-6  # a beta is 0 or at least this in size: 5e-324 is a typo, not a beta
VAR_CONFIDENCE_BOUNDS = (0.5, 0.99999)
MAX_VAR_HORIZON_DAYS = 3650
MAX_COVERAGE_TARGET = 10.0
ELASTICITY_BOUNDS = (0.5, 50.0)
BTC_BETA_BOUNDS = (0.0, 20.0)
SPX_VOL_BOUNDS = (0.01, 5.0)  # the S&P 500's annual vol in the VaR stress
CORRELATION_BOUNDS = (-1.0, 1.0)
WEIGHT_BOUNDS = (0.0, 1.0)
MAX_LEGS = 4  # financing legs per layer
LEG_RATIO_BOUNDS = (0.0, 10.0)  # leg contracts per long contract of its layer
FUNDING_RATE_BOUNDS = (-0.2, 1.0)  # the treasury's annual cost of capital
WEIGHT_TOLERANCE = 1e-6  # how far from 1 the weights may sum in budget/coverage sizing
MAX_DAYS_AHEAD = 3650  # futures and layer expiries within ten years of as_of
AS_OF_RANGE = (date(1990, 1, 1), date(2999, 12, 31))
TAKE_PROFIT_BOUNDS = (1.01, 1000.0)  # [backtest] take_profit: a multiple of a layer's cost
