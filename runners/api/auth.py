"""The API's authentication: a team API key as `Authorization: Bearer <key>`."""

from __future__ import annotations

from django.http import HttpRequest
from ninja.security import HttpBearer

from runners.api import keys
from runners.models import ApiKey


class TeamKey(HttpBearer):
    """Sets `request.auth` to the active ApiKey; every answer is scoped to its team."""

    def __call__(self, request: HttpRequest) -> ApiKey | None:
        # Not ninja's own parsing: in DEBUG it logs an unexpected header, key and all.
        scheme, _, key = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            return None
        return self.authenticate(request, key.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiKey | None:
        return keys.api_key_for(token)
