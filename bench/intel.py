"""Fleet intelligence pages over 300 runners by 150 packs: server time and queries.

    .venv/bin/python -m bench.intel [--runners 300] [--packs 150] [--database-url postgres://…]

Seeds one team whose runners each have most of N packs (a few lack some, some run an older
ComfyUI), a third of them direct with a node inventory of 500 classes and model lists; then
times the extension matrix, the capacity finder and a workflow check with the test client.
Prints the figures as JSON: wall time, and the process's CPU time per request, which a busy
shared machine inflates less.
"""

from __future__ import annotations

import argparse
import random
import time

from bench.table import run_in_fresh_database

GIB = 1024**3
REPEATS = 30
WORKFLOW = "tests/fixtures/workflows/user-ui-subgraph-rgthree.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--runners", type=int, default=300)
    parser.add_argument("--packs", type=int, default=150)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    run_in_fresh_database(
        lambda runners: _measure(runners, args.packs), args.runners, args.database_url
    )


def _measure(runner_count: int, pack_count: int) -> dict[str, object]:
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from bench.common import percentiles

    call_command("collectstatic", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)
    user = _seed(runner_count, pack_count)
    client = Client()
    client.force_login(user)
    with open(WORKFLOW, "rb") as file:
        workflow = file.read().decode()
    pages = {
        "matrix": ("get", "/teams/bench/extensions/", {}),
        "finder": ("get", "/teams/bench/finder/?vram=20&packs=pack-001&up=on", {}),
        "finder with node classes": ("get", "/teams/bench/finder/?nodes=Seed+(rgthree)", {}),
        "workflow check": ("post", "/teams/bench/check/run/", {"text": workflow}),
    }
    figures: dict[str, object] = {
        "runners": runner_count, "packs": pack_count, "engine": connection.vendor,
    }  # fmt: skip
    for name, (method, url, data) in pages.items():
        times, cpu = [], []
        for _ in range(REPEATS):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = getattr(client, method)(url, data)
            times.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
            assert response.status_code == 200, response.status_code
        with CaptureQueriesContext(connection) as queries:
            getattr(client, method)(url, data)
        figures[name] = {
            **percentiles(times),
            "cpu ms": {k: v for k, v in percentiles(cpu).items() if k != "n"},
            "queries": len(queries),
            "kb": len(response.content) // 1024,
        }
    return figures


def _seed(count: int, pack_count: int):
    from django.contrib.auth.models import User
    from django.utils import timezone

    from runners.intel import drift, software
    from runners.models import Membership, Runner, RunnerState, Team
    from runners.polling.refresh import summary_columns
    from runners.stats import Device, RunnerStats, Version

    rng = random.Random(0)
    packs = [f"pack-{p:03}" for p in range(pack_count - 1)] + ["rgthree-comfy"]
    nodes = {f"Core{n}": "" for n in range(400)} | {"KSampler": "", "VAELoader": ""}
    nodes |= {f"{pack} node {n}": pack for pack in packs[:50] for n in range(2)}
    nodes["Seed (rgthree)"] = "rgthree-comfy"
    team = Team.objects.create(name="Bench", slug="bench")
    user = User.objects.create_user("viewer")
    Membership.objects.create(user=user, team=team, role=Membership.Role.MEMBER)
    runners = Runner.objects.bulk_create(
        Runner(team=team, name=f"runner-{i:04}", slug=f"runner-{i:04}", source="direct",
               base_url=f"http://10.0.{i // 250}.{i % 250}:8188", tags="bench")
        for i in range(count)
    )  # fmt: skip
    now = timezone.now()
    for i, runner in enumerate(runners):
        has = [p for p in packs if rng.random() > 0.05]
        stats = RunnerStats(
            comfyui_version=Version.parse("0.3.60" if i % 10 == 0 else "0.3.64"),
            devices=(Device("cuda", "NVIDIA A100", index=0, vram_total=80 * GIB,
                            vram_free=(i % 70) * GIB),),
            extensions=("/extensions/core/a.js", *(f"/extensions/{p}/main.js" for p in has)),
            queue_running=0, queue_pending=0,
        )  # fmt: skip
        RunnerState.objects.create(
            runner=runner, status="ok", fetched_at=now, succeeded_at=now,
            stats=stats.to_dict(), **summary_columns(stats),
        )  # fmt: skip
        row, _ = software.note_software(runner.pk, stats)
        if i % 3 == 0:
            models = {
                "checkpoints": ["sd_xl_base_1.0.safetensors"],
                "vae": ["sdxl_vae.safetensors"],
            }
            software.store_inventory(runner.pk, row.fingerprint, now, nodes, models)
    drift.update_team(team.pk)
    return user


if __name__ == "__main__":
    main()
