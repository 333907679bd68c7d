"""Charts: numbers in, SVG out. No models, no requests: every input is floats or None."""

from runners.charts.svg import BandCell, Frame, Panel, format_value, sparkline, trend_chart

__all__ = ["BandCell", "Frame", "Panel", "format_value", "sparkline", "trend_chart"]
