"""Conditions that hold now for one subject (a runner, or a team), read once per judgement."""

from __future__ import annotations

from runners.models import Condition


class Conditions:
    """The open conditions of one subject; rules read and change them through this."""

    def __init__(self, team_id: int, key: str) -> None:
        self.team_id, self.key = team_id, key
        self._rows = {c.kind: c for c in Condition.objects.filter(team_id=team_id, key=key)}

    @classmethod
    def of_runner(cls, team_id: int, runner_id: int) -> Conditions:
        return cls(team_id, f"runner:{runner_id}")

    def get(self, kind: str) -> Condition | None:
        return self._rows.get(kind)

    def open(self, kind: str, since_ts: int, *, alerted: bool) -> Condition:
        """Record that the condition holds since `since_ts`, alerted or not yet."""
        condition, _ = Condition.objects.update_or_create(
            team_id=self.team_id,
            key=self.key,
            kind=kind,
            defaults={"since_ts": since_ts, "alerted": alerted},
        )
        self._rows[kind] = condition
        return condition

    def close(self, kind: str) -> Condition | None:
        """Forget the condition; returns what it was (None if it did not hold)."""
        condition = self._rows.pop(kind, None)
        if condition is not None:
            Condition.objects.filter(pk=condition.pk).delete()
        return condition
