"""The OpenAPI document states each operation's contract: a summary that is not its operation id, a description,
a declared tag, its problem responses as application/problem+json with the Problem schema, an example of every
request body (and of the main answers), each example valid against its own schema, every closed set of codes as an
enum equal to the one tuple or Literal of domain/ it comes from, and no colliding schema names.
Routes declared through api.routes `scoped`/`public` get most of this by default; one declared otherwise fails here,
and so does a new route that takes a body without `body_examples=` (the message names it)."""

from __future__ import annotations

import json
from typing import Any, get_args

import jsonschema_rs
import pytest

from verify_api import problem_types
from verify_api.api.problems import PROBLEM_TYPES
from verify_api.api_key_schemas import ApiKeyScope, ApiKeyStatus
from verify_api.cli.openapi_document import openapi_json
from verify_api.domain.assessment_details import AssessmentKind, AssessmentOutcome
from verify_api.domain.lifecycle import PUBLIC_EVENTS, REASONS
from verify_api.domain.status_list import StatusPurpose
from verify_api.domain.tiers import OrganizationKind, SubjectKind, Tier
from verify_api.domain.verdict import PUBLIC_REASONS, RULE_SUSPENSIONS, PublicStatus, State
from verify_api.problem_types import VERIFICATION_PROBLEM_TYPES
from verify_api.settings import Cryptosuite
from verify_api.verification.report import Verdict

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


def _schema_names(document: dict[str, Any]) -> list[str]:
    return list(document["components"]["schemas"])


def test_schema_names_do_not_collide(document: dict[str, Any]) -> None:
    # Litestar qualifies a name with its module path (`schemas_X`, `api_vc_api_X`, `verify_api_...`) when two structs
    # share it; every name here is a plain PascalCase struct name.
    mangled = [name for name in _schema_names(document) if "_" in name or "." in name or not name[:1].isupper()]
    assert mangled == [], (
        f"schema names qualified by a module path (two wire structs share a name; rename one): {mangled}"
    )


def test_every_operation_has_a_declared_tag(document: dict[str, Any]) -> None:
    declared = {tag["name"]: tag.get("description", "") for tag in document.get("tags", [])}
    assert all(len(description) >= 10 for description in declared.values()), declared
    for name, operation in operations(document):
        undeclared = set(operation.get("tags", [])) - set(declared)
        assert not undeclared, f"{name}: tags {sorted(undeclared)} are not declared (app.openapi_config tags=)"
    used = {tag for _, operation in operations(document) for tag in operation["tags"]}
    assert set(declared) <= used, f"declared tags no operation uses: {sorted(set(declared) - used)}"


def _is_binary(schema: dict[str, Any]) -> bool:
    return schema.get("type") == "string" and schema.get("format") == "binary"


def test_every_request_body_has_an_example(document: dict[str, Any]) -> None:
    missing = []
    for name, operation in operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        structured = [media for media, body in content.items() if not _is_binary(body.get("schema", {}))]
        without = [media for media in structured if not content[media].get("examples")]
        if content and (without or not any(body.get("examples") for body in content.values())):
            missing.append(f"{name} ({operation['operationId']}): {without or sorted(content)}")
    assert missing == [], (
        "operations taking a body without a request example; give their scoped/public declaration "
        "body_examples=[example(...)] (api/routes.py):\n" + "\n".join(missing)
    )


def test_main_answers_have_examples(document: dict[str, Any]) -> None:
    reads = {
        ("GET", "/v1/credentials/{credential_id}", "200"),
        ("GET", "/v1/lookup", "200"),
        ("POST", "/v1/verify", "200"),
        ("POST", "/credentials/verify", "200"),
        ("POST", "/credentials/verify", "422"),
    }
    for method, path, status in reads:
        content = document["paths"][path][method.lower()]["responses"][status]["content"]
        assert content["application/json"].get("examples"), f"{method} {path} {status} shows no example"
    for name, operation in operations(document):
        for status, response in operation["responses"].items():
            if int(status) >= 400:
                assert response["content"][PROBLEM].get("examples"), f"{name} {status}: no problem example"


def _examples(document: dict[str, Any]) -> list[tuple[str, dict[str, Any], Any]]:
    """(where, schema, value) of every example of a request or response body in the document."""
    found = []
    for name, operation in operations(document):
        bodies = [("request", operation.get("requestBody", {}))]
        bodies += [(status, response) for status, response in operation["responses"].items()]
        for where, body in bodies:
            for media, described in body.get("content", {}).items():
                for key, shown in described.get("examples", {}).items():
                    found.append((f"{name} {where} {media} {key!r}", described.get("schema", {}), shown["value"]))
    return found


def test_every_example_matches_its_schema(document: dict[str, Any]) -> None:
    examples = _examples(document)
    assert len(examples) >= 60
    wrong = []
    for where, schema, value in examples:
        if _is_binary(schema):
            assert isinstance(value, dict | str), where  # a document or a token, sent as the body's bytes
            continue
        validator = jsonschema_rs.Draft202012Validator(
            {**schema, "components": document["components"]}, validate_formats=True
        )
        errors = [f"{error.instance_path}: {error.message}" for error in validator.iter_errors(value)]
        if errors:
            wrong.append(f"{where}: {errors[:3]}")
    assert wrong == [], "\n".join(wrong)


