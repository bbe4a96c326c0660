"""alvh-tui: plan and stress-test Adaptive Layered VIX Hedges in the terminal."""

__version__ = "0.1.0"
