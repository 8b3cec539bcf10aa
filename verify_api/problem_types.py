"""Every problem type URL PAI Verify emits, in one place: its own RFC 9457 types and the W3C ones.

Domain-level (imports nothing of ours), so services and verification name problem types from here while
`api/problems.py` keeps the one table from domain errors to HTTP status.

- Ours: https://verify.productionai.institute/problems/<slug> (RFC 9457 §3.1.1 `type`).
- VC Data Model 2.0 §7.1 "Problem Details" (https://www.w3.org/TR/vc-data-model-2.0/#problem-details).
- VC Data Integrity 1.0 §2.3 "Processing Errors" (https://www.w3.org/TR/vc-data-integrity/#processing-errors).
"""

from __future__ import annotations

from typing import Final

PAI_PROBLEMS: Final = "https://verify.productionai.institute/problems/"
_VCDM: Final = "https://www.w3.org/TR/vc-data-model#"
_SECURITY: Final = "https://w3id.org/security#"

# VC Data Model 2.0 §7.1
PARSING_ERROR: Final = _VCDM + "PARSING_ERROR"
CRYPTOGRAPHIC_SECURITY_ERROR: Final = _VCDM + "CRYPTOGRAPHIC_SECURITY_ERROR"
MALFORMED_VALUE_ERROR: Final = _VCDM + "MALFORMED_VALUE_ERROR"
# VC Data Integrity 1.0 §2.3
PROOF_VERIFICATION_ERROR: Final = _SECURITY + "PROOF_VERIFICATION_ERROR"
MISMATCHED_PROOF_PURPOSE_ERROR: Final = _SECURITY + "MISMATCHED_PROOF_PURPOSE_ERROR"
INVALID_DOMAIN_ERROR: Final = _SECURITY + "INVALID_DOMAIN_ERROR"
INVALID_CHALLENGE_ERROR: Final = _SECURITY + "INVALID_CHALLENGE_ERROR"
DATA_LOSS_DETECTION_ERROR: Final = _SECURITY + "DATA_LOSS_DETECTION_ERROR"

# Ours, for VC API verification failures no W3C type covers.
CREDENTIAL_NOT_YET_VALID: Final = PAI_PROBLEMS + "credential-not-yet-valid"
CREDENTIAL_EXPIRED: Final = PAI_PROBLEMS + "credential-expired"
CREDENTIAL_STATUS: Final = PAI_PROBLEMS + "credential-status"
NOT_IN_PAI_REGISTER: Final = PAI_PROBLEMS + "not-in-pai-register"
TIER_PREREQUISITE: Final = PAI_PROBLEMS + "tier-prerequisite"


def pai_problem(slug: str) -> str:
    """Our problem type URL for `slug` (api/problems.py names each error's slug in its table)."""
    return PAI_PROBLEMS + slug


def w3c_title(type_url: str) -> str:
    """A W3C problem type's title is its code, the URL's fragment (e.g. PARSING_ERROR)."""
    return type_url.rsplit("#", 1)[-1].rsplit("/", 1)[-1]


# Every type a verification failure is reported with (a check's `problemType`, a VC API `problemDetails[].type`),
# listed by the OpenAPI document as an enum; tests/unit/test_openapi_contract.py checks no constant above is missing.
VERIFICATION_PROBLEM_TYPES: Final = (
    PARSING_ERROR,
    CRYPTOGRAPHIC_SECURITY_ERROR,
    MALFORMED_VALUE_ERROR,
    PROOF_VERIFICATION_ERROR,
    MISMATCHED_PROOF_PURPOSE_ERROR,
    INVALID_DOMAIN_ERROR,
    INVALID_CHALLENGE_ERROR,
    DATA_LOSS_DETECTION_ERROR,
    CREDENTIAL_NOT_YET_VALID,
    CREDENTIAL_EXPIRED,
    CREDENTIAL_STATUS,
    NOT_IN_PAI_REGISTER,
    TIER_PREREQUISITE,
)
