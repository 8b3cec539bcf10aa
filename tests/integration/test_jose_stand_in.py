"""The VC-JOSE-COSE suite's presentation issuance (its tests 3 and 4) through bench/jose_cose.py's `docker` stand-in:
the suite's call becomes POST /presentations/prove on a served app, signed by the API client's holder key, and the
vp+jwt it writes verifies (through the stand-in's own verify call, and POST /presentations/verify).

Before: the stand-in answered `indeterminate` for every presentation issuance (no holder-side signing).
One served app (`verify-api serve`), started once: the stand-in speaks HTTP to a real socket, as in the suite's run.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from bench import jose_cose
from tests.conftest import api_key
from tests.served_app import serve_app
from verify_api.proofs.jws import split_compact_jws

if TYPE_CHECKING:
    from pathlib import Path

    import pytest

V2 = "https://www.w3.org/ns/credentials/v2"


def suite_call(fn: str, feature: str, input_name: str, output_name: str) -> list[str]:
    return [
        *("call", "compose", "-f", "./implementations/compose.yml", "run", "--rm", "PAI-Verify", fn),
        *("--input", f"/tests/input/{input_name}", "--key", "/tests/input/vm-p256.json"),
        *("--feature", feature, "--output", f"/tests/output/{output_name}"),
    ]


async def test_presentation_issuance_goes_through_prove_and_verifies(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    secret = await api_key(database_url, ["issue", "prove"])
    suite = tmp_path / "suite"
    (suite / "tests" / "input").mkdir(parents=True)
    presentation: dict[str, Any] = {
        "@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:3978344f-8596-4c3a-a978-8fcaba3903c5",
        "type": ["VerifiablePresentation"],
        "holder": "https://example.issuer/vc-jose-cose",  # the suite's; the service signs as its client's holder only
        "verifiableCredential": [],
    }
    (suite / "tests" / "input" / "presentation-single.json").write_text(json.dumps(presentation))
    with serve_app(database_url, tmp_path) as served:
        monkeypatch.chdir(suite)
        for name, value in {"PAI_ORIGIN": served.origin, "PAI_API_KEY": secret, "PAI_ISSUER_DID": "unused"}.items():
            monkeypatch.setenv(name, value)
        assert jose_cose.main(suite_call("issue", "presentation_jose", "presentation-single.json", "3.json")) == 0
        issued = json.loads((suite / "tests" / "output" / "3.json").read_text())
        assert issued["result"] == "success", issued
        jws = split_compact_jws(issued["data"])
        assert jws.header["typ"] == "vp+jwt"
        holder = jws.payload["holder"]
        assert holder.startswith("did:key:z6Mk")
        assert jws.header["kid"] == f"{holder}#{holder.removeprefix('did:key:')}"

        (suite / "tests" / "input" / "presentation-jose-ours.txt").write_text(issued["data"])
        call = suite_call("verify", "presentation_jose", "presentation-jose-ours.txt", "7.json")
        assert jose_cose.main(call) == 0
        verified = json.loads((suite / "tests" / "output" / "7.json").read_text())
        assert verified == {"result": "success"}

        # Not an unsecured presentation of this holder: the service refuses it, and the stand-in says failure.
        (suite / "tests" / "input" / "not-a-presentation.json").write_text(json.dumps({"@context": [V2]}))
        assert jose_cose.main(suite_call("issue", "presentation_jose", "not-a-presentation.json", "x.json")) == 0
        refused = json.loads((suite / "tests" / "output" / "x.json").read_text())
        assert refused["result"] == "failure", refused
