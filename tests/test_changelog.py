"""The log of version and extension-pack changes between successful fetches."""

from dataclasses import replace
from datetime import UTC, datetime

import pytest
import time_machine

from runners import polling
from runners.history import changelog
from runners.models import Runner, SoftwareChange
from runners.stats import RunnerStats, Version
from tests.bodies import load
from tests.factories import make_runner, make_team

CORE = "/extensions/core/widgetInputs.js"


def stats(comfyui="0.3.64", python="3.11.7", pytorch="2.4.1", packs=()):
    return RunnerStats(
        comfyui_version=Version.parse(comfyui),
        python_version=python,
        pytorch_version=pytorch,
        extensions=(CORE, *(f"/extensions/{pack}/main.js" for pack in packs)),
    )


def test_a_version_upgrade_is_a_change_from_before_to_after():
    assert changelog.differences(stats(comfyui="0.3.64"), stats(comfyui="0.3.65")) == [
        ("version", "ComfyUI", "0.3.64", "0.3.65")
    ]


def test_a_version_reported_for_the_first_time_changes_from_nothing():
    assert changelog.differences(stats(pytorch=None), stats(pytorch="2.5.0")) == [
        ("version", "PyTorch", "", "2.5.0")
    ]


def test_packs_added_and_removed_are_changes_in_pack_name_order():
    before = stats(packs=("ComfyUI-Manager", "rgthree-comfy"))
    after = stats(packs=("ComfyUI-Manager", "comfyui-kjnodes", "ComfyUI-Custom-Scripts"))

    assert changelog.differences(before, after) == [
        ("pack", "ComfyUI-Custom-Scripts", "", "installed"),
        ("pack", "comfyui-kjnodes", "", "installed"),
        ("pack", "rgthree-comfy", "installed", ""),
    ]


def test_an_extension_list_that_was_not_reported_removes_nothing():
    assert (
        changelog.differences(stats(packs=("rgthree-comfy",)), replace(stats(), extensions=()))
        == []
    )


@pytest.mark.django_db
def test_the_first_successful_fetch_logs_no_change():
    runner = make_runner(make_team())

    changelog.note(runner.pk, 1_700_000_000, None, stats())

    assert not SoftwareChange.objects.exists()


@pytest.mark.django_db
def test_polling_logs_what_changed_since_the_last_successful_fetch(httpserver):
    system_stats = load("comfyui-0.3.64-cpu/system_stats.json")
    extensions = load("comfyui-0.3.64-cpu/extensions.json")
    runner = make_runner(make_team(), base_url=httpserver.url_for(""), poll_interval=30)
    upgraded = {**system_stats, "system": {**system_stats["system"], "comfyui_version": "0.3.65"}}
    for i, (body, files) in enumerate(
        [(system_stats, extensions), (upgraded, [*extensions, "/extensions/new-pack/a.js"])]
    ):
        httpserver.clear_all_handlers()
        httpserver.expect_request("/api/system_stats").respond_with_json(body)
        httpserver.expect_request("/api/extensions").respond_with_json(files)
        with time_machine.travel(datetime.fromtimestamp(1_700_000_000 + 31 * i, tz=UTC)):
            polling.refresh(Runner.objects.get(pk=runner.pk))

    changes = changelog.recent(runner.pk)
    assert [(c.ts, c.item, c.before, c.after, c.action) for c in changes] == [
        (1_700_000_031, "ComfyUI", "0.3.64", "0.3.65", "changed"),
        (1_700_000_031, "new-pack", "", "installed", "added"),
    ]
