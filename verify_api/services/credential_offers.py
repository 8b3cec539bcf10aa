"""Credential offers for wallets, and the Token Endpoint that redeems their pre-authorized code.

Spec: OpenID for Verifiable Credential Issuance 1.0 (https://openid.net/specs/openid-4-verifiable-credential-
issuance-1_0.html): §4.1 "Credential Offer" (sent by value in the `credential_offer` parameter of the wallet's
`openid-credential-offer://` endpoint, §4.1.2 and §12.1.1), §4.1.1 "Credential Offer Parameters" (the
`urn:ietf:params:oauth:grant-type:pre-authorized_code` grant, its `pre-authorized_code` and optional `tx_code`),
§6 "Token Endpoint" (§6.1 request, §6.2 response, §6.3 errors) and §13.5 on the pre-authorized code's replay and
the transaction code's guessing.

The code is short lived (OID4VCI_OFFER_MINUTES) and single use; it, the transaction code and the access token are
random 256-bit (the transaction code: 6 digits) values stored only as SHA-256 hashes, shown once. An offer is made
only for a holder's certification the one judgement calls valid now.

Offers are sent by value, never by reference: a `credential_offer_uri` would have to serve the code back from a
URL (where access logs keep it), and a by-value offer of one credential fits a QR code comfortably.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING
from urllib.parse import quote
from uuid import uuid4

import msgspec

from verify_api.badges.qr import QUIET_ZONE, qr_matrix, qr_svg_path
from verify_api.db.credential_offers import CredentialOffers, NewCredentialOffer, OfferAtToken
from verify_api.db.credentials import Credentials
from verify_api.errors import CredentialNotFoundError, CredentialNotOfferableError, WalletRequestError
from verify_api.services.judgement import judge_stored
from verify_api.services.transaction import run_in_transaction

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.services.context import ServiceContext
    from verify_api.settings import Settings

PRE_AUTHORIZED_GRANT = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
OFFER_SCHEME = "openid-credential-offer://"
CREDENTIAL_FORMATS = ("ldp_vc", "jwt_vc_json")
TX_CODE_LENGTH = 6
TX_CODE_DESCRIPTION = "The 6-digit code PAI Verify showed beside this QR code"


def token_hash(value: str) -> bytes:
    """What is stored of a code, transaction code, access token or nonce: its SHA-256."""
    return hashlib.sha256(value.encode("utf-8")).digest()


def configuration_id(tier: str, credential_format: str) -> str:
    """The `credential_configurations_supported` key of a tier in a format (§12.2.4), e.g. `AIDA_ldp_vc`."""
    return f"{tier}_{credential_format}"


def credential_issuer_identifier(settings: Settings) -> str:
    """§12.2.1: the Credential Issuer Identifier is this service's public origin (PUBLIC_BASE_URL)."""
    return settings.base_url


@dataclass(frozen=True)
class CredentialOffer:
    """A credential offer made for a wallet: the URI to open or scan, its QR code, and the secrets it holds.

    `offer_uri` is `openid-credential-offer://?credential_offer=<the offer JSON, percent-encoded>` (§4.1.2);
    `qr_svg` a standalone SVG image of it; `tx_code` the transaction code to tell the holder through another channel
    (None when the offer asks for none). Nothing here is stored but hashes; show it once."""

    offer_id: UUID
    offer_uri: str
    offer: dict[str, object]
    qr_svg: str
    tx_code: str | None
    expires_at: datetime


def credential_offer_object(
    settings: Settings, configuration_ids: list[str], code: str, *, with_tx_code: bool
) -> dict[str, object]:
    """§4.1.1: `credential_issuer`, `credential_configuration_ids` and the pre-authorized code grant (with the
    `tx_code` object when a transaction code is required: numeric, its length and where to find it)."""
    grant: dict[str, object] = {"pre-authorized_code": code}
    if with_tx_code:
        grant["tx_code"] = {"input_mode": "numeric", "length": TX_CODE_LENGTH, "description": TX_CODE_DESCRIPTION}
    return {
        "credential_issuer": credential_issuer_identifier(settings),
        "credential_configuration_ids": configuration_ids,
        "grants": {PRE_AUTHORIZED_GRANT: grant},
    }


