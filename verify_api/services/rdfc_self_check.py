"""The start-up check of the RDFC-1.0 template path (proofs/rdfc_template.py), once per process.

At start-up, one sample document of each shape our builder makes (every tier, with 0 to `MAX_SAMPLE_EVIDENCE`
evidence entries; a tier rule cites at most one) and the proof configuration of an eddsa-rdfc-2022 proof are
canonicalised both ways, through the template and through pyld alone. If any pair differs (a pyld upgrade that
changed its output, say), the template path is switched off for the process with a warning, and every document is
canonicalised by pyld as before. It runs in a thread beside the starting server (about 0.2 s of CPU), so start-up
does not wait for it: until it has run, a template is used only once signing has learned it, which checks it
against pyld on the document it was learned from. Verification of our own documents gets the templates from the
start instead of after this process signed one of each shape.
"""

from __future__ import annotations

import logging
import threading
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from verify_api.domain.credential import CredentialDraft, StatusSlot, build_unsigned_credential
from verify_api.domain.tiers import TIERS, EvidenceRef
from verify_api.proofs.canonical import self_check_rdfc_templates
from verify_api.proofs.cryptosuite import proof_config_steps
from verify_api.proofs.data_integrity import proof_options
from verify_api.proofs.eddsa import EDDSA_RDFC_2022

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.settings import Settings

log = logging.getLogger("verify_api")

MAX_SAMPLE_EVIDENCE = 2
_CHECKED: dict[tuple[str, str, str], list[str]] = {}
_LOCK = threading.Lock()
_STARTED: set[tuple[str, str, str]] = set()


def sample_documents(settings: Settings, verification_method: str, now: datetime) -> list[dict[str, Any]]:
    """One unsigned credential per tier and evidence count, as the builder makes them, and one proof configuration."""
    documents = []
    for tier in (info.code for info in TIERS.values()):
        for count in range(MAX_SAMPLE_EVIDENCE + 1):
            draft = CredentialDraft(
                credential_id="00000000-0000-4000-8000-000000000000",
                tier=tier,
                subject_name="Sample Holder",
                valid_from=now,
                valid_until=now + timedelta(days=365),
                evidence=[EvidenceRef(name="Sample", digest=f"{n:064x}", assessed_at=now) for n in range(count)],
                status_slots=[
                    StatusSlot(purpose="revocation", list_id="00000000-0000-4000-8000-000000000001", index=0),
                    StatusSlot(purpose="suspension", list_id="00000000-0000-4000-8000-000000000002", index=0),
                ],
            )
            documents.append(
                build_unsigned_credential(draft, base_url=settings.base_url, issuer_name=settings.issuer_name)
            )
    options = proof_options(cryptosuite=EDDSA_RDFC_2022, verification_method=verification_method, created=now)
    documents.append(proof_config_steps(options, documents[0], (EDDSA_RDFC_2022,)))
    return documents


def check_rdfc_templates_sync(settings: Settings, verification_method: str, now: datetime) -> list[str]:
    """Run the check (once per process and issuer); return what disagreed, empty when the template path is on.
    CPU-bound (a few pyld canonicalisations): run it in a thread."""
    key = (settings.base_url, settings.issuer_name, verification_method)
    with _LOCK:
        if key not in _CHECKED:
            problems = self_check_rdfc_templates(sample_documents(settings, verification_method, now))
            if problems:
                log.warning(
                    "RDFC-1.0 templates disagree with pyld, so every document is canonicalised by pyld: %s",
                    "; ".join(problems),
                )
            _CHECKED[key] = problems
        return _CHECKED[key]


def start_rdfc_self_check(settings: Settings, verification_method: str, now: datetime) -> threading.Thread | None:
    """Run `check_rdfc_templates_sync` in a daemon thread, unless this process has started it for this issuer."""
    key = (settings.base_url, settings.issuer_name, verification_method)
    with _LOCK:
        if key in _STARTED:
            return None
        _STARTED.add(key)
    thread = threading.Thread(
        target=check_rdfc_templates_sync, args=(settings, verification_method, now), name="rdfc-self-check", daemon=True
    )
    thread.start()
    return thread
