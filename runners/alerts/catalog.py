"""Every rule module, imported once so that each registers its rules, in the order pages list
them. A new area's rules (fleet drift from the team's baseline) add their module here."""

# isort: off
from runners.alerts import runner_rules
from runners.alerts import fleet_rules
from runners.alerts import drift_rules

# isort: on
from runners.alerts.rules import REGISTRY

__all__ = ["REGISTRY", "drift_rules", "fleet_rules", "runner_rules"]
