"""Does a credential sent to POST /credentials/issue claim a PAI certification? Then it must not be signed there.

PAI certifications (AIDA, CPAP, CPAA, CAI, CAE) are issued only through POST /v1/credentials, under the tier
rules and on recorded evidence. The VC API signs other credentials with the same key and issuer, so anything in
them that reads as a PAI certification is refused: an Open Badges achievement (every PAI achievement is one), the
PAI's achievement URLs, a tier's code as a word or a type-name part (``AIDA``, ``CpapCredential``), a tier's title,
an id in the PAI's credential namespace, and a status entry the client chose itself.

Pure: the document is the unsecured credential as sent (after the VC API's own additions).
"""

from __future__ import annotations

import re
from typing import Any

from verify_api.domain.tiers import TIERS

# The Open Badges 3.0 credential types that award an achievement (every PAI certification is one).
ACHIEVEMENT_TYPES = frozenset({"OpenBadgeCredential", "AchievementCredential"})

_TIER_CODES = frozenset(TIERS)
_TIER_TITLES = tuple(info.title.split(": ", 1)[-1].casefold() for info in TIERS.values())
_WORD = re.compile(r"[A-Za-z0-9]+")
# CamelCase parts of a type name: "AIDACredential" -> AIDA, Credential; "CpapBadge" -> Cpap, Badge.
_TYPE_PART = re.compile(r"[A-Z]+(?=[A-Z][a-z])|[A-Z]?[a-z]+|[A-Z]+|\d+")
_MAX_FINDINGS = 5


def pai_tier_claims(document: dict[str, Any], *, base_url: str) -> list[str]:
    """What in `document` claims a PAI tier (at most a few findings, each naming where); empty when nothing does."""
    findings: list[str] = []
    types = _strings(document.get("type"))
    for ob_type in sorted(ACHIEVEMENT_TYPES & set(types)):
        findings.append(f"type {ob_type!r}: Open Badges achievements of the PAI are certifications")
    achievement_prefix = f"{base_url}/v1/achievements/"
    credential_prefix = f"{base_url}/v1/"
    credential_id = document.get("id")
    if isinstance(credential_id, str) and credential_id.startswith(credential_prefix):
        findings.append(f"id {credential_id!r} is in the PAI register's own namespace")
    for path, key, value in _walk(document, "$"):
        if key == "@context":
            continue
        if key == "achievement":
            findings.append(f"{path}: an Open Badges achievement")
        type_name = isinstance(value, str) and key in ("type", "achievementType")
        if type_name and {p.upper() for p in _TYPE_PART.findall(str(value))} & _TIER_CODES:
            findings.append(f"{path}: type {value!r} names a PAI tier")
        if isinstance(value, str):
            findings.extend(_string_claims(path, value, achievement_prefix))
        if len(findings) >= _MAX_FINDINGS:
            break
    return list(dict.fromkeys(findings))[:_MAX_FINDINGS]


def _string_claims(path: str, value: str, achievement_prefix: str) -> list[str]:
    found = []
    if value.startswith(achievement_prefix):
        found.append(f"{path}: {value!r} is a PAI achievement")
    tiers = sorted(_TIER_CODES & set(_WORD.findall(value)))
    if tiers:
        found.append(f"{path}: names the PAI tier {tiers[0]}")
    folded = value.casefold()
    titles = [t for t in _TIER_TITLES if t in folded]
    if titles:
        found.append(f"{path}: names the PAI certification {titles[0]!r}")
    return found


def _strings(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, list):
        return [v for v in value if isinstance(v, str)]
    return []


def _walk(value: object, path: str) -> list[tuple[str, str | None, object]]:
    """(path, member name, value) for every member and array item, iteratively (the shape is already bounded)."""
    out: list[tuple[str, str | None, object]] = []
    stack: list[tuple[str, str | None, object]] = [(path, None, value)]
    while stack:
        where, key, item = stack.pop()
        out.append((where, key, item))
        if isinstance(item, dict):
            for k, v in item.items():
                if isinstance(k, str):
                    out.append((f"{where}.{k}", None, k))  # member names are claims too
                stack.append((f"{where}.{k}", str(k), v))
        elif isinstance(item, list):
            stack.extend((f"{where}[{i}]", key, v) for i, v in enumerate(item))
    return out
