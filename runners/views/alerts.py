"""The team's alerts page: channels (add, test, delete), rules, overrides and delivery logs.
Owners only."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from runners import access
from runners.alerts import rules, setup
from runners.alerts.forms import ChannelForm, RulesForm, RunnerRuleForm
from runners.models import Channel, Delivery, Membership, Team


@login_required
def alerts_page(request: HttpRequest, team: str) -> HttpResponse:
    return _page(request, access.get_owned_team(request.user, team))


@login_required
@require_POST
def add_channel(request: HttpRequest, team: str) -> HttpResponse:
    owned = access.get_owned_team(request.user, team)
    form = ChannelForm(request.POST)
    if not form.is_valid():
        return _page(request, owned, channel_form=form, status=400)
    data = form.cleaned_data
    channel, signing_secret = setup.create_channel(
        owned, data["kind"], data["label"], data["target"]
    )
    return _page(request, owned, new_channel=channel, signing_secret=signing_secret)


@login_required
@require_POST
def test_channel(request: HttpRequest, team: str, channel_id: int) -> HttpResponse:
    channel = _channel(request, team, channel_id)
    outcome = setup.send_test(channel)
    if outcome.state == Delivery.State.SENT:
        messages.success(request, f"The test alert reached “{channel.label}”.")
    else:
        messages.error(request, f"The test alert did not reach “{channel.label}”: {outcome.error}")
    return _back(team)


@login_required
@require_POST
def delete_channel(request: HttpRequest, team: str, channel_id: int) -> HttpResponse:
    channel = _channel(request, team, channel_id)
    channel.delete()
    messages.success(request, f"The channel “{channel.label}” was deleted.")
    return _back(team)


@login_required
@require_POST
def save_rules(request: HttpRequest, team: str) -> HttpResponse:
    owned = access.get_owned_team(request.user, team)
    form = RulesForm(request.POST, settings=rules.settings_for(owned.pk))
    if not form.is_valid():
        return _page(request, owned, rules_form=form, status=400)
    setup.save_rules(owned, form.settings())
    messages.success(request, "The rules were saved.")
    return _back(team)


@login_required
@require_POST
def runner_rule(request: HttpRequest, team: str) -> HttpResponse:
    owned = access.get_owned_team(request.user, team)
    form = RunnerRuleForm(request.POST, team_id=owned.pk)
    if not form.is_valid():
        return _page(request, owned, runner_rule_form=form, status=400)
    data = form.cleaned_data
    setup.set_runner_rule(data["runner"], data["kind"], data["setting"])
    messages.success(request, f"The rule was set for “{data['runner'].name}”.")
    return _back(team)


def _channel(request: HttpRequest, team: str, channel_id: int) -> Channel:
    owned = access.get_owned_team(request.user, team)
    return get_object_or_404(Channel.objects.select_related("team"), team=owned, pk=channel_id)


def _back(team: str) -> HttpResponse:
    return HttpResponseRedirect(reverse("team-alerts", args=[team]))


def _page(request: HttpRequest, team: Team, status: int = 200, **context: Any) -> HttpResponse:
    context.setdefault("channel_form", ChannelForm())
    context.setdefault("rules_form", RulesForm(settings=rules.settings_for(team.pk)))
    context.setdefault("runner_rule_form", RunnerRuleForm(team_id=team.pk))
    context.update(
        team=team,
        role=Membership.Role.OWNER,  # only owners reach these pages
        logs=setup.delivery_logs(team),
        overrides=setup.runner_overrides(team),
        notices=setup.notices_for(request.user),
    )
    return render(request, "alerts/alerts.html", context, status=status)
