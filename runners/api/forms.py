"""Owners' forms for machine access: a new API key, a new badge."""

from __future__ import annotations

from typing import Any

from django import forms

from runners.models import Runner


class ApiKeyForm(forms.Form):
    label = forms.CharField(max_length=100, help_text="What uses it: “grafana”, “deploy script”.")


class BadgeKeyForm(forms.Form):
    prefix = "badge"  # its label field must not share an id with the key form's

    runner = forms.ModelChoiceField(queryset=Runner.objects.none(), to_field_name="slug")
    label = forms.CharField(
        max_length=40,
        help_text="The name the badge shows, instead of the runner's: it may be seen by anyone "
        "who sees the page it is on.",
    )

    def __init__(self, *args: Any, team_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["runner"].queryset = Runner.objects.filter(team_id=team_id)
