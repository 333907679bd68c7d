import socket
import threading
from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from devtools.history import seed_history, shapes_for
from devtools.seeding import seed_fleet
from runners.models import Membership, Team
from runners.polling import collector
from runners.units import now_ts
from simulator import Fleet, SimulatorServer

# A few runners misbehave so the failure states can be seen.
DEMO_MODES = {"self_hosted": "flap", "direct": "status:500"}
COLLECTOR_WORKERS = 4


class Command(BaseCommand):
    help = (
        "Run the demo: migrate, start a simulated fleet at COMFYCONTROL_API_URL, seed a demo team "
        "with a week of history and the login demo/demo, keep polling it, and serve on "
        "127.0.0.1:8000."
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
        host, _, port = addr.rpartition(":")
        _check_free(host or "127.0.0.1", int(port), "choose another with `make demo PORT=8080`")
        _check_free("127.0.0.1", api.port, "choose another with `make demo SIM_PORT=8190`")
        call_command("migrate", verbosity=0)
        fleet = Fleet.generate(managed=4, self_hosted=3, direct=6, seed=1)
        for kind, mode in DEMO_MODES.items():
            fleet.set_mode(fleet.of_kind(kind)[-1].id, mode)
        with SimulatorServer(fleet, port=api.port) as simulator:
            team = self._demo_team()
            count = seed_fleet(team, fleet.describe(simulator.base_url))
            seeded = seed_history(shapes_for(team, fleet), now_ts())
            self.stdout.write(
                f"Simulated fleet of {count} runners at {simulator.base_url}"
                f"{f'; a week of history seeded ({seeded:,} fetches)' if seeded else ''}.\n"
                f"Open http://{addr}/ and log in as demo / demo."
            )
            stop = threading.Event()
            # History keeps growing while the demo runs, whether or not a page is open.
            polling = threading.Thread(
                target=collector.run, args=(COLLECTOR_WORKERS, stop), name="collector", daemon=True
            )
            polling.start()
            try:
                call_command("runserver", addr, use_reloader=False)
            finally:
                stop.set()

    def _demo_team(self) -> Team:
        team, _ = Team.objects.get_or_create(slug="demo", defaults={"name": "Demo team"})
        user = User.objects.filter(username="demo").first()
        if user is None:
            user = User.objects.create_superuser("demo", password="demo")
        Membership.objects.get_or_create(user=user, team=team, defaults={"role": "owner"})
        return team


def _check_free(host: str, port: int, hint: str) -> None:
    """Refuse a port something else listens on, in one line rather than a traceback."""
    with socket.socket() as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError:
            raise CommandError(f"Port {port} on {host} is in use: {hint}.") from None
