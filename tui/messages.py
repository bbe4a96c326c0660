"""Messages the panes post to the App. Past tense: they report what the user did."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message

from .core.plan import Plan


@dataclass
class PlanEdited(Message):
    """A pane turned ``base`` into ``plan`` (already validated by tui.core.edits).

    The App applies it only if ``base`` is still its current plan, so an edit made
    against a stale valuation can never overwrite a newer one.
    """

    base: Plan
    plan: Plan
    label: str
    cursor: tuple[int, int] | None = None  # (row, column) for the layer table afterwards