def _enum(document: dict[str, Any], schema: str, *path: str) -> list[Any]:
    node = document["components"]["schemas"][schema]
    for step in path:
        node = node[step]
    return list(node["enum"])


def test_each_status_change_declares_its_own_reasons(document: dict[str, Any]) -> None:
    for action, reasons in REASONS.items():
        operation = document["paths"][f"/v1/credentials/{{credential_id}}/{action}"]["post"]
        ref = operation["requestBody"]["content"]["application/json"]["schema"]["$ref"]
        assert _enum(document, ref.rsplit("/", 1)[-1], "properties", "reason") == list(reasons), action


# (schema, path to the enum, the one tuple or Literal of domain/ it must equal)
CLOSED_SETS: list[tuple[str, tuple[str, ...], tuple[Any, ...]]] = [
    ("CredentialView", ("properties", "status"), get_args(PublicStatus)),
    ("CredentialView", ("properties", "tier"), get_args(Tier)),
    ("CredentialView", ("properties", "statusReason"), (*PUBLIC_REASONS, None)),
    ("SubjectView", ("properties", "kind"), get_args(SubjectKind)),
    ("IssuedCredentialView", ("properties", "status"), get_args(PublicStatus)),
    ("RegistryCredentialView", ("properties", "tier"), get_args(Tier)),
    ("HistoryEntry", ("properties", "event"), PUBLIC_EVENTS),
    ("HistoryEntry", ("properties", "reason"), (*PUBLIC_REASONS, None)),
    ("IssueCredentialRequest", ("properties", "tier"), get_args(Tier)),
    ("VerificationReport", ("properties", "verdict"), (*get_args(Verdict), None)),
    ("VerificationReport", ("properties", "state"), (*get_args(State), None)),
    ("VerificationReport", ("properties", "reason"), (*PUBLIC_REASONS, None)),
    ("VerificationReport", ("properties", "tier"), (*get_args(Tier), None)),
    ("RegisterEntry", ("properties", "state"), get_args(State)),
    ("RegisterEntry", ("properties", "tier"), get_args(Tier)),
    ("RegisterEntry", ("properties", "subjectKind"), get_args(SubjectKind)),
    ("RegisterEntry", ("properties", "reason"), (*PUBLIC_REASONS, None)),
    ("StandingView", ("properties", "reason"), (*RULE_SUSPENSIONS, None)),
    ("AssessmentView", ("properties", "kind"), get_args(AssessmentKind)),
    ("AssessmentView", ("properties", "outcome"), get_args(AssessmentOutcome)),
    ("OrganizationView", ("properties", "kind"), get_args(OrganizationKind)),
    ("CreateOrganizationRequest", ("properties", "kind"), get_args(OrganizationKind)),
    ("ApiKeyView", ("properties", "status"), get_args(ApiKeyStatus)),
    ("ApiKeyView", ("properties", "scopes", "items"), get_args(ApiKeyScope)),
    ("CreateApiKeyRequest", ("properties", "scopes", "items"), get_args(ApiKeyScope)),
    ("Problem", ("properties", "type"), PROBLEM_TYPES),
    ("IssueCredentialRequest", ("properties", "cryptosuite"), (*get_args(Cryptosuite), None)),
    ("IssueOptions", ("properties", "cryptosuite"), (*get_args(Cryptosuite), None)),
    ("CredentialStatusEntry", ("properties", "statusPurpose"), get_args(StatusPurpose)),
    ("UpdateCredentialStatusResponse", ("properties", "statusPurpose"), get_args(StatusPurpose)),
    ("ProblemDetail", ("properties", "type"), VERIFICATION_PROBLEM_TYPES),
    ("Check", ("properties", "problemType"), (*VERIFICATION_PROBLEM_TYPES, None)),
]


@pytest.mark.parametrize(("schema", "path", "codes"), CLOSED_SETS, ids=[f"{s}.{p[1]}" for s, p, _ in CLOSED_SETS])
def test_closed_sets_are_enums_of_the_domain_tuple(
    document: dict[str, Any], schema: str, path: tuple[str, ...], codes: tuple[Any, ...]
) -> None:
    assert sorted(_enum(document, schema, *path), key=str) == sorted(codes, key=str)


def test_assessment_kinds_are_the_domain_kinds(document: dict[str, Any]) -> None:
    union = document["paths"]["/v1/assessments"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    kinds = [
        document["components"]["schemas"][arm["$ref"].rsplit("/", 1)[-1]]["properties"]["kind"]["const"]
        for arm in union["oneOf"]
    ]
    assert sorted(kinds) == sorted(get_args(AssessmentKind))


def test_every_verification_problem_type_is_in_the_enum() -> None:
    urls = {
        value
        for name, value in vars(problem_types).items()
        if name.isupper() and isinstance(value, str) and value.startswith("https://") and not value.endswith(("/", "#"))
    }
    assert urls == set(VERIFICATION_PROBLEM_TYPES)
