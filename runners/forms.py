"""Forms. Secrets are write-only: a form never renders a stored token or header value."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode, urlsplit

from django import forms
from django.db.models import Case, F, Q, QuerySet, Value, When

from runners.history.trends import DEFAULT_RANGE, RANGES, TrendRange
from runners.models import ApiToken, Runner
from runners.status import GROUPS, group_filter
from runners.units import GIB

HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")
DEFAULT_PORTS = {"http": 80, "https": 443}
UNREADABLE_TOKEN = "The stored token cannot be decrypted with the configured keys; enter it again."
UNREADABLE_HEADERS = "cannot be decrypted with the configured keys; enter them again"
HEADERS_DROPPED = "Custom headers were removed because the address changed; enter them again."


def parse_headers(text: str) -> dict[str, str]:
    """Parse "Name: value" lines into a dict; raises ValidationError naming the bad line."""
    headers = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, value = line.partition(":")
        name, value = name.strip(), value.strip()
        if not sep or not HEADER_NAME.match(name) or not value:
            raise forms.ValidationError(f"Line {number} is not of the form “Name: value”.")
        headers[name] = value
    return headers


def describe_headers(runner: Runner) -> str:
    """Header names with the last 4 characters of each value: what admins may see."""
    if not runner.headers_are_readable:
        return UNREADABLE_HEADERS
    headers = runner.headers or {}
    return ", ".join(f"{name}: …{value[-4:]}" for name, value in sorted(headers.items())) or "none"


def origin(url: str) -> tuple[str, str, int | None]:
    """The scheme, host and port of a URL, the scheme's default port when none is written."""
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    return scheme, parts.hostname or "", port or DEFAULT_PORTS.get(scheme)


class ApiTokenForm(forms.ModelForm):
    secret = forms.CharField(
        label="Token",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        required=False,
        help_text="Paste the cfc_… token from ComfyControl. Leave blank to keep the stored one.",
    )

    class Meta:
        model = ApiToken
        fields = ["team", "label", "secret"]

    def clean_secret(self) -> str:
        secret = self.cleaned_data["secret"].strip()
        if not secret and self.instance.pk is None:
            raise forms.ValidationError("Enter the token.")
        if secret and (len(secret) < 8 or any(c.isspace() for c in secret)):
            raise forms.ValidationError("That does not look like an API token.")
        if not secret and not self.instance.secret_is_readable:
            raise forms.ValidationError(UNREADABLE_TOKEN)
        if secret:
            # A new token ends a refusal of the old one: its runners are polled again.
            self.instance.rejected_at, self.instance.rejected_status = None, ""
        return secret or self.instance.secret


class RunnerForm(forms.ModelForm):
    base_url = forms.URLField(
        label="Base URL",
        max_length=500,
        required=False,
        assume_scheme="http",
        help_text="For direct runners: the ComfyUI server, e.g. http://10.0.0.5:8188.",
    )
    headers_text = forms.CharField(
        label="Custom headers",
        widget=forms.Textarea(attrs={"rows": 3, "autocomplete": "off"}),
        required=False,
        help_text=(
            "For direct runners behind a proxy: one “Name: value” per line. Stored encrypted; "
            "leave blank to keep the current headers, which are removed when the scheme, host or "
            "port changes."
        ),
    )
    clear_headers = forms.BooleanField(required=False, label="Remove all custom headers")
    # Set when saving will drop the stored headers because the address changed (HEADERS_DROPPED).
    headers_dropped = False

    class Meta:
        model = Runner
        fields = [
            "team", "name", "slug", "source", "comfycontrol_id", "token", "base_url",
            "tags", "poll_interval", "paused", "notes",
        ]  # fmt: skip

    def clean_headers_text(self) -> dict[str, str] | None:
        text = self.cleaned_data["headers_text"]
        return parse_headers(text) if text.strip() else None

    def _post_clean(self) -> None:
        # Headers must be on the instance before Runner.clean() checks them against the source.
        new_headers = self.cleaned_data.get("headers_text")
        if self.cleaned_data.get("clear_headers"):
            self.instance.headers = {}
        elif new_headers is not None:
            self.instance.headers = new_headers
        elif self._has_stored_headers() and self._address_changed():
            # Stored headers are credentials for the old host; never send them to a new one.
            self.instance.headers = {}
            self.headers_dropped = True
        super()._post_clean()

    def _has_stored_headers(self) -> bool:
        return not self.instance.headers_are_readable or bool(self.instance.headers)

    def _address_changed(self) -> bool:
        new_url = self.cleaned_data.get("base_url")
        old_url = self.instance.base_url
        return (
            self.instance.pk is not None
            and new_url is not None
            and (origin(new_url) != origin(old_url))
        )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("clear_headers") and cleaned.get("headers_text"):
            raise forms.ValidationError("Either enter new headers or remove them, not both.")
        return cleaned


