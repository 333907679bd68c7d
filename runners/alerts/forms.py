"""Owners' forms for alerts: a channel, the team's rules, one runner's override."""

from __future__ import annotations

import ipaddress
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.core.validators import validate_email

from runners.alerts import catalog  # noqa: F401  (registers every rule)
from runners.alerts.rules import REGISTRY, Setting
from runners.models import Channel, Runner
from runners.upstream.policy import EgressPolicy

URL_KINDS = (Channel.Kind.WEBHOOK, Channel.Kind.SLACK, Channel.Kind.DISCORD)


class ChannelForm(forms.Form):
    kind = forms.ChoiceField(choices=Channel.Kind.choices, label="Kind")
    label = forms.CharField(max_length=100, help_text="How the channel is named on this page.")
    target = forms.CharField(
        max_length=1000,
        label="URL or email address",
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
        help_text="The webhook URL (Slack and Discord give you one), or an email address. "
        "Stored encrypted and never shown again.",
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        kind, target = cleaned.get("kind"), cleaned.get("target", "").strip()
        if kind == Channel.Kind.EMAIL:
            try:
                validate_email(target)
            except forms.ValidationError:
                self.add_error("target", "Enter an email address.")
        elif kind in URL_KINDS and (problem := url_problem(target)):
            self.add_error("target", problem)
        cleaned["target"] = target
        return cleaned


def url_problem(url: str) -> str | None:
    """Why a webhook URL cannot be used, or None. Names are vetted again at every delivery."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
    except ValueError:
        return "Enter a valid http:// or https:// URL."
    if parts.scheme not in ("http", "https") or not host:
        return "Enter a valid http:// or https:// URL."
    if parts.username or parts.password:
        return "Put no credentials in the URL."
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if not EgressPolicy.from_settings().permits(address):
        return "This address is blocked by the deployment's egress policy."
    return None


class RulesForm(forms.Form):
    """Every registered rule: on or off for the team, with its minutes and GiB where it has them."""

    def __init__(self, *args: Any, settings: dict[str, Setting], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, rule in REGISTRY.items():
            setting = settings[kind]
            self.fields[f"{kind}_enabled"] = forms.BooleanField(
                required=False, label=rule.label, help_text=rule.help, initial=setting.enabled
            )
            if rule.default.minutes is not None:
                self.fields[f"{kind}_minutes"] = forms.IntegerField(
                    min_value=1, max_value=1440, label="Minutes", initial=setting.minutes
                )
            if rule.default.gib is not None:
                self.fields[f"{kind}_gib"] = forms.FloatField(
                    min_value=0.1, max_value=1024, label="GiB", initial=setting.gib
                )

    def rows(self) -> list[list[forms.BoundField]]:
        """The fields of each rule together, for the page's table."""
        return [
            [self[name] for name in self.fields if name.startswith(f"{kind}_")] for kind in REGISTRY
        ]

    def settings(self) -> dict[str, Setting]:
        data = self.cleaned_data
        return {
            kind: Setting(
                data[f"{kind}_enabled"], data.get(f"{kind}_minutes"), data.get(f"{kind}_gib")
            )
            for kind in REGISTRY
        }


class RunnerRuleForm(forms.Form):
    """One runner's rule on or off whatever the team's setting, or back to the team's."""

    CHOICES = [
        ("on", "On for this runner"),
        ("off", "Off for this runner"),
        ("team", "As the team"),
    ]

    runner = forms.ModelChoiceField(queryset=Runner.objects.none(), to_field_name="slug")
    kind = forms.ChoiceField(label="Rule")
    setting = forms.ChoiceField(choices=CHOICES)

    def __init__(self, *args: Any, team_id: int, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["runner"].queryset = Runner.objects.filter(team_id=team_id)
        self.fields["kind"].choices = [
            (kind, rule.label) for kind, rule in REGISTRY.items() if rule.on_fetch is not None
        ]
