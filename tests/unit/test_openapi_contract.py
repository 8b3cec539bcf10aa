"""The OpenAPI document states each operation's contract: a summary that is not its operation id, a description,
a tag, its problem responses as application/problem+json with the Problem schema, and no colliding schema names.
Routes declared through api.routes `scoped`/`public` get this by default; one declared otherwise fails here."""

from __future__ import annotations

import json
from typing import Any, get_args

import pytest

from verify_api.cli.openapi_document import openapi_json
from verify_api.domain.lifecycle import REASONS
from verify_api.schemas import StatusReason

_METHODS = ("get", "put", "post", "delete", "patch")
PROBLEM = "application/problem+json"


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(openapi_json())
    return loaded


def operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
        if method in _METHODS
    ]


def expected_problems(name: str, operation: dict[str, Any]) -> set[str]:
    method, path = name.split(" ", 1)
    statuses = {"400", "503"}
    if "{" in path:
        statuses.add("404")
    if method in ("POST", "PUT", "PATCH"):
        statuses |= {"413", "422"}
    if operation.get("security"):
        statuses |= {"401", "403"}
    return statuses


def test_every_operation_has_a_summary_description_and_tag(document: dict[str, Any]) -> None:
    found = operations(document)
    assert len(found) >= 30
    for name, operation in found:
        summary = operation.get("summary", "")
        assert summary, f"{name} has no summary"
        assert summary.replace(" ", "") != operation["operationId"], f"{name}: the summary is the operation id"
        assert len(operation.get("description", "")) >= 40, f"{name} has no real description"
        assert operation.get("tags"), f"{name} has no tag"


def test_every_operation_declares_its_problem_responses(document: dict[str, Any]) -> None:
    for name, operation in operations(document):
        responses = operation["responses"]
        missing = expected_problems(name, operation) - set(responses)
        assert not missing, f"{name} declares no {sorted(missing)} response"
        for status, response in responses.items():
            if int(status) >= 400:
                content = response.get("content", {})
                assert PROBLEM in content, f"{name} {status} is not declared as {PROBLEM}"
                assert content[PROBLEM]["schema"] == {"$ref": "#/components/schemas/Problem"}


def test_rate_limited_routes_declare_429(document: dict[str, Any]) -> None:
    limited = {name for name, operation in operations(document) if "429" in operation["responses"]}
    assert {"GET /v1/lookup", "POST /v1/verify", "POST /credentials/verify", "POST /presentations/verify"} <= limited


def test_schema_names_do_not_collide(document: dict[str, Any]) -> None:
    # Litestar qualifies a name with its module (`schemas_X`, `api_vc_api_X`) when two structs share it.
    qualified = [name for name in document["components"]["schemas"] if "_" in name]
    assert qualified == []


def test_reason_codes_are_an_enum_of_every_action_reason(document: dict[str, Any]) -> None:
    assert set(get_args(StatusReason)) == {reason for reasons in REASONS.values() for reason in reasons}
    reason = document["components"]["schemas"]["StatusChangeRequest"]["properties"]["reason"]
    assert set(reason["enum"]) == set(get_args(StatusReason))
