"""What every use-case needs besides a connection: the settings-derived policy and the issuer's key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from verify_api.domain.credential import did_web_for
from verify_api.domain.tiers import TierPolicy

if TYPE_CHECKING:
    from verify_api.proofs.keys import Signer
    from verify_api.settings import Settings


@dataclass(frozen=True)
class IssuerKey:
    """The active signing key and the verification method id it is published under."""

    signer: Signer
    verification_method: str

    @classmethod
    def for_settings(cls, signer: Signer, settings: Settings) -> IssuerKey:
        return cls(signer, f"{did_web_for(settings.base_url)}#{signer.public_key_multibase}")


def tier_policy(settings: Settings) -> TierPolicy:
    return TierPolicy(
        aida_pass_mark_percent=settings.aida_pass_mark_percent,
        cpaa_min_panel_size=settings.cpaa_min_panel_size,
        cai_min_aida_staff=settings.cai_min_aida_staff,
        validity_days={
            "AIDA": settings.aida_validity_days,
            "CPAP": settings.cpap_validity_days,
            "CPAA": settings.cpaa_validity_days,
            "CAI": settings.cai_validity_days,
            "CAE": settings.cae_max_validity_days,
        },
        cae_max_validity_days=settings.cae_max_validity_days,
        cae_governance_grace_days=settings.cae_governance_grace_days,
    )
