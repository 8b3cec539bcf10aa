"""W3C VC API (VCALM) endpoints: POST /credentials/issue, /credentials/verify, /presentations/prove and
/presentations/verify.

Shapes and status codes follow https://w3c-ccg.github.io/vc-api/ (issuer.yml, verifier.yml): issue answers 201
`{verifiableCredential}`, a malformed credential 422 (a body that does not decode, 400); credential verify answers
200 `{verified: true, ...}`, 400 when the credential is malformed and 422 when it is well-formed but does not
verify, each with `problemDetails`; presentation verify answers the same way, for the presentation and every
credential inside it.
POST /presentations/prove (the VC API holder service, holder.yml) answers 201 `{verifiablePresentation}`, signed with
the calling API client's own holder key (services/holder_keys.py), never the PAI's.
POST /credentials/status belongs to the status lifecycle (issue 4).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import msgspec
from litestar import Request, Response, Router, post
from litestar.openapi import ResponseSpec
from litestar.params import JSONBody

from verify_api.api.auth import require_scope
from verify_api.api.deps import Call, Conn, Now, RuntimeDep
from verify_api.api.openapi_examples import (
    VC_API_NOT_VERIFIED,
    VC_API_VERIFIED,
    signed_credential,
    signed_presentation,
    unsigned_presentation,
    vc_api_credential,
)
from verify_api.api.routes import example, public, scoped
from verify_api.api.verify import verification_rate_limit
from verify_api.errors import InvalidCredentialError
from verify_api.services import jose_issuance, vc_api, vc_api_prove, vc_api_verification
from verify_api.services.vc_api_verification import CredentialVerification, PresentationVerification
from verify_api.settings import Cryptosuite, Settings


class IssueCredentialStatusOption(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    """`options.credentialStatus` of the VC API's IssueCredentialOptions (vc-api issuer.yml before 2024-02): the type
    of status to include. Status is always included; the one type offered is BitstringStatusListEntry."""

    type: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]


class IssueOptions(msgspec.Struct, forbid_unknown_fields=True, rename="camel", kw_only=True):
    cryptosuite: Cryptosuite | None = None
    credential_id: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)] | None = None
    credential_status: IssueCredentialStatusOption | None = None
    # VC-JOSE-COSE (services/jose_issuance.py): `format` application/vc+jwt (or `Accept: application/vc+jwt`) secures
    # the credential as a JWT, signed with `alg` EdDSA (the Ed25519 key, the default) or ES256 (the P-256 key).
    format: Literal["application/vc", "application/vc+jwt", "application/vc+sd-jwt"] | None = None
    alg: Literal["EdDSA", "ES256"] | None = None
    # SD-JWT (`format` application/vc+sd-jwt, VC-JOSE-COSE §3.2.1): the claims made selectively disclosable, as JSON
    # Pointers (RFC 6901; default: the subject's name), and the holder's public JWK to bind it to (`cnf`, RFC 7800).
    selectively_disclosable: (
        Annotated[list[Annotated[str, msgspec.Meta(min_length=2, max_length=500)]], msgspec.Meta(max_length=64)] | None
    ) = None
    holder_jwk: dict[str, Any] | None = None


class VcApiIssueCredentialRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    credential: dict[str, Any]
    options: IssueOptions | None = None


class IssueCredentialResponse(msgspec.Struct, rename="camel"):
    verifiable_credential: dict[str, Any]


class VerifyCredentialRequest(msgspec.Struct, rename="camel", kw_only=True):
    verifiable_credential: dict[str, Any] | str
    options: dict[str, Any] | None = None


class VerifyPresentationOptions(msgspec.Struct, rename="camel", kw_only=True):
    challenge: str | None = None
    domain: str | None = None
    return_presentation: bool = False


class VerifyPresentationRequest(msgspec.Struct, rename="camel", kw_only=True):
    verifiable_presentation: dict[str, Any] | None = None
    presentation: dict[str, Any] | None = None
    options: VerifyPresentationOptions | None = None


@scoped(
    post,
    "/credentials/issue",
    scope="issue",
    operation_id="VcApiIssueCredential",
    tags=["vc-api"],
    status_code=201,
    summary="Issue a credential (VC API)",
    description="W3C VC API `POST /credentials/issue`: sign a credential that is not a PAI certification; it is "
    "entered in the register with revocation and suspension BitstringStatusListEntry entries, so POST "
    "/credentials/status can change its status. `options.format` application/vc+jwt, or `Accept: "
    "application/vc+jwt`, secures it as a VC-JOSE-COSE JWT (`options.alg` EdDSA or ES256): answered as an "
    "EnvelopedVerifiableCredential, or as the bare JWT when that is what Accept asks for. `options.format` "
    "application/vc+sd-jwt (or that Accept) secures it as an SD-JWT (VC-JOSE-COSE §3.2.1, RFC 9901): the subject's "
    "name, or the claims `options.selectivelyDisclosable` points to, selectively disclosable, bound to "
    "`options.holderJwk` when given.",
    responses={
        201: ResponseSpec(
            IssueCredentialResponse, generate_examples=False, description="Credential successfully issued"
        )
    },
    body_examples=[
        example(
            "A Data Integrity proof (eddsa-rdfc-2022)",
            {"credential": vc_api_credential(id="urn:uuid:7d0c6f2a-1b1e-4a4e-9b55-4b0c9d2b3f10")},
        ),
        example(
            "A VC-JOSE-COSE JWT",
            {"credential": vc_api_credential(), "options": {"format": "application/vc+jwt", "alg": "EdDSA"}},
        ),
        example(
            "An SD-JWT with the subject's name selectively disclosable",
            {
                "credential": vc_api_credential(
                    credentialSubject={"id": "did:example:ebfeb1f712ebc6f1c276e12ec21", "name": "Jane Doe"}
                ),
                "options": {"format": "application/vc+sd-jwt", "alg": "EdDSA"},
            },
        ),
    ],
)
async def issue_credential(
    request: Request[Any, Any, Any], data: JSONBody[VcApiIssueCredentialRequest], conn: Conn, call: Call
) -> Response[Any]:
    options = data.options or IssueOptions()
    best = request.accept.best_match([_JSON, _VC_JWT, _VC_SD_JWT])
    if best == _VC_SD_JWT or options.format == _VC_SD_JWT:
        return await _issue_sd_jwt(data.credential, options, conn, call, bare=best == _VC_SD_JWT)
    if options.selectively_disclosable is not None or options.holder_jwk is not None:
        raise InvalidCredentialError(
            "options.selectivelyDisclosable and options.holderJwk apply to an SD-JWT (options.format "
            "application/vc+sd-jwt)",
            path="options.format",
        )
    wants_jwt_body = best == _VC_JWT
    if wants_jwt_body or options.format == jose_issuance.VC_JWT_MEDIA_TYPE or options.alg is not None:
        if options.format == "application/vc":
            raise InvalidCredentialError(
                "options.alg (or Accept: application/vc+jwt) asks for a JWT, options.format for application/vc",
                path="options.format",
            )
        if options.cryptosuite is not None:
            raise InvalidCredentialError(
                "options.cryptosuite names a Data Integrity proof; a JWT is secured by options.alg", path="options"
            )
        wanted = vc_api.IssueOptions(None, _credential_id(data.credential, options), call.actor, options.alg)
        token = await jose_issuance.issue_jwt_credential(conn, call.ctx, data.credential, wanted, now=call.now)
        if wants_jwt_body:
            return Response(token, media_type=_VC_JWT, status_code=201)
        envelope = IssueCredentialResponse(verifiable_credential=jose_issuance.enveloped_credential(token))
        return Response(envelope, status_code=201)
    if options.credential_status is not None and options.credential_status.type != "BitstringStatusListEntry":
        raise InvalidCredentialError(
            f"options.credentialStatus.type {options.credential_status.type!r} is not offered; this issuer adds "
            "BitstringStatusListEntry entries (revocation and suspension)",
            path="options.credentialStatus.type",
        )
    wanted = vc_api.IssueOptions(options.cryptosuite, _credential_id(data.credential, options), call.actor)
    signed = await vc_api.issue_credential(conn, call.ctx, data.credential, wanted, now=call.now)
    return Response(IssueCredentialResponse(verifiable_credential=signed), status_code=201)


_JSON, _VC_JWT, _VC_SD_JWT = "application/json", jose_issuance.VC_JWT_MEDIA_TYPE, jose_issuance.VC_SD_JWT_MEDIA_TYPE


async def _issue_sd_jwt(
    credential: dict[str, Any], options: IssueOptions, conn: Conn, call: Call, *, bare: bool
) -> Response[Any]:
    """VC-JOSE-COSE §3.2.1: an SD-JWT, answered as an EnvelopedVerifiableCredential (`data:application/vc+sd-jwt,`)
    or, when Accept asks for application/vc+sd-jwt, as the bare SD-JWT."""
    if options.cryptosuite is not None:
        raise InvalidCredentialError(
            "options.cryptosuite names a Data Integrity proof; an SD-JWT is secured by options.alg", path="options"
        )
    wanted = vc_api.IssueOptions(None, _credential_id(credential, options), call.actor, options.alg)
    asked = jose_issuance.SelectiveDisclosure(
        tuple(options.selectively_disclosable) if options.selectively_disclosable is not None else None,
        options.holder_jwk,
    )
    token = await jose_issuance.issue_sd_jwt_credential(conn, call.ctx, credential, wanted, asked, now=call.now)
    if bare:
        return Response(token, media_type=_VC_SD_JWT, status_code=201)
    envelope = jose_issuance.enveloped_credential(token, _VC_SD_JWT)
    return Response(IssueCredentialResponse(verifiable_credential=envelope), status_code=201)


def _credential_id(credential: dict[str, Any], options: IssueOptions) -> str | None:
    if options.credential_id is not None and "id" in credential and credential["id"] != options.credential_id:
        raise InvalidCredentialError("options.credentialId differs from credential.id", path="options.credentialId")
    return options.credential_id


def _verdict_responses(body: type[Any]) -> dict[int, ResponseSpec]:
    """The VC API answers a credential that does not verify with its result, not a problem: 400 malformed, 422 not
    verified. (A body that is not JSON at all is still a 400 problem; api.routes lists both.)"""
    return {
        400: ResponseSpec(body, generate_examples=False, description="Malformed: a format check failed"),
        422: ResponseSpec(body, generate_examples=False, description="Well-formed, but it does not verify"),
    }


@public(
    post,
    "/credentials/verify",
    operation_id="VcApiVerifyCredential",
    tags=["vc-api"],
    status_code=200,
    summary="Verify a credential (VC API)",
    description="W3C VC API `POST /credentials/verify`: 200 `{verified: true, ...}`; 400 when the credential is "
    "malformed and 422 when it is well-formed but does not verify, each with `problemDetails` (a verification "
    "result, not a problem document).",
    rate_limited=True,
    responses=_verdict_responses(CredentialVerification),
    body_examples=[example("A credential", {"verifiableCredential": signed_credential()})],
    response_examples={
        200: [example("Verified", VC_API_VERIFIED)],
        422: [example("The proof does not verify", VC_API_NOT_VERIFIED)],
    },
)
async def verify_credential(
    data: JSONBody[VerifyCredentialRequest], conn: Conn, runtime: RuntimeDep, now: Now
) -> Response[CredentialVerification]:
    outcome = await vc_api_verification.verify_credential(
        conn, runtime, data.verifiable_credential, now=now, options=data.options
    )
    return Response(outcome.body, status_code=_status_of(outcome.body.verified, malformed=outcome.malformed))


@public(
    post,
    "/presentations/verify",
    operation_id="VcApiVerifyPresentation",
    tags=["vc-api"],
    status_code=200,
    summary="Verify a presentation (VC API)",
    description="W3C VC API `POST /presentations/verify`: the presentation's proof (with `options.challenge` and "
    "`options.domain` when given) and every credential inside it; answered as POST /credentials/verify is.",
    rate_limited=True,
    responses=_verdict_responses(PresentationVerification),
    body_examples=[
        example(
            "A presentation with challenge and domain",
            {
                "verifiablePresentation": signed_presentation(),
                "options": {"challenge": "1f44d55f-f161-4938-a659-f8026467f126", "domain": "hiring.example.com"},
            },
        )
    ],
)
async def verify_presentation(
    data: JSONBody[VerifyPresentationRequest], conn: Conn, runtime: RuntimeDep, now: Now
) -> Response[PresentationVerification]:
    presentation = data.verifiable_presentation or data.presentation
    if presentation is None:
        raise InvalidCredentialError("send verifiablePresentation (or presentation, for one without a proof)")
    options = data.options or VerifyPresentationOptions()
    checks = vc_api_verification.PresentationChecks(
        options.challenge, options.domain, require_proof=data.verifiable_presentation is not None
    )
    outcome = await vc_api_verification.verify_presentation(conn, runtime, presentation, checks, now=now)
    if options.return_presentation:
        outcome.body.verifiable_presentation = presentation
    return Response(outcome.body, status_code=_status_of(outcome.body.verified, malformed=outcome.malformed))


class ProvePresentationOptions(msgspec.Struct, forbid_unknown_fields=True, rename="camel", kw_only=True):
    """VC API PresentCredentialOptions (holder.yml), as far as this holder service offers them: a Data Integrity
    proof (type DataIntegrityProof, eddsa-rdfc-2022 by default or eddsa-jcs-2022, proofPurpose authentication,
    verificationMethod the client's own) or, with `format` application/vp+jwt, a VC-JOSE-COSE vp+jwt; `challenge`
    and `domain` bind it to one verifier's request."""

    type: Literal["DataIntegrityProof"] | None = None
    cryptosuite: vc_api_prove.PresentationCryptosuite | None = None
    proof_purpose: Literal["authentication"] | None = None
    verification_method: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)] | None = None
    challenge: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)] | None = None
    domain: Annotated[str, msgspec.Meta(min_length=1, max_length=1000)] | None = None
    format: Literal["application/vp", "application/vp+jwt"] | None = None


