"""Figures written as German readers expect them: one definition for mails, pages and the
dashboard, so a budget reads the same wherever a prospect or sales sees it."""

from __future__ import annotations

__all__ = ["euro", "euro_range", "thousands"]


def thousands(amount: int) -> str:
    """4500 → "4.500"."""
    return f"{amount:,}".replace(",", ".")


def euro(amount: int) -> str:
    """4500 → "4.500 €"."""
    return f"{thousands(amount)} €"


def euro_range(low: int | None, high: int | None) -> str | None:
    """A budget or price range: "5.000 – 8.000 €", "bis 8.000 €", "ab 5.000 €"; None when
    neither end is known."""
    if low and high:
        return euro(high) if low == high else f"{thousands(low)} – {euro(high)}"
    if high:
        return f"bis {euro(high)}"
    if low:
        return f"ab {euro(low)}"
    return None
