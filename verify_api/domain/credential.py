"""Builds the unsigned Open Badges 3.0 `OpenBadgeCredential` (a W3C VC Data Model 2.0 document).

Shapes follow OB 3.0 (https://www.imsglobal.org/spec/ob/v3p0/) and VC 2.0 (https://www.w3.org/TR/vc-data-model-2.0/).
Only terms defined by the two contexts are used, so RDF canonicalisation signs every property.
"""

from __future__ import annotations

import base64
import functools
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import msgspec

from verify_api.domain.dates import rfc3339
from verify_api.domain.psf import achievement_url, domain_alignments, framework_alignment
from verify_api.domain.status_list import StatusPurpose
from verify_api.domain.tiers import TIERS, EvidenceRef, Tier

VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB_V3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"


class StatusSlot(msgspec.Struct, frozen=True):
    purpose: StatusPurpose
    list_id: str
    index: int


class CredentialDraft(msgspec.Struct, frozen=True):
    credential_id: str
    tier: Tier
    subject_name: str
    valid_from: datetime
    valid_until: datetime
    evidence: list[EvidenceRef]
    status_slots: list[StatusSlot]


@functools.lru_cache(maxsize=64)
def did_web_for(base_url: str) -> str:
    """did:web method-specific id for an origin: ports are %3A-encoded and path segments become ':'.

    https://w3c-ccg.github.io/did-method-web/#create-register
    """
    parts = urlsplit(base_url)
    host = parts.hostname or ""
    if parts.port:
        host += f"%3A{parts.port}"
    segments = [s for s in parts.path.split("/") if s]
    return ":".join(["did", "web", host, *segments])


def credential_url(base_url: str, credential_id: str) -> str:
    return f"{base_url}/v1/credentials/{credential_id}"


def status_list_url(base_url: str, list_id: str) -> str:
    return f"{base_url}/v1/status-lists/{list_id}"


def issuer_image_url(base_url: str, extension: str = "png") -> str:
    return f"{base_url}/v1/issuer/image.{extension}"


def achievement_image_url(base_url: str, tier: Tier | str, extension: str = "png") -> str:
    return f"{achievement_url(base_url, tier)}/image.{extension}"


def issuer_profile(base_url: str, name: str) -> dict[str, Any]:
    """OB 3.0 Profile; `image` (OB 3.0 §B.1.11 Image) so wallets show the PAI's mark, not a generic tile."""
    return {
        "id": did_web_for(base_url),
        "type": ["Profile"],
        "name": name,
        "url": base_url,
        "image": {"id": issuer_image_url(base_url), "type": "Image", "caption": f"{name} logo"},
    }


def achievement(base_url: str, tier: Tier) -> dict[str, Any]:
    """OB 3.0 Achievement: dereferenceable `id` (GET /v1/achievements/{tier}), its image, and alignments to the PSF
    and to each PSF domain the tier covers (domain.psf)."""
    info = TIERS[tier]
    return {
        "id": achievement_url(base_url, tier),
        "type": ["Achievement"],
        "achievementType": info.achievement_type,
        "name": info.title,
        "description": info.description,
        "criteria": {"narrative": info.criteria},
        "image": {"id": achievement_image_url(base_url, tier), "type": "Image", "caption": f"{info.title} emblem"},
        "alignment": [framework_alignment(base_url), *domain_alignments(base_url, tier)],
    }


def build_unsigned_credential(draft: CredentialDraft, *, base_url: str, issuer_name: str) -> dict[str, Any]:
    info = TIERS[draft.tier]
    url = credential_url(base_url, draft.credential_id)
    document: dict[str, Any] = {
        "@context": [VC_V2_CONTEXT, OB_V3_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"PAI {info.title}",
        "issuer": issuer_profile(base_url, issuer_name),
        "validFrom": rfc3339(draft.valid_from),
        "validUntil": rfc3339(draft.valid_until),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            # OB 3.0 names a subject through an IdentityObject; the name is shown on the badge, so it is
            # deliberately unhashed. No email or internal id is ever put in the document.
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": draft.subject_name,
                    "identityType": "name",
                    "hashed": False,
                }
            ],
            "achievement": achievement(base_url, draft.tier),
        },
        "credentialStatus": [
            {
                "id": f"{status_list_url(base_url, slot.list_id)}#{slot.index}",
                "type": "BitstringStatusListEntry",
                "statusPurpose": slot.purpose,
                "statusListIndex": str(slot.index),
                "statusListCredential": status_list_url(base_url, slot.list_id),
            }
            for slot in draft.status_slots
        ],
    }
    if draft.evidence:
        # Evidence is cited by its SHA-256 digest as an RFC 6920 `ni:` URI; the content stays with the holder.
        document["evidence"] = [
            {
                "id": f"ni:///sha-256;{_hex_to_b64url(ref.digest)}",
                "type": ["Evidence"],
                "name": ref.name,
                "description": f"Reviewed by the PAI on {ref.assessed_at.date().isoformat()}; SHA-256 {ref.digest}.",
            }
            for ref in draft.evidence
        ]
    return document


def _hex_to_b64url(hex_digest: str) -> str:
    return base64.urlsafe_b64encode(bytes.fromhex(hex_digest)).decode().rstrip("=")
