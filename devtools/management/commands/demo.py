from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from devtools.seeding import seed_fleet, seed_history
from runners.models import Membership, Team
from simulator import Fleet, SimulatorServer

# A few runners misbehave so the failure states can be seen.
DEMO_MODES = {"self_hosted": "flap", "direct": "status:500"}


class Command(BaseCommand):
    help = (
        "Run the demo: migrate, start a simulated fleet at COMFYCONTROL_API_URL, seed a demo team "
        "and the login demo/demo, and serve on 127.0.0.1:8000."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("--addr", default="127.0.0.1:8000")

    def handle(self, *args: Any, addr: str, **options: Any) -> None:
        api = urlsplit(settings.COMFYCONTROL_API_URL)
        if not settings.DEBUG or api.hostname != "127.0.0.1" or not api.port:
            raise CommandError(
                "The demo needs DEBUG=1 and COMFYCONTROL_API_URL=http://127.0.0.1:<port>; "
                "run it with `make demo`."
            )
        call_command("migrate", verbosity=0)
        fleet = Fleet.generate(managed=4, self_hosted=3, direct=6, seed=1)
        for kind, mode in DEMO_MODES.items():
            fleet.set_mode(fleet.of_kind(kind)[-1].id, mode)
        with SimulatorServer(fleet, port=api.port) as simulator:
            team = self._demo_team()
            count = seed_fleet(team, fleet.describe(simulator.base_url))
            seed_history(team, fleet)
            self.stdout.write(
                f"Simulated fleet of {count} runners at {simulator.base_url}.\n"
                f"Open http://{addr}/ and log in as demo / demo."
            )
            call_command("runserver", addr, use_reloader=False)

    def _demo_team(self) -> Team:
        team, _ = Team.objects.get_or_create(slug="demo", defaults={"name": "Demo team"})
        user = User.objects.filter(username="demo").first()
        if user is None:
            user = User.objects.create_superuser("demo", password="demo")
        Membership.objects.get_or_create(user=user, team=team, defaults={"role": "owner"})
        return team