class ProvePresentationRequest(msgspec.Struct, forbid_unknown_fields=True, kw_only=True):
    presentation: dict[str, Any]
    options: ProvePresentationOptions | None = None


class ProvePresentationResponse(msgspec.Struct, rename="camel"):
    verifiable_presentation: dict[str, Any]


@scoped(
    post,
    "/presentations/prove",
    scope="prove",
    operation_id="VcApiProvePresentation",
    tags=["vc-api"],
    status_code=201,
    summary="Sign a presentation as its holder (VC API)",
    description="VC API holder service `POST /presentations/prove`: sign an unsecured presentation with the calling "
    "API client's own holder key (an Ed25519 did:key made on its first presentation, retired when the API key is "
    "rotated or revoked; never the PAI's key), which becomes the presentation's `holder`. A Data Integrity proof "
    "(eddsa-rdfc-2022, or `options.cryptosuite` eddsa-jcs-2022) with proofPurpose `authentication` and "
    "`options.challenge` / `options.domain`; with `options.format` application/vp+jwt a VC-JOSE-COSE vp+jwt "
    "(challenge in `nonce`, domain in `aud`) answered as an EnvelopedVerifiablePresentation. Needs scope `prove`.",
    responses={
        201: ResponseSpec(
            ProvePresentationResponse, generate_examples=False, description="Presentation successfully signed"
        )
    },
    body_examples=[
        example(
            "A Data Integrity proof for a verifier's challenge and domain",
            {
                "presentation": unsigned_presentation(),
                "options": {"challenge": "1f44d55f-f161-4938-a659-f8026467f126", "domain": "hiring.example.com"},
            },
        ),
        example(
            "A vp+jwt",
            {
                "presentation": unsigned_presentation(),
                "options": {"format": "application/vp+jwt", "challenge": "1f44d55f-f161-4938-a659-f8026467f126"},
            },
        ),
    ],
)
async def prove_presentation(
    data: JSONBody[ProvePresentationRequest], conn: Conn, call: Call
) -> Response[ProvePresentationResponse]:
    options = data.options or ProvePresentationOptions()
    jwt = options.format == vc_api_prove.VP_JWT_MEDIA_TYPE
    if jwt and (options.cryptosuite is not None or options.type is not None):
        raise InvalidCredentialError(
            "options.format application/vp+jwt secures the presentation as a JWT; options.type and "
            "options.cryptosuite name a Data Integrity proof",
            path="options",
        )
    assert call.actor is not None, "a scoped route has an API client"
    wanted = vc_api_prove.ProveOptions(
        challenge=options.challenge,
        domain=options.domain,
        cryptosuite=options.cryptosuite or "eddsa-rdfc-2022",
        jwt=jwt,
        verification_method=options.verification_method,
    )
    signed = await vc_api_prove.prove_presentation(
        conn, call.ctx, data.presentation, wanted, client_id=call.actor, now=call.now
    )
    return Response(ProvePresentationResponse(verifiable_presentation=signed), status_code=201)


def _status_of(verified: bool, *, malformed: bool) -> int:
    """200 verified; 400 malformed input (a failed format check, a credential sent as a string); 422 well-formed
    input that does not verify (proof, issuer, dates, status, register). The W3C suites require 4xx for both."""
    if verified:
        return 200
    return 400 if malformed else 422


def vc_api_routers(settings: Settings) -> list[Router]:
    """Issue needs an API key with scope `issue`, prove one with scope `prove`; the verify routes are public and
    share the verify rate limit."""
    issuing = Router(path="/", guards=[require_scope], route_handlers=[issue_credential, prove_presentation])
    verifying = Router(
        path="/",
        route_handlers=[verify_credential, verify_presentation],
        middleware=[verification_rate_limit(settings)],
    )
    return [issuing, verifying]
