"""Response headers every page comfyweb renders gets (static files are served before this)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_cache_control


def no_store(get_response: Callable[[HttpRequest], HttpResponse]) -> Callable:
    """Mark every response `Cache-Control: no-store`.

    Pages show a team's runners or sit behind a secret share URL, so no browser or proxy may
    keep a copy. A response that chose a max-age (a status badge) keeps it.
    """

    def middleware(request: HttpRequest) -> HttpResponse:
        response = get_response(request)
        if "max-age" not in response.get("Cache-Control", ""):
            patch_cache_control(response, no_store=True)
        return response

    return middleware
