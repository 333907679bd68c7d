"""Alerts: rules that turn state changes into events, and channels that deliver them.

`events.note_fetch` is the one call polling makes, inside the transaction of the fetch it
judges; the collector runs `delivery.deliver_due` (docs/alerts.md).
"""
