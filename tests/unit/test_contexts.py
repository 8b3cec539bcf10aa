"""The bundled JSON-LD contexts are the published bytes, and nothing else is ever loaded."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest

from verify_api.errors import UnknownContextError
from verify_api.proofs.document_loader import (
    bundled_context_bytes,
    bundled_context_files,
    document_loader,
    load_bundled_context,
)

CONTEXTS = Path(__file__).parent.parent.parent / "verify_api/proofs/contexts"
# A PROVENANCE.md table row: | url | file | bytes | `sha256` | ...
ROW = re.compile(r"^\| (https?://\S+) \| (\S+) \| (\d+) \| `([0-9a-f]{64})` \|", re.MULTILINE)
PROVENANCE = {
    m.group(2): (m.group(1), int(m.group(3)), m.group(4))
    for m in ROW.finditer((CONTEXTS / "PROVENANCE.md").read_text(encoding="utf-8"))
}


def test_contexts_every_bundled_file_is_listed_in_provenance() -> None:
    files = {path.name for path in CONTEXTS.iterdir()} - {"index.json", "PROVENANCE.md"}
    assert files == set(bundled_context_files().values())
    assert files == set(PROVENANCE)


@pytest.mark.parametrize(("url", "name"), sorted(bundled_context_files().items()))
def test_contexts_file_matches_provenance_sha256(url: str, name: str) -> None:
    data = bundled_context_bytes(url)
    assert (url, len(data), hashlib.sha256(data).hexdigest()) == PROVENANCE[name]


def test_contexts_vc2_digest_matches_the_recommendation() -> None:
    # VC Data Model 2.0 publishes this SHA-256 for https://www.w3.org/ns/credentials/v2.
    data = bundled_context_bytes("https://www.w3.org/ns/credentials/v2")
    assert hashlib.sha256(data).hexdigest() == "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734"


def test_contexts_loader_returns_pyld_remote_document() -> None:
    url = "https://www.w3.org/ns/credentials/v2"
    remote = document_loader(url, {})
    assert remote["contextUrl"] is None
    assert remote["documentUrl"] == url
    assert remote["document"]["@context"]["@protected"] is True


def test_contexts_loader_returns_a_fresh_copy() -> None:
    url = "https://w3id.org/security/multikey/v1"
    load_bundled_context(url)["@context"]["injected"] = "x"
    assert "injected" not in load_bundled_context(url)["@context"]


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/contexts/evil.jsonld",
        "http://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/v2/",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-9.9.9.json",
    ],
)
def test_contexts_loader_refuses_unlisted_url(url: str) -> None:
    with pytest.raises(UnknownContextError, match=re.escape(repr(url))) as caught:
        document_loader(url, {})
    assert caught.value.url == url
