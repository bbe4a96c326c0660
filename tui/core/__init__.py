"""Pure domain code: pricing, calendar, curve, plans, valuation. Never imports textual."""
