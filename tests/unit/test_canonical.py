"""JCS (RFC 8785) and RDFC-1.0 canonicalisation over the bundled contexts."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld

from verify_api.errors import ProofError, UnknownContextError
from verify_api.proofs.canonical import canonicalize_jcs, canonicalize_rdfc

VECTORS = Path(__file__).parent.parent / "vectors"
VC2 = "https://www.w3.org/ns/credentials/v2"
VC1 = "https://www.w3.org/2018/credentials/v1"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"


def load_json(relative: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((VECTORS / relative).read_text(encoding="utf-8"))
    return data


def vc1_credential(**subject: Any) -> dict[str, Any]:
    return {
        "@context": [VC1],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:issuer",
        "issuanceDate": "2020-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:subject", **subject},
    }


def test_canonicalize_jcs_reproduces_vector() -> None:
    expected = (VECTORS / "eddsa/eddsa-jcs-2022/canonDocJCS.txt").read_bytes()
    assert canonicalize_jcs(load_json("eddsa/unsigned.json")) == expected


def test_canonicalize_jcs_sorts_keys_and_formats_numbers_per_rfc8785() -> None:
    value = {"b": [1e21, 0.1, -0.0, 1.0], "a": "\u00e9\n", "\u20ac": None}
    assert canonicalize_jcs(value) == '{"a":"\u00e9\\n","b":[1e+21,0.1,0,1],"\u20ac":null}'.encode()


def test_canonicalize_jcs_rejects_nan() -> None:
    with pytest.raises(ProofError, match="cannot be canonicalised with JCS"):
        canonicalize_jcs({"n": float("nan")})


def test_canonicalize_rdfc_reproduces_vector() -> None:
    expected = (VECTORS / "eddsa/eddsa-rdfc-2022/canonDocDataInt.txt").read_text(encoding="utf-8")
    assert canonicalize_rdfc(load_json("eddsa/unsigned.json")) == expected


def test_canonicalize_rdfc_labels_blank_nodes_canonically() -> None:
    nquads = canonicalize_rdfc(vc1_credential())
    assert nquads.startswith("_:c14n0 <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>")


def test_canonicalize_rdfc_is_stable_across_calls() -> None:
    document = load_json("ob3/simple.json")
    document.pop("proof")
    assert {canonicalize_rdfc(document) for _ in range(3)} == {canonicalize_rdfc(json.loads(json.dumps(document)))}


def test_canonicalize_rdfc_strict_rejects_undefined_property() -> None:
    with pytest.raises(ProofError, match="property 'degree' is not defined by any @context"):
        canonicalize_rdfc(vc1_credential(degree="BSc"))


def test_canonicalize_rdfc_lenient_drops_undefined_property() -> None:
    nquads = canonicalize_rdfc(vc1_credential(degree="BSc"), strict=False)
    assert "BSc" not in nquads
    assert "did:example:subject" in nquads


def test_canonicalize_rdfc_strict_rejects_undefined_property_in_vc2() -> None:
    # The VC 2.0 Recommendation's base context has no @vocab, so VC 2.0 documents need strict mode too.
    document = {
        "@context": [VC2],
        "type": ["VerifiableCredential"],
        "issuer": "did:example:i",
        "degree": "BSc",
    }
    with pytest.raises(ProofError, match="property 'degree' is not defined"):
        canonicalize_rdfc(document)


def test_canonicalize_rdfc_strict_accepts_terms_mapped_by_vocab() -> None:
    document = {"@context": [VC2, EXAMPLES], "type": ["VerifiableCredential"], "degree": "BSc"}
    assert '<https://www.w3.org/ns/credentials/examples#degree> "BSc"' in canonicalize_rdfc(document)


def test_canonicalize_rdfc_names_unknown_context_url() -> None:
    document = {"@context": [VC2, "https://evil.example/ctx.jsonld"], "type": ["VerifiableCredential"]}
    with pytest.raises(UnknownContextError, match=re.escape("'https://evil.example/ctx.jsonld' is not bundled")):
        canonicalize_rdfc(document)


def test_canonicalize_rdfc_names_unknown_nested_context_url() -> None:
    document = {
        "@context": [VC2],
        "type": ["VerifiableCredential"],
        "credentialSubject": {"@context": "https://evil.example/n", "name": "x"},
    }
    with pytest.raises(UnknownContextError, match=re.escape("https://evil.example/n")):
        canonicalize_rdfc(document)


def test_canonicalize_rdfc_never_uses_pyld_default_loader(monkeypatch: pytest.MonkeyPatch) -> None:
    def default_loader(url: str, options: object = None) -> None:
        raise AssertionError(f"pyld's default document loader was asked for {url}")

    monkeypatch.setattr(jsonld, "_default_document_loader", default_loader)
    assert canonicalize_rdfc(load_json("eddsa/unsigned.json"))
    with pytest.raises(UnknownContextError, match=re.escape("https://unbundled.example/")):
        canonicalize_rdfc({"@context": "https://unbundled.example/", "a": 1})


def test_canonicalize_rdfc_rejects_redefining_protected_term() -> None:
    document = {"@context": [VC2, {"name": "https://evil.example/name"}], "name": "x"}
    with pytest.raises(ProofError, match=r"JSON-LD processing failed: .*protected term redefinition"):
        canonicalize_rdfc(document)


@pytest.mark.parametrize("char", ["\x00", "\x08", "\x0c", "\x1f", "\x7f"])
def test_canonicalize_rdfc_rejects_control_characters_pyld_would_not_escape(char: str) -> None:
    with pytest.raises(ProofError, match=rf"\$\.credentialSubject\.name contains control character U\+{ord(char):04X}"):
        canonicalize_rdfc(vc1_credential(name=f"a{char}b") | {"@context": [VC2]})


def test_canonicalize_rdfc_escapes_tab_newline_and_quote() -> None:
    document = {"@context": [VC2], "id": "urn:x", "name": 'a\tb\nc\r"d\\'}
    assert '"a\\tb\\nc\\r\\"d\\\\"' in canonicalize_rdfc(document)
