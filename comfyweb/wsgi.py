import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "comfyweb.settings")
application = get_wsgi_application()

from comfyweb.startup import settle  # noqa: E402  (needs the settings above)

settle()