def _failing_first() -> Case:
    return Case(When(group_filter("failing"), then=Value(0)), default=Value(1))


class DashboardFilterForm(forms.Form):
    """The dashboard's filters, sort and view, read from the query string and applied to a
    queryset. The first sort is the default: failing runners first, then by name."""

    SORTS = {
        "attention": ("Failing first", [_failing_first(), "name", "team__name"]),
        "name": ("Name", ["name", "team__name"]),
        "team": ("Team", ["team__name", "name"]),
        "vram": ("Most free VRAM", [F("state__vram_free_max").desc(nulls_last=True), "name"]),
        "seen": ("Last seen", [F("state__succeeded_at").desc(nulls_last=True), "name"]),
    }
    VIEWS = [("cards", "Cards"), ("table", "Table")]
    FILTERS = ("q", "status", "team", "min_vram")

    q = forms.CharField(required=False, label="Search", max_length=100)
    status = forms.ChoiceField(
        required=False, label="Status", choices=[("", "Any status"), *GROUPS.items()]
    )
    team = forms.ChoiceField(required=False, label="Team")
    min_vram = forms.DecimalField(
        required=False,
        label="Free VRAM at least (GiB)",
        min_value=0,
        max_digits=6,
        decimal_places=1,
    )
    sort = forms.ChoiceField(
        required=False, label="Sort", choices=[(key, label) for key, (label, _) in SORTS.items()]
    )
    view = forms.ChoiceField(required=False, label="View", choices=VIEWS)
    page = forms.IntegerField(required=False, min_value=1)

    def __init__(self, *args: Any, teams: list[tuple[str, str]], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["team"].choices = [("", "All teams"), *teams]

    @property
    def is_filtered(self) -> bool:
        filters = self._cleaned()
        return any(filters.get(name) not in (None, "") for name in self.FILTERS)

    @property
    def chosen_view(self) -> str:
        return self._cleaned().get("view") or self.VIEWS[0][0]

    @property
    def chosen_sort(self) -> str:
        return self._cleaned().get("sort") or next(iter(self.SORTS))

    def apply(self, runners: QuerySet[Runner]) -> QuerySet[Runner]:
        """The runners that match the valid filters, in the chosen order."""
        filters = self._cleaned()
        if query := filters.get("q"):
            runners = runners.filter(
                Q(name__icontains=query)
                | Q(tags__icontains=query)
                | Q(state__gpu_models__icontains=query)
            )
        if status := filters.get("status"):
            runners = runners.filter(group_filter(status))
        if team := filters.get("team"):
            runners = runners.filter(team__slug=team)
        if (min_vram := filters.get("min_vram")) is not None:
            runners = runners.filter(state__vram_free_max__gte=int(min_vram * GIB))
        return runners.order_by(*self.SORTS[self.chosen_sort][1])

    def query_with(self, **changes: object) -> str:
        """This form's valid query string with some parameters changed ("" drops one)."""
        params = {**self._cleaned(), **changes}
        return urlencode({name: value for name, value in params.items() if value not in (None, "")})

    def _cleaned(self) -> dict[str, Any]:
        return self.cleaned_data if self.is_valid() else {}


class ShareLinkForm(forms.Form):
    EXPIRIES = [("1", "1 day"), ("7", "7 days"), ("30", "30 days"), ("", "Never")]

    label = forms.CharField(required=False, max_length=100, help_text="Who the link is for.")
    expires_in_days = forms.ChoiceField(choices=EXPIRIES, required=False, initial="7")


class TrendRangeForm(forms.Form):
    """The trend charts' time range, read from the query string (`?range=7d`)."""

    range = forms.ChoiceField(required=False, choices=[(key, key) for key in RANGES])

    def chosen(self) -> TrendRange:
        key = self.cleaned_data["range"] if self.is_valid() else ""
        return RANGES[key or DEFAULT_RANGE]
