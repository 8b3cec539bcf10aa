"""Wallet delivery by OpenID for Verifiable Credential Issuance 1.0 (pre-authorized code flow): the issuer's and
its authorization server's metadata, the Token, Nonce and Credential Endpoints, and the staff route that makes a
credential offer. Handlers parse, call one service and shape the answer; the protocol is services/oid4vci.py and
services/credential_offers.py.

The Token and Credential Endpoints answer refusals as the spec says, `application/json` `{"error",
"error_description"}` with `Cache-Control: no-store` (OID4VCI §6.3 and §8.3.1, RFC 6749 §5.2, RFC 6750 §3), not
as RFC 9457 problems: wallets read those codes. Everything else (a body too large, the database down) stays a
problem.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import parse_qsl, quote

from litestar import Request, Response, Router, get, post
from litestar.openapi import ResponseSpec
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_201_CREATED

from verify_api.api.cors import allow_any_origin
from verify_api.api.deps import Call, Conn, Now, RuntimeDep
from verify_api.api.routes import binary_body, example, public, scoped
from verify_api.errors import WalletRequestError
from verify_api.services.credential_offers import (
    PRE_AUTHORIZED_GRANT,
    create_credential_offer,
    exchange_pre_authorized_code,
)
from verify_api.services.oid4vci import (
    authorization_server_metadata,
    deliver_wallet_credential,
    issue_nonce,
    issuer_metadata,
)
from verify_api.wallet_schemas import WalletError, WalletOfferRequest, WalletOfferView

FORM_TYPE = "application/x-www-form-urlencoded"
MAX_FORM_BYTES = 8 * 1024
_NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}
_METADATA_CACHE = {"Cache-Control": "public, max-age=300"}
# RFC 6750 §3.1: these two are HTTP errors of their own; every other code is a 400.
_STATUS = {"invalid_token": 401, "invalid_client": 401, "insufficient_scope": 403}
# OID4VCI §8.3.1.2 / RFC 6749 §5.2: error_description is printable ASCII without '"' and '\'.
_NOT_DESCRIPTION = re.compile(r"[^\x20-\x21\x23-\x5b\x5d-\x7e]")


def wallet_error_response(exc: WalletRequestError) -> Response[WalletError]:
    status = _STATUS.get(exc.error, 400)
    headers = dict(_NO_STORE)
    if status == 401:
        headers["WWW-Authenticate"] = f'Bearer error="{exc.error}"'
    elif status == 403:
        headers["WWW-Authenticate"] = 'Bearer error="insufficient_scope"'
    description = _NOT_DESCRIPTION.sub("?", exc.detail)
    return Response(
        WalletError(exc.error, description), status_code=status, headers=headers, media_type="application/json"
    )


def _wallet_errors(*statuses: int) -> dict[int, ResponseSpec]:
    return {
        status: ResponseSpec(
            data_container=WalletError,
            media_type="application/json",
            description="Refused with the error code OID4VCI names (`error`, `error_description`)",
            generate_examples=False,
        )
        for status in statuses
    }


@public(
    get,
    "/.well-known/openid-credential-issuer",
    operation_id="GetCredentialIssuerMetadata",
    tags=["wallets"],
    summary="OID4VCI Credential Issuer Metadata",
    description="OpenID for Verifiable Credential Issuance 1.0 §12.2: this issuer's identifier (PUBLIC_BASE_URL), its "
    "authorization server, Credential and Nonce Endpoints, and `credential_configurations_supported`: each tier a "
    "person holds as `ldp_vc` (Data Integrity eddsa-rdfc-2022) and `jwt_vc_json` (a vc+jwt, EdDSA), bound to a "
    "did:key or did:jwk by a `jwt` key proof (EdDSA or ES256).",
    after_request=allow_any_origin,
)
async def credential_issuer_metadata(runtime: RuntimeDep) -> Response[dict[str, Any]]:
    return Response(issuer_metadata(runtime.settings), headers=_METADATA_CACHE, media_type="application/json")


@public(
    get,
    "/.well-known/oauth-authorization-server/oid4vci",
    operation_id="GetWalletAuthorizationServerMetadata",
    tags=["wallets"],
    summary="OAuth metadata of the wallet token endpoint",
    description="RFC 8414 metadata of the authorization server the Credential Issuer Metadata names "
    "(`{PUBLIC_BASE_URL}/oid4vci`, so the path is the well-known prefix and `/oid4vci`, RFC 8414 §3.1): its Token "
    "Endpoint, the pre-authorized code grant only, anonymous access (OID4VCI §12.3).",
    after_request=allow_any_origin,
)
async def wallet_authorization_server_metadata(runtime: RuntimeDep) -> Response[dict[str, Any]]:
    return Response(
        authorization_server_metadata(runtime.settings), headers=_METADATA_CACHE, media_type="application/json"
    )


@public(
    post,
    "/oid4vci/token",
    operation_id="RedeemPreAuthorizedCode",
    tags=["wallets"],
    status_code=200,
    summary="Exchange a pre-authorized code for an access token",
    description="OID4VCI §6 Token Endpoint (RFC 6749 §4.1.3 form body): `grant_type` "
    "`urn:ietf:params:oauth:grant-type:pre-authorized_code`, `pre-authorized_code` from the credential offer and "
    "`tx_code` when the offer asked for one. Answers `{access_token, token_type: Bearer, expires_in}`; refusals are "
    "400 `{error}`: `invalid_request` (a parameter missing, or a tx_code the offer did not ask for), `invalid_grant` "
    "(an unknown, expired or already used code, a wrong tx_code), `unsupported_grant_type`.",
    raw_body=binary_body([FORM_TYPE]),
    responses=_wallet_errors(400),
    body_examples=[
        example(
            "A pre-authorized code",
            f"grant_type={quote(PRE_AUTHORIZED_GRANT)}&pre-authorized_code=SplxlOBeZQQYbYS6WxSbIA&tx_code=493536",
            media_type=FORM_TYPE,
            description="OID4VCI §6.1's example; tx_code only when the offer asked for one.",
        )
    ],
)
async def wallet_token(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep, now: Now) -> Response[Any]:
    body = await request.body()
    try:
        if not request.headers.get("content-type", "").startswith(FORM_TYPE):
            raise WalletRequestError("invalid_request", f"send the token request as {FORM_TYPE}")
        if len(body) > MAX_FORM_BYTES:
            raise WalletRequestError("invalid_request", f"the token request is over {MAX_FORM_BYTES} bytes")
        try:
            pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body), errors="strict")
        except (UnicodeDecodeError, ValueError):
            raise WalletRequestError("invalid_request", "the form body cannot be read") from None
        names = [name for name, _ in pairs]
        repeated = sorted({name for name in names if names.count(name) > 1})
        if repeated:  # RFC 6749 §3.2: request parameters MUST NOT be included more than once
            raise WalletRequestError("invalid_request", f"repeated parameters: {', '.join(repeated)}")
        token = await exchange_pre_authorized_code(conn, runtime.settings, dict(pairs), now=now)
    except WalletRequestError as exc:
        return wallet_error_response(exc)
    answer = {"access_token": token.access_token, "token_type": token.token_type, "expires_in": token.expires_in}
    return Response(answer, headers=_NO_STORE, media_type="application/json")


@public(
    post,
    "/oid4vci/nonce",
    operation_id="GetWalletNonce",
    tags=["wallets"],
    status_code=200,
    summary="A fresh c_nonce for a key proof",
    description="OID4VCI §7 Nonce Endpoint: `{c_nonce}`, unpredictable, good for one Credential Request within "
    "OID4VCI_NONCE_SECONDS; no access token needed. `Cache-Control: no-store`.",
)
async def wallet_nonce(conn: Conn, runtime: RuntimeDep, now: Now) -> Response[dict[str, str]]:
    nonce = await issue_nonce(conn, runtime.settings, now=now)
    return Response({"c_nonce": nonce}, headers=_NO_STORE, media_type="application/json")


@public(
    post,
    "/oid4vci/credential",
    operation_id="IssueWalletCredential",
    tags=["wallets"],
    status_code=200,
    summary="Deliver the offered credential to a wallet",
    description="OID4VCI §8 Credential Endpoint: `Authorization: Bearer <access token>` and a JSON body "
    "`{credential_configuration_id, proofs: {jwt: [<proof JWT>]}}` (Appendix F.1: typ `openid4vci-proof+jwt`, the "
    "key in `jwk` or `kid` as a did:key/did:jwk URL, `aud` the Credential Issuer Identifier, `iat` fresh, `nonce` a "
    "c_nonce from the Nonce Endpoint). Answers `{credentials: [{credential}]}`: the holder's credential bound to that "
    "key, an object (ldp_vc) or a JWT (jwt_vc_json), sharing the original's status. Refusals: 401 `invalid_token`, "
    "403 `insufficient_scope`, 400 `invalid_credential_request`, `unknown_credential_configuration`, "
    "`invalid_proof`, `invalid_nonce`, `credential_request_denied`.",
    raw_body=binary_body(["application/json"]),
    responses=_wallet_errors(400, 401, 403),
    problems=[401, 403],
    body_examples=[
        example(
            "An ldp_vc for a did:key wallet",
            {
                "credential_configuration_id": "AIDA_ldp_vc",
                "proofs": {"jwt": ["eyJ0eXAiOiJvcGVuaWQ0dmNpLXByb29mK2p3dCIsImFsZyI6IkVkRFNBIiwia2lkIjoi..."]},
            },
            description="Sent with `Authorization: Bearer <access token>` from the Token Endpoint.",
        )
    ],
)
async def wallet_credential(
    request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep, now: Now
) -> Response[Any]:
    body = await request.body()
    try:
        answer = await deliver_wallet_credential(conn, runtime, request.headers.get("authorization"), body, now=now)
    except WalletRequestError as exc:
        return wallet_error_response(exc)
    return Response(answer, headers=_NO_STORE, media_type="application/json")


@scoped(
    post,
    "/credentials/{credential_id:str}/wallet-offers",
    scope=("issue", "manage"),
    operation_id="CreateWalletOffer",
    status_code=HTTP_201_CREATED,
    summary="Offer a holder's credential to a wallet",
    description="An OID4VCI credential offer (pre-authorized code flow) for a holder's credential that is valid now: "
    "the `openid-credential-offer://` URI (the offer by value), its QR code as SVG, and with `txCode: true` a 6-digit "
    "transaction code to give the holder apart from the QR. Single use; expires after OID4VCI_OFFER_MINUTES. "
    "409 for a credential that is not valid now or is an organisation's.",
    problems=[409],
    body_examples=[
        example("An offer", WalletOfferRequest()),
        example("An offer with a transaction code", WalletOfferRequest(tx_code=True)),
    ],
)
async def create_wallet_offer(
    conn: Conn, call: Call, credential_id: FromPath[str], data: JSONBody[WalletOfferRequest]
) -> WalletOfferView:
    offer = await create_credential_offer(
        conn, call.ctx, credential_id, now=call.now, actor=call.actor, with_tx_code=data.tx_code
    )
    return WalletOfferView(
        offer_id=offer.offer_id,
        credential_id=credential_id,
        offer_uri=offer.offer_uri,
        credential_offer=offer.offer,
        qr_svg=offer.qr_svg,
        tx_code=offer.tx_code,
        expires_at=offer.expires_at,
    )


OID4VCI_STAFF_HANDLERS = [create_wallet_offer]  # under /v1, behind the scope guard
oid4vci_router = Router(
    path="/",
    route_handlers=[
        credential_issuer_metadata,
        wallet_authorization_server_metadata,
        wallet_token,
        wallet_nonce,
        wallet_credential,
    ],
)
