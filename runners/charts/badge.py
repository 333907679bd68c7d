"""A status badge as SVG: a label and a message on coloured halves, like shields.io's.

Only presentation attributes, no <style> or style="" and no script, so the badge renders
under the strict CSP and inside an <img> on any site.
"""

from __future__ import annotations

from html import escape

TONES = {"ok": "#2e7d32", "warn": "#b26a00", "bad": "#c62828", "neutral": "#6b7280"}
LABEL_FILL = "#555"
CHAR_WIDTH = 6.5  # px per character of 11 px Verdana, near enough for short texts
PADDING = 10


def badge(label: str, message: str, tone: str) -> str:
    """The SVG of a badge reading `label | message`, the message on the tone's colour."""
    left = _width(label)
    right = _width(message)
    total = left + right
    fill = TONES.get(tone, TONES["neutral"])
    label_text, message_text = escape(label), escape(message)
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{total}" height="20" role="img" '
        f'aria-label="{label_text}: {message_text}">'
        f"<title>{label_text}: {message_text}</title>"
        f'<rect width="{left}" height="20" fill="{LABEL_FILL}"/>'
        f'<rect x="{left}" width="{right}" height="20" fill="{fill}"/>'
        '<g fill="#fff" text-anchor="middle" font-family="Verdana,DejaVu Sans,sans-serif" '
        'font-size="11">'
        f'<text x="{left / 2}" y="14">{label_text}</text>'
        f'<text x="{left + right / 2}" y="14">{message_text}</text>'
        "</g></svg>"
    )


def _width(text: str) -> int:
    return round(len(text) * CHAR_WIDTH) + 2 * PADDING
