"""Runner cards: what a card shows (build) and its markup, rendered once per change (render)."""

from runners.cards.build import (
    Audience,
    Card,
    cards_for,
    stretched_interval,
)
from runners.cards.render import card_html, cards_html, keys_for, out_of_band

__all__ = [
    "Audience",
    "Card",
    "card_html",
    "cards_for",
    "cards_html",
    "keys_for",
    "out_of_band",
    "stretched_interval",
]
