"""Wire shapes of the 1EdTech Open Badges API 3.0 (https://www.imsglobal.org/spec/ob/v3p0/#api): its scopes, the
dynamic registration request (RFC 7591 §2 as OB 3.0 profiles it) and the Imsx_StatusInfo error body. Member names
are the specifications' own (snake_case in OAuth, imsx_* in the 1EdTech status shape)."""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

_SCOPE = "https://purl.imsglobal.org/spec/ob/v3p0/scope/"
CREDENTIAL_READONLY = f"{_SCOPE}credential.readonly"
CREDENTIAL_UPSERT = f"{_SCOPE}credential.upsert"
PROFILE_READONLY = f"{_SCOPE}profile.readonly"
PROFILE_UPDATE = f"{_SCOPE}profile.update"

# OB 3.0 §"Scopes" (https://www.imsglobal.org/spec/ob/v3p0/#scopes), each with the text the consent page shows.
OB_SCOPES: dict[str, str] = {
    CREDENTIAL_READONLY: "Permission to read OpenBadgeCredentials for the authenticated entity.",
    CREDENTIAL_UPSERT: "Permission to create or update OpenBadgeCredentials for the authenticated entity.",
    PROFILE_READONLY: "Permission to read the profile for the authenticated entity.",
    PROFILE_UPDATE: "Permission to update the profile for the authenticated entity.",
}
# The operations this service answers: it issues credentials and holds its holders' profiles, so it lets a wallet
# read both; it accepts no credential from a wallet (upsertCredential) and no profile change (putProfile). A grant
# is narrowed to these (OB 3.0: the authorization response's scope "MAY be a subset").
SERVED_SCOPES = (CREDENTIAL_READONLY, PROFILE_READONLY)

# The consent page's words for each scope, as a holder reads them.
SCOPE_WORDS: dict[str, str] = {
    CREDENTIAL_READONLY: "Read your PAI credentials (the signed documents, as you could download them)",
    PROFILE_READONLY: "Read your profile: your name and e-mail address",
}


Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
Url = Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class ClientMetadata(msgspec.Struct, frozen=True, omit_defaults=True):
    """A registration request (RFC 7591 §2; OB 3.0 "Register with Authorization Server"). Members the server does
    not understand are ignored (RFC 7591 §2), so unknown fields are not refused."""

    client_name: Name
    client_uri: Url
    logo_uri: Url
    tos_uri: Url
    policy_uri: Url
    software_id: Name
    software_version: Name
    redirect_uris: Annotated[list[Url], msgspec.Meta(max_length=10)]
    scope: Annotated[str, msgspec.Meta(max_length=1000)]
    token_endpoint_auth_method: Name | None = None
    grant_types: Annotated[list[Name], msgspec.Meta(max_length=5)] | None = None
    response_types: Annotated[list[Name], msgspec.Meta(max_length=5)] | None = None
    contacts: Annotated[list[Annotated[str, msgspec.Meta(max_length=320)]], msgspec.Meta(max_length=10)] | None = None


CodeMajor = Literal["success", "processing", "failure", "unsupported"]
Severity = Literal["status", "warning", "error"]
# Imsx_CodeMinorFieldValue of the OB 3.0 data model (https://www.imsglobal.org/spec/ob/v3p0/#imsx_codeminorfieldvalue).
CodeMinorValue = Literal[
    "forbidden",
    "fullsuccess",
    "internal_server_error",
    "invalid_data",
    "invalid_query_parameter",
    "misdirected_request",
    "not_acceptable",
    "not_allowed",
    "not_found",
    "not_modified",
    "server_busy",
    "unauthorizedrequest",
    "unknown",
]


class CodeMinorField(msgspec.Struct, frozen=True):
    imsx_codeMinorFieldName: str  # noqa: N815 - the 1EdTech member name
    imsx_codeMinorFieldValue: CodeMinorValue  # noqa: N815


class CodeMinor(msgspec.Struct, frozen=True):
    imsx_codeMinorField: list[CodeMinorField]  # noqa: N815


class StatusInfo(msgspec.Struct, frozen=True):
    """Imsx_StatusInfo (https://www.imsglobal.org/spec/ob/v3p0/#imsx_statusinfo): the body of every error answer of
    the OB API's resource endpoints."""

    imsx_codeMajor: CodeMajor  # noqa: N815
    imsx_severity: Severity
    imsx_description: str | None = None
    imsx_CodeMinor: CodeMinor | None = None  # noqa: N815


def status_info(minor: CodeMinorValue, description: str) -> StatusInfo:
    """A failure, reported by this system ("TargetEndSystem", the CDM's default field name)."""
    return StatusInfo(
        imsx_codeMajor="failure",
        imsx_severity="error",
        imsx_description=description,
        imsx_CodeMinor=CodeMinor([CodeMinorField("TargetEndSystem", minor)]),
    )
