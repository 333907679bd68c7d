from django.apps import AppConfig


class RunnersConfig(AppConfig):
    name = "runners"
    verbose_name = "Runners"

    def ready(self) -> None:
        from runners import checks, signals  # noqa: F401  (registers checks and receivers)
