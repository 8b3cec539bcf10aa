"""The parts of `make conformance` that run without the suites: finding them, the config it writes, the reports
it reads and the table it keeps (bench/conformance.py; the suites themselves are never in the repository)."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING, Any

import pytest

from bench import conformance, jose_cose

if TYPE_CHECKING:
    from pathlib import Path


def _package(directory: Path, name: str) -> Path:
    directory.mkdir()
    (directory / "package.json").write_text(json.dumps({"name": name}))
    return directory


def test_find_suites_goes_by_package_name_in_a_fixed_order_and_ignores_helpers(tmp_path: Path) -> None:
    _package(tmp_path / "zz", "vc-data-model-2.0-test-suite")
    _package(tmp_path / "aa", "vc-api-verifier-test-suite")
    _package(tmp_path / "helper", "vc-test-suite-implementations")
    (tmp_path / "not-a-package").mkdir()

    found = conformance.find_suites(tmp_path)

    assert [(suite.label, path.name) for suite, path in found] == [
        ("VC Data Model 2.0", "zz"),
        ("VC API verifier", "aa"),
        ("VC API verifier, JWT tag on the DI issuer", "aa"),  # the same checkout, run again as its own row
    ]
    assert len({suite.report_name for suite, _ in found}) == 3, "each row writes its own report"


def test_local_config_gives_each_tag_exactly_one_endpoint_per_role() -> None:
    text = conformance.local_config("https://127.0.0.1:9", "did:key:z6Mkexample", "secret")
    assert text.startswith(conformance.MARKER)
    config = json.loads(text.split("module.exports = ", 1)[1].rstrip().removesuffix(";"))

    assert config["settings"] == {"enableInteropTests": False, "testAllImplementations": False}
    (implementation,) = config["implementations"]
    assert " " not in implementation["name"]
    for role in ("issuers", "verifiers", "vpVerifiers"):
        # The JWT issuer also carries vc-api (the JWT tests want both); the first vc-api issuer stays the DI one.
        endpoints = [e for e in implementation[role] if not (role == "issuers" and "JWT" in e["tags"])]
        tags = [tag for endpoint in endpoints for tag in endpoint["tags"]]
        assert len(tags) == len(set(tags)), role
    first_vc_api = next(i for i in implementation["issuers"] if "vc-api" in i["tags"])
    assert "options" not in first_vc_api
    jwt = next(i for i in implementation["issuers"] if "JWT" in i["tags"])
    assert jwt["options"] == {"format": "application/vc+jwt"}
    assert "vc-api" in jwt["tags"]
    jcs = next(i for i in implementation["issuers"] if "eddsa-jcs-2022" in i["tags"])
    assert jcs["options"] == {"cryptosuite": "eddsa-jcs-2022"}
    assert all(i["id"] == "did:key:z6Mkexample" for i in implementation["issuers"])
    assert all(i["headers"] == {"Authorization": "Bearer secret"} for i in implementation["issuers"])


def test_a_local_config_someone_else_wrote_is_never_overwritten(tmp_path: Path) -> None:
    (tmp_path / "localConfig.cjs").write_text("module.exports = {implementations: []};\n")
    with pytest.raises(SystemExit, match="not written by this script"):
        conformance.write_local_config(tmp_path, conformance.MARKER + "\n")
    assert (tmp_path / "localConfig.cjs").read_text().startswith("module.exports")
    ours = tmp_path / "ours"
    ours.mkdir()
    conformance.write_local_config(ours, conformance.MARKER + "\nfirst\n")
    conformance.write_local_config(ours, conformance.MARKER + "\nsecond\n")
    assert (ours / "localConfig.cjs").read_text().endswith("second\n")


def test_a_mocha_json_report_becomes_counts_and_short_failures(tmp_path: Path) -> None:
    report = tmp_path / "report.json"
    report.write_text(
        json.dumps(
            {
                "stats": {"passes": 7, "failures": 2, "pending": 1},
                "failures": [
                    {
                        "title": "MUST reject it.",
                        "fullTitle": "Types PAI-Verify MUST reject it.",
                        "err": {"message": "\nMissing expected rejection\nstack..."},
                    },
                    {"title": "t", "fullTitle": "S PAI-Verify t", "err": {}},
                ],
            }
        )
    )
    result = conformance.SuiteResult(conformance.KNOWN_SUITES[0])

    conformance.read_report(result, report)

    assert result.line() == "VC Data Model 2.0: 7 passed, 2 failed, 0 not claimed, 1 skipped"
    assert result.failures == [("Types: MUST reject it.", "Missing expected rejection"), ("S: t", "")]


def test_the_table_names_the_commit_and_the_server_errors(tmp_path: Path) -> None:
    log = tmp_path / "server.log"
    log.write_text(
        "ERROR - x - unhandled error on POST /credentials/issue\nTraceback\n"
        "ERROR - y - unhandled error on POST /credentials/issue\nok line\n"
    )
    errors = conformance.server_errors(log)
    ran = conformance.SuiteResult(conformance.KNOWN_SUITES[1], passed=3)
    missing = conformance.SuiteResult(conformance.KNOWN_SUITES[2], error="no node_modules")

    text = conformance.markdown([ran, missing], errors, dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC), "abc123")

    assert errors == {"POST /credentials/issue": 2}
    assert "- date: 2026-01-02 03:04 UTC" in text
    assert "- commit: abc123" in text
    assert "| Data Integrity EdDSA | 3 | 0 | 0 | 0 |" in text
    assert "| Bitstring Status List | - | - | - | - |" in text
    assert "- POST /credentials/issue: 2" in text


def test_the_hand_kept_list_of_what_we_do_not_claim_follows_the_table() -> None:
    ran = conformance.SuiteResult(conformance.KNOWN_SUITES[0], passed=1, failed=1, failures=[("A: b", "c")])
    when = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.UTC)
    text = conformance.markdown([ran], {}, when, "abc", not_claimed="## Not claimed\n\n- A: b, because\n")
    assert text.index("## VC Data Model 2.0: failures") < text.index("## Not claimed") < text.index("- A: b, because")
    assert "Not claimed" not in conformance.markdown([ran], {}, when, "abc")
    assert conformance.NOT_CLAIMED.is_file(), "bench/CONFORMANCE-NOT-CLAIMED.md is kept with the table"


def _jwt_tagged_issuers(jwt_on: str) -> list[dict[str, Any]]:
    text = conformance.local_config("https://127.0.0.1:9", "did:key:z6Mkexample", "secret", jwt_on=jwt_on)
    (implementation,) = json.loads(text.split("module.exports = ", 1)[1].rstrip().removesuffix(";"))["implementations"]
    # What the VC API suites' JWT tests take: `issuers.find(i => i.tags.has('vc-api') && i.tags.has('JWT'))`.
    return [i for i in implementation["issuers"] if {"vc-api", "JWT"} <= set(i["tags"])]


def test_the_jwt_tag_goes_on_exactly_one_issuer_the_envelope_one_or_the_data_integrity_one() -> None:
    (envelope,) = _jwt_tagged_issuers(conformance.JWT_ON_ENVELOPE)
    assert envelope["options"] == {"format": "application/vc+jwt"}
    (data_integrity,) = _jwt_tagged_issuers(conformance.JWT_ON_DATA_INTEGRITY)
    assert "options" not in data_integrity
    assert "eddsa-rdfc-2022" in data_integrity["tags"]
    rows = [s for s in conformance.KNOWN_SUITES if s.jwt_on == conformance.JWT_ON_DATA_INTEGRITY]
    assert {s.package for s in rows} == {"vc-api-issuer-test-suite", "vc-api-verifier-test-suite"}
    assert all(f.startswith("tests/") and "jwt" in f for s in rows for f in s.files), "only the JWT test files"


def test_local_config_claims_jose_for_the_vc_jose_cose_suite_and_tags_envelopes() -> None:
    text = conformance.local_config("https://127.0.0.1:9", "did:key:z6Mkexample", "secret")
    (implementation,) = json.loads(text.split("module.exports = ", 1)[1].rstrip().removesuffix(";"))["implementations"]
    features = implementation["jose-cose"]["features"]
    assert features["credential_jose"] is True
    assert features["presentation_jose"] is True
    assert features["credential_sdjwt"] is True  # SD-JWT credentials are issued and verified; presentations not
    assert not any(features[f] for f in features if f == "presentation_sdjwt" or "cose" in f)
    envelope_issuer = next(i for i in implementation["issuers"] if "EnvelopingProof" in i["tags"])
    assert envelope_issuer["options"] == {"format": "application/vc+jwt"}
    assert "EnvelopingProof" in implementation["vpVerifiers"][0]["tags"]


def test_the_docker_stand_in_reads_the_suite_call_and_answers_indeterminate_for_what_is_not_claimed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """vc-jose-cose runs `docker compose ... run --rm NAME FN --input ... --output ...`; the stand-in parses it and
    writes the suite's output file (a COSE call never reaches the service: its feature is not claimed)."""
    argv = [
        *("compose", "-f", "./implementations/compose.yml", "run", "--rm", "PAI-Verify", "verify"),
        *("--input", "/tests/input/credential-cose-minimal.txt", "--key", "/tests/input/vm-p256.json"),
        *("--feature", "credential_cose", "--output", "/tests/output/30-PAI-Verify.json"),
    ]
    assert jose_cose.parse_call(argv) == {
        "name": "PAI-Verify",
        "fn": "verify",
        "input": "/tests/input/credential-cose-minimal.txt",
        "key": "/tests/input/vm-p256.json",
        "feature": "credential_cose",
        "output": "/tests/output/30-PAI-Verify.json",
    }
    monkeypatch.chdir(tmp_path)
    assert jose_cose.main(["call", *argv]) == 0
    written = json.loads((tmp_path / "tests" / "output" / "30-PAI-Verify.json").read_text())
    assert written["result"] == "indeterminate"
    shim = jose_cose.write_docker_stand_in(tmp_path)
    assert (shim / "docker").read_text().endswith('-m bench.jose_cose call "$@"\n')


