"""The read-only API under /api/v1/: one NinjaAPI, a router per area, errors as JSON.

Every route needs a team API key (`Authorization: Bearer <key>`) and answers for its team only.
The OpenAPI document is served at /api/v1/openapi.json. An area adds its endpoints as a router
of its own: `api.add_router("/fleet", fleet_router)` (the capacity finder and the workflow
check of the fleet-intelligence area go there).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError

from runners.api import metrics
from runners.api.answers import BadParameter
from runners.api.auth import TeamKey
from runners.api.fleet_api import router as fleet_router
from runners.api.runners_api import router as runners_router

UNAUTHORIZED = "A valid API key is needed: send “Authorization: Bearer <key>”."

# No interactive docs page: it loads scripts from a CDN, which the strict CSP refuses.
api = NinjaAPI(
    title="comfyweb",
    version="1",
    description="Read-only access to one team's runners. Authenticate with a team API key.",
    auth=TeamKey(),
    urls_namespace="api",
    docs_url=None,
)
api.add_router("/runners", runners_router)
api.add_router("/fleet", fleet_router)


@api.get("/metrics", summary="Prometheus metrics", tags=["metrics"], include_in_schema=True)
def prometheus_metrics(request: HttpRequest, packs: bool = False) -> HttpResponse:
    """The team's runners in Prometheus' text format; `packs=true` adds one series per pack."""
    body = metrics.scrape(request.auth.team, packs=packs)
    return HttpResponse(body, content_type=metrics.CONTENT_TYPE)


def _error(request: HttpRequest, status: int, message: str, parameter: str | None = None):
    body = {"status": status, "message": message}
    if parameter is not None:
        body["parameter"] = parameter
    return api.create_response(request, body, status=status)


@api.exception_handler(ValidationError)
def _bad_parameter(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    first = exc.errors[0] if exc.errors else {}
    names = [part for part in first.get("loc", ()) if isinstance(part, str)]
    name = names[-1] if names else "request"
    message = f"Bad value for parameter “{name}”: {first.get('msg', 'invalid')}."
    return _error(request, 400, message, name)


@api.exception_handler(BadParameter)
def _refused_parameter(request: HttpRequest, exc: BadParameter) -> HttpResponse:
    message = f"Bad value for parameter “{exc.parameter}”: {exc.message}"
    return _error(request, 400, message, exc.parameter)


@api.exception_handler(AuthenticationError)
def _unauthorized(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return _error(request, 401, UNAUTHORIZED)


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _error(request, 404, "The key's team has no runner at this address.")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return _error(request, exc.status_code, str(exc))
