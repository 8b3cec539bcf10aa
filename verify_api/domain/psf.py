"""The Production Safety Framework (PSF) v1.0 as credentials cite it: the framework and its eight domains.

The PAI publishes the PSF openly: "eight domains from data governance to incident response", model- and
cloud-agnostic. Each tier's achievement aligns (OB 3.0 `Alignment`, https://www.imsglobal.org/spec/ob/v3p0/#alignment)
to the framework and to every domain it covers; every PAI credential, the AIDA examination first, covers all eight.
"""

from __future__ import annotations

import msgspec

from verify_api.domain.tiers import PSF_NAME, PSF_VERSION, TIERS, Tier

PSF_SUMMARY = (
    "The Production Safety Framework defines what it means to deploy AI safely in production. It is model-agnostic "
    "and cloud-agnostic, published openly and free to reference, cite and adapt. Version 1.0 was published in 2024."
)


class PsfDomain(msgspec.Struct, frozen=True):
    code: str  # e.g. "PSF-1.0-D1": stable, cited as the alignment's targetCode
    name: str
    description: str


PSF_DOMAINS: tuple[PsfDomain, ...] = tuple(
    PsfDomain(code=f"PSF-{PSF_VERSION}-D{number}", name=name, description=description)
    for number, (name, description) in enumerate(
        [
            ("Data governance", "Where the data a system uses comes from, who may use it, and how it is kept."),
            ("Model evaluation", "Testing a model for the task, before release and after every change."),
            ("Security and access", "Protecting models, prompts, data and credentials from misuse."),
            ("Deployment and change", "Releasing, versioning and rolling back AI systems under control."),
            ("Monitoring", "Watching quality, drift, cost and failures of the system in production."),
            ("Human oversight", "Who can review, override and stop what the system does."),
            ("Transparency and accountability", "Documenting what the system is, does and who answers for it."),
            ("Incident response", "Detecting, handling and learning from failures and harms."),
        ],
        start=1,
    )
)

# Every PAI credential covers all eight domains (the AIDA examination "covers all eight PSF domains"; the higher and
# organisational tiers assess practice against the same PSF criteria).
TIER_DOMAINS: dict[str, tuple[PsfDomain, ...]] = dict.fromkeys(TIERS, PSF_DOMAINS)


def psf_url(base_url: str) -> str:
    return f"{base_url}/psf/v{PSF_VERSION}"


def domain_url(base_url: str, domain: PsfDomain) -> str:
    return f"{psf_url(base_url)}#{domain.code}"


def achievement_url(base_url: str, tier: Tier | str) -> str:
    return f"{base_url}/v1/achievements/{tier.lower()}"


def framework_alignment(base_url: str) -> dict[str, object]:
    return {
        "type": ["Alignment"],
        "targetName": f"{PSF_NAME} v{PSF_VERSION}",
        "targetDescription": "The eight domains of practice a production AI deployment must address, "
        "from data governance to incident response.",
        "targetUrl": psf_url(base_url),
        "targetFramework": f"PAI {PSF_NAME}",
        "targetCode": f"PSF-{PSF_VERSION}",
    }


def domain_alignments(base_url: str, tier: Tier | str) -> list[dict[str, object]]:
    return [
        {
            "type": ["Alignment"],
            "targetName": domain.name,
            "targetDescription": domain.description,
            "targetUrl": domain_url(base_url, domain),
            "targetFramework": f"PAI {PSF_NAME}",
            "targetCode": domain.code,
        }
        for domain in TIER_DOMAINS[tier]
    ]