def offer_uri_by_value(offer: dict[str, object]) -> str:
    """§4.1.2 "Sending Credential Offer by Value Using `credential_offer` Parameter", to the wallet's custom scheme
    (§12.1.1: `openid-credential-offer://` when the wallet's own offer endpoint is unknown)."""
    return f"{OFFER_SCHEME}?credential_offer={quote(msgspec.json.encode(offer).decode(), safe='')}"


def offer_qr_svg(text: str, *, size: int = 320) -> str:
    """The offer URI as a standalone SVG QR code (light quiet zone, dark modules, error correction level M)."""
    modules = len(qr_matrix(text)) + 2 * QUIET_ZONE
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 {size} {size}" '
        f'role="img" aria-label="QR code of a credential offer for a wallet ({modules} modules)">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<g fill="#000">{qr_svg_path(text, 0, 0, size)}</g></svg>'
    )


# PLR0913: the connection, context and credential, then keyword-only: the moment, who asks and the tx_code choice
async def create_credential_offer(  # noqa: PLR0913
    conn: Connection,
    ctx: ServiceContext,
    credential_id: str,
    *,
    now: datetime,
    actor: UUID | None = None,
    with_tx_code: bool = False,
) -> CredentialOffer:
    """Offer a holder's certification to a wallet (OID4VCI §4.1, pre-authorized code flow §3.5).

    The credential must be a person's certification that the one judgement calls valid now (revoked, suspended,
    expired, superseded ones cannot be offered: `CredentialNotOfferableError`). The offer names the tier's
    configurations in both formats (`ldp_vc`, `jwt_vc_json`); its pre-authorized code expires after
    OID4VCI_OFFER_MINUTES and is redeemed once. `with_tx_code` also asks the wallet for a 6-digit transaction code,
    returned here to be shown to the holder apart from the QR code (§13.5.1)."""
    settings = ctx.settings

    async def command() -> CredentialOffer:
        record = await Credentials(conn).get(credential_id)
        if record is None:
            raise CredentialNotFoundError(f"no credential {credential_id}")
        if record.holder_id is None:
            raise CredentialNotOfferableError(
                f"credential {credential_id} is an organisation's {record.tier}; only a holder's credential goes to a "
                "wallet"
            )
        verdict = await judge_stored(conn, record, settings=settings, now=now)
        if not verdict.valid:
            raise CredentialNotOfferableError(
                f"credential {credential_id} is {verdict.state.replace('_', ' ')}; only a valid credential can be "
                "offered to a wallet"
            )
        code = secrets.token_urlsafe(32)
        tx_code = "".join(secrets.choice("0123456789") for _ in range(TX_CODE_LENGTH)) if with_tx_code else None
        ids = [configuration_id(record.tier, fmt) for fmt in CREDENTIAL_FORMATS]
        expires_at = now + timedelta(minutes=settings.oid4vci_offer_minutes)
        offer_id = uuid4()
        await CredentialOffers(conn).insert(
            NewCredentialOffer(
                id=offer_id,
                credential_id=credential_id,
                configuration_ids=ids,
                code_hash=token_hash(code),
                tx_code_hash=None if tx_code is None else token_hash(tx_code),
                created_at=now,
                created_by=actor,
                expires_at=expires_at,
            )
        )
        offer = credential_offer_object(settings, ids, code, with_tx_code=tx_code is not None)
        uri = offer_uri_by_value(offer)
        return CredentialOffer(offer_id, uri, offer, offer_qr_svg(uri), tx_code, expires_at)

    return await run_in_transaction(conn, command)


@dataclass(frozen=True)
class AccessToken:
    """§6.2: what the Token Endpoint answers (RFC 6749 §5.1)."""

    access_token: str
    expires_in: int
    token_type: str = "Bearer"  # noqa: S105 - the RFC 6750 token type, not a secret


