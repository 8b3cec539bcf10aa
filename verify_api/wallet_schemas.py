"""Wire structs of wallet delivery (OID4VCI): the staff route that makes a credential offer, and the OAuth-style
error body the Token and Credential Endpoints answer with (OID4VCI §6.3 and §8.3.1, RFC 6749 §5.2)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import msgspec


class WalletOfferRequest(msgspec.Struct, forbid_unknown_fields=True, rename="camel", kw_only=True):
    """POST /v1/credentials/{id}/wallet-offers: `txCode` also asks the wallet for a 6-digit transaction code."""

    tx_code: bool = False


class WalletOfferView(msgspec.Struct, rename="camel", kw_only=True):
    """A credential offer (OID4VCI §4.1): `offerUri` to open or scan (`openid-credential-offer://?credential_offer=
    ...`), `qrSvg` its QR code, `credentialOffer` the offer object it carries, `txCode` the transaction code to give
    the holder apart from the QR code (null when none is asked). Shown once: only hashes are stored."""

    offer_id: UUID
    credential_id: str
    offer_uri: str
    credential_offer: dict[str, Any]
    qr_svg: str
    tx_code: str | None
    expires_at: datetime


class WalletError(msgspec.Struct, omit_defaults=True):
    """OAuth 2.0 error response (RFC 6749 §5.2) with the OID4VCI codes (§6.3, §8.3.1.2)."""

    error: str
    error_description: str | None = None
