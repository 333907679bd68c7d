from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from runners.models import ApiToken
from runners.polling.importer import import_runners
from runners.upstream.errors import UpstreamError


class Command(BaseCommand):
    help = "Bookmark every runner of a ComfyControl account, using one of a team's tokens."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--team", required=True, help="Team slug.")
        parser.add_argument("--token-label", required=True, help="Label of the team's token.")

    def handle(self, *args: Any, team: str, token_label: str, **options: Any) -> None:
        token = ApiToken.objects.filter(team__slug=team, label=token_label).first()
        if token is None:
            raise CommandError(f"Team {team!r} has no token labelled {token_label!r}.")
        try:
            result = import_runners(token)
        except UpstreamError as error:
            raise CommandError(error.sentence) from None
        self.stdout.write(str(result))