async def exchange_pre_authorized_code(
    conn: Connection, settings: Settings, form: dict[str, str], *, now: datetime
) -> AccessToken:
    """§6.1 Token Request of the pre-authorized code grant -> §6.2 Token Response, or `WalletRequestError` with the
    §6.3 / RFC 6749 §5.2 code.

    `unsupported_grant_type` for any other grant; `invalid_request` for a missing code, a missing transaction code
    the offer asked for, or one it did not ask for; `invalid_grant` for an unknown, expired or already redeemed
    code and a wrong transaction code. A replayed code also ends the access token it was first exchanged for
    (§13.5.1, RFC 6749 §4.1.2), and an offer whose transaction code was guessed wrong
    OID4VCI_TX_CODE_MAX_ATTEMPTS times is spent (§13.5.3). Those two outcomes are committed before the refusal."""
    code = pre_authorized_code(form)
    offers = CredentialOffers(conn)

    async def command() -> AccessToken | WalletRequestError:
        offer = await offers.lock_by_code(token_hash(code))
        if offer is None:
            return WalletRequestError("invalid_grant", "the pre-authorized code is not valid")
        if offer.redeemed_at is not None:
            await offers.revoke_token(offer.id, now)
            return WalletRequestError("invalid_grant", "the pre-authorized code was already used")
        if offer.expires_at <= now:
            return WalletRequestError("invalid_grant", "the pre-authorized code has expired")
        if offer.tx_code_failures >= settings.oid4vci_tx_code_max_attempts:
            return WalletRequestError(
                "invalid_grant", "the offer is spent (too many wrong tx_codes); ask for a new one"
            )
        refused = await _check_tx_code(offers, offer, form.get("tx_code"), settings)
        if refused is not None:
            return refused
        token = secrets.token_urlsafe(32)
        lifetime = settings.oid4vci_access_token_seconds
        if not await offers.redeem(offer.id, now, token_hash(token), now + timedelta(seconds=lifetime)):
            return WalletRequestError("invalid_grant", "the pre-authorized code is no longer valid")
        return AccessToken(access_token=token, expires_in=lifetime)

    outcome = await run_in_transaction(conn, command)
    if isinstance(outcome, WalletRequestError):
        raise outcome
    return outcome


async def _check_tx_code(
    offers: CredentialOffers, offer: OfferAtToken, tx_code: str | None, settings: Settings
) -> WalletRequestError | None:
    """§6.1 `tx_code` and §6.3: present exactly when the offer asked for one, and right; a wrong one is counted."""
    if offer.tx_code_hash is None:
        return None if tx_code is None else WalletRequestError("invalid_request", "this offer asks for no tx_code")
    if tx_code is None:
        return WalletRequestError("invalid_request", "this offer requires the tx_code the holder was given")
    if secrets.compare_digest(token_hash(tx_code), offer.tx_code_hash):
        return None
    failures = await offers.count_tx_code_failure(offer.id)
    spent = "; the offer is spent, ask for a new one" if failures >= settings.oid4vci_tx_code_max_attempts else ""
    return WalletRequestError("invalid_grant", f"the tx_code is wrong{spent}")


def pre_authorized_code(form: dict[str, str]) -> str:
    """§6.1: the grant type must be the pre-authorized code's (RFC 6749 §5.2 `unsupported_grant_type` otherwise),
    and `pre-authorized_code` present."""
    grant_type = form.get("grant_type")
    if grant_type is None:
        raise WalletRequestError("invalid_request", "grant_type is missing")
    if grant_type != PRE_AUTHORIZED_GRANT:
        raise WalletRequestError(
            "unsupported_grant_type", f"this token endpoint supports only the {PRE_AUTHORIZED_GRANT} grant"
        )
    code = form.get("pre-authorized_code")
    if not code:
        raise WalletRequestError("invalid_request", "pre-authorized_code is missing")
    return code
