"""Factories for the badge, page and browser tests: an organisation holding a CAE, built through the HTTP API."""

from __future__ import annotations

from typing import Any

from tests.factories import Client, digest, issue, make_assessment, make_organization


async def make_cae(client: Client, headers: dict[str, str], **organization: Any) -> dict[str, Any]:
    fields = {"name": "Northwind Enterprise plc", "kind": "enterprise", **organization}
    org = await make_organization(client, headers, **fields)
    await make_assessment(
        client,
        headers,
        kind="compliance_audit",
        organizationId=org["id"],
        assessorIds=["auditor-1"],
        outcome="passed",
        evidenceDigest=digest(f"audit of {org['id']}"),
        nextReviewDue="2027-09-01",
    )
    credential = await issue(client, headers, tier="CAE", organizationId=org["id"])
    credential["organizationId"] = org["id"]
    return credential