def test_the_docker_stand_in_issues_sd_jwt_with_the_suites_disclosure_paths_as_json_pointers() -> None:
    """The suite's `--sd '["credentialSubject.address.street", "credentialSubject.phoneNumbers[0]"]'` (test 18)."""
    call = {
        "feature": "credential_sdjwt",
        "sd": '["credentialSubject.address.street", "credentialSubject.phoneNumbers[0]"]',
    }
    body = jose_cose.issue_request(call, {"issuer": "https://example.issuer/vc-jose-cose"}, "did:web:pai")
    assert body == {
        "credential": {"issuer": "did:web:pai"},
        "options": {
            "format": "application/vc+sd-jwt",
            "selectivelyDisclosable": ["/credentialSubject/address/street", "/credentialSubject/phoneNumbers/0"],
        },
    }
    jose = jose_cose.issue_request({"feature": "credential_jose"}, {}, "did:web:pai")
    assert jose["options"] == {"format": "application/vc+jwt"}


def test_listed_failures_are_not_claimed_not_failed_and_a_listed_pass_is_reported(tmp_path: Path) -> None:
    listed = conformance.read_not_claimed(
        "prose first\n\n```not-claimed\n# a comment\nVC-JOSE-COSE :: JOSE Tests: 5. JWT Issuance with Unknown "
        "Extensions\nVC-JOSE-COSE :: JOSE Tests: 6. JWT   Basic Credential Verification\n\n"
        "VC Data Model 2.0 :: Advanced Concepts: relatedResource\n```\n- not in the block :: x: y\n"
    )
    assert listed == {
        "VC-JOSE-COSE": {
            "JOSE Tests: 5. JWT Issuance with Unknown Extensions",
            "JOSE Tests: 6. JWT Basic Credential Verification",
        },
        "VC Data Model 2.0": {"Advanced Concepts: relatedResource"},
    }
    report = tmp_path / "report.json"

    def test(title: str) -> dict[str, object]:
        return {"title": title, "fullTitle": f"JOSE Tests PAI-Verify {title}", "err": {"message": "expected x"}}

    report.write_text(
        json.dumps(
            {
                "stats": {"passes": 2, "failures": 2, "pending": 3},
                "passes": [test("6. JWT Basic Credential Verification"), test("1. JWT Basic Credential Issuance")],
                "failures": [
                    test("5. JWT Issuance with Unknown Extensions"),
                    test("12. JWT Credential with an Invalid"),
                ],
            }
        )
    )
    result = conformance.SuiteResult(conformance.KNOWN_SUITES[5])
    conformance.read_report(result, report)
    result.set_apart(listed["VC-JOSE-COSE"])

    assert result.line() == "VC-JOSE-COSE: 2 passed, 1 failed, 1 not claimed, 3 skipped"
    assert result.failures == [("JOSE Tests: 12. JWT Credential with an Invalid", "expected x")]
    assert result.not_claimed == [("JOSE Tests: 5. JWT Issuance with Unknown Extensions", "expected x")]
    assert result.listed_but_passed == ["JOSE Tests: 6. JWT Basic Credential Verification"]
    text = conformance.markdown([result], {}, dt.datetime(2026, 1, 2, tzinfo=dt.UTC), "abc")
    assert "| VC-JOSE-COSE | 2 | 1 | 1 | 3 |" in text
    failures = text.index("## VC-JOSE-COSE: failures")
    assert "12. JWT Credential" in text[failures : text.index("## Listed as not claimed")]
    assert "- VC-JOSE-COSE: JOSE Tests: 6. JWT Basic Credential Verification" in text
    assert "5. JWT Issuance" in text[text.index("## VC-JOSE-COSE: not claimed") :]


def test_the_not_claimed_list_is_well_formed_and_names_known_suites() -> None:
    listed = conformance.read_not_claimed(conformance.NOT_CLAIMED.read_text(encoding="utf-8"))
    assert listed, "bench/CONFORMANCE-NOT-CLAIMED.md has a not-claimed block"
    assert set(listed) <= {suite.label for suite in conformance.KNOWN_SUITES}
    with pytest.raises(SystemExit, match="line 2"):
        conformance.read_not_claimed("```not-claimed\nno separator\n```\n")
