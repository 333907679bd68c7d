"""Forms of the team pages. Secrets are write-only: no form renders a stored token or header."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib.auth.forms import UserCreationForm
from django.utils.text import slugify

from runners.forms import origin, parse_headers
from runners.models import Membership, Runner, Team
from runners.polling.probe import address_refusal, check_token

# Routes ComfyUI serves under its base URL: a URL ending in one is a page, not the base.
COMFYUI_ROUTES = {
    "api", "system_stats", "extensions", "queue", "prompt", "history", "object_info",
    "settings", "features", "models", "view", "ws", "embeddings", "upload",
}  # fmt: skip
HEADERS_AGAIN = (
    "The address changed, and custom headers are never sent to another host: enter them again, "
    "or tick “Remove all custom headers”."
)


class WriteOnlyTextarea(forms.Textarea):
    """A textarea that never renders its value: what was typed in it may be a secret."""

    def format_value(self, value: Any) -> None:
        return None


def normalised_url(url: str) -> str:
    """The base URL as compared for duplicates: scheme, host, port and path without a final /."""
    scheme, host, port = origin(url)
    return f"{scheme}://{host}:{port}{urlsplit(url.strip()).path.rstrip('/')}"


class TeamForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="Shown on every runner card of the team.")


class TeamRunnerForm(forms.ModelForm):
    """A runner as a team member adds or changes it: a direct runner's address and headers, the
    name, tags and interval of every runner. The team and source are fixed by the page."""

    base_url = forms.CharField(
        label="Base URL",
        max_length=500,
        help_text="The ComfyUI server, e.g. http://10.0.0.5:8188, or its address behind a proxy.",
    )
    headers_text = forms.CharField(
        label="Custom headers",
        widget=WriteOnlyTextarea(attrs={"rows": 3, "autocomplete": "off", "spellcheck": "false"}),
        required=False,
        help_text=(
            "If a reverse proxy guards the server: one “Name: value” per line. Stored encrypted "
            "and never shown again; leave blank to keep the stored ones."
        ),
    )
    clear_headers = forms.BooleanField(required=False, label="Remove all custom headers")

    class Meta:
        model = Runner
        fields = ["name", "base_url", "tags", "poll_interval"]
        help_texts = {"tags": "Comma-separated, e.g. “a100, production”."}

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        if self.instance.pk is None:
            self.instance.team = team
            self.instance.source = Runner.Source.DIRECT
            del self.fields["clear_headers"]
        if self.instance.uses_comfycontrol:
            for name in ("base_url", "headers_text", "clear_headers"):
                self.fields.pop(name, None)

    @property
    def has_stored_headers(self) -> bool:
        runner = self.instance
        return runner.pk is not None and (not runner.headers_are_readable or bool(runner.headers))

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        slug = slugify(name)[:100]
        if not slug:
            raise forms.ValidationError("Use letters or digits in the name.")
        taken = Runner.objects.filter(team=self.team, slug=slug).exclude(pk=self.instance.pk)
        if taken.exists():
            raise forms.ValidationError("The team already has a runner of this name.")
        return name

    def clean_base_url(self) -> str:
        url = self.cleaned_data["base_url"].strip()
        if "://" not in url:
            url = f"http://{url}"
        _check_base_url(url)
        if refusal := address_refusal(url):
            raise forms.ValidationError(refusal)
        same = [
            runner.name
            for runner in Runner.objects.filter(team=self.team, source=Runner.Source.DIRECT)
            .exclude(pk=self.instance.pk)
            .only("name", "base_url")
            if normalised_url(runner.base_url) == normalised_url(url)
        ]
        if same:
            raise forms.ValidationError(f"The team already has this server as “{same[0]}”.")
        return url

    def clean_headers_text(self) -> dict[str, str] | None:
        text = self.cleaned_data["headers_text"]
        return parse_headers(text) if text.strip() else None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        new_headers, clear = cleaned.get("headers_text"), cleaned.get("clear_headers")
        if clear and new_headers:
            self.add_error("headers_text", "Either enter new headers or remove them, not both.")
        elif self._address_changed() and self.has_stored_headers and not (new_headers or clear):
            self.add_error("headers_text", HEADERS_AGAIN)
        return cleaned

    def _post_clean(self) -> None:
        if self.cleaned_data.get("clear_headers"):
            self.instance.headers = {}
        elif (headers := self.cleaned_data.get("headers_text")) is not None:
            self.instance.headers = headers
        failed = {name: len(errors) for name, errors in self._errors.items()}
        super()._post_clean()
        # A field the form refused keeps the form's message; the model's would only repeat it.
        for name, count in failed.items():
            del self._errors[name][count:]
        self.instance.slug = slugify(self.instance.name)[:100]

    def _address_changed(self) -> bool:
        new_url = self.cleaned_data.get("base_url")
        return (
            self.instance.pk is not None
            and new_url is not None
            and origin(new_url) != origin(self.instance.base_url)
        )

    @property
    def new_headers(self) -> dict[str, str]:
        """The headers to test a connection with: those typed, else the stored ones (unless the
        address changed: they are never sent to another host)."""
        if self.cleaned_data.get("headers_text") is not None:
            return self.cleaned_data["headers_text"]
        if self.cleaned_data.get("clear_headers") or self._address_changed():
            return {}
        runner = self.instance
        return dict(runner.headers or {}) if runner.headers_are_readable else {}


def _check_base_url(url: str) -> None:
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        raise forms.ValidationError("Use an http:// or https:// URL.")
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise forms.ValidationError("The port is not a number from 1 to 65535.") from None
    if not parts.hostname:
        raise forms.ValidationError("Enter the server's address, e.g. http://10.0.0.5:8188.")
    if parts.username or parts.password:
        raise forms.ValidationError("Put credentials in custom headers, not in the URL.")
    if parts.query or parts.fragment:
        raise forms.ValidationError(
            "ComfyUI serves no page with a query or #fragment here: enter only its base URL."
        )
    last = [segment for segment in parts.path.split("/") if segment][-1:]
    if last and last[0].lower() in COMFYUI_ROUTES:
        raise forms.ValidationError(
            f"“/{last[0]}” is a ComfyUI route, not the server's base URL: remove it, "
            "e.g. http://10.0.0.5:8188."
        )


class TokenForm(forms.Form):
    """A token to add or to put in place of another; valid once ComfyControl accepts it,
    and then `plan` is the account's plan."""

    plan = ""
    label = forms.CharField(max_length=100, help_text="What the token is for, e.g. “studio pro”.")
    secret = forms.CharField(
        label="Token",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Paste the cfc_… token you made in ComfyControl's web UI.",
    )

    def __init__(self, *args: Any, team: Team, replacing: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.team = team
        if replacing:
            del self.fields["label"]

    def clean_label(self) -> str:
        label = self.cleaned_data["label"].strip()
        if self.team.tokens.filter(label=label).exists():
            raise forms.ValidationError("The team already has a token with this label.")
        return label

    def clean_secret(self) -> str:
        secret = self.cleaned_data["secret"].strip()
        if len(secret) < 8 or any(c.isspace() for c in secret):
            raise forms.ValidationError("That does not look like an API token.")
        if self.has_error("label"):
            return secret  # not worth a request to ComfyControl until the label is right
        checked = check_token(secret)
        if not checked.ok:
            raise forms.ValidationError(checked.sentence)
        self.plan = checked.plan
        return secret


class InviteForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices, initial=Membership.Role.MEMBER)


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=Membership.Role.choices)


class SignUpForm(UserCreationForm):
    """An account made on an invite page."""
