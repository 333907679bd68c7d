import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comfyweb.settings")
application = get_asgi_application()

from comfyweb.startup import settle  # noqa: E402  (needs the settings above)

settle()
