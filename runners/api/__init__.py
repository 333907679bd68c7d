"""What machines read: the JSON API (/api/v1/), Prometheus /metrics and status badges.

All of it reads the database only; nothing here ever calls a runner.
"""
