"""The served OpenAPI document describes the answers the API really gives."""

import jsonschema
import pytest

from tests.api.conftest import fetched_runner

pytestmark = pytest.mark.django_db

# A real request for every documented JSON route, and the answers to check.
REQUESTS = {
    "/api/v1/runners/": [({}, 200), ({"page": "x"}, 400)],
    "/api/v1/runners/{slug}": [({}, 200)],
    "/api/v1/runners/{slug}/history": [({"range": "1h"}, 200), ({"range": "1y"}, 400)],
    "/api/v1/fleet/extensions": [({}, 200), ({"sort": "random"}, 400)],
    "/api/v1/fleet/drift": [({}, 200)],
    "/api/v1/fleet/finder": [({"vram": "1"}, 200), ({"comfyui_max": "x"}, 400)],
}


@pytest.fixture
def document(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def test_the_document_lists_every_route_with_bearer_auth(document):
    assert set(document["paths"]) == {*REQUESTS, "/api/v1/metrics", "/api/v1/fleet/check"}
    schemes = document["components"]["securitySchemes"]
    assert [scheme["scheme"] for scheme in schemes.values()] == ["bearer"]


@pytest.mark.parametrize("path", REQUESTS)
def test_each_answer_matches_its_schema(document, api, team, simulator, path):
    fetched_runner(team, simulator, 0, slug="alpha")
    for params, status in REQUESTS[path]:
        response = api(path.removeprefix("/api/v1/").replace("{slug}", "alpha"), **params)
        assert response.status_code == status
        content = document["paths"][path]["get"]["responses"][str(status)]["content"]
        schema = content["application/json"]["schema"]
        jsonschema.validate(response.json(), {**schema, "components": document["components"]})


def test_an_unauthorized_answer_matches_its_schema(document, api):
    response = api("runners/", key=None)

    responses = document["paths"]["/api/v1/runners/"]["get"]["responses"]
    schema = responses["401"]["content"]["application/json"]["schema"]
    jsonschema.validate(response.json(), {**schema, "components": document["components"]})
