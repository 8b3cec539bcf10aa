"""One module owns every problem type URL: no other module spells one out, and the tables name only its URLs."""

from __future__ import annotations

import re
from pathlib import Path

from verify_api import errors, problem_types
from verify_api.api.problems import PROBLEM_TABLE
from verify_api.services.vc_api_verification import PROBLEM_TYPES

PACKAGE = Path(problem_types.__file__).parent
# Our problem base, or a W3C problem code (VC Data Model §7.1, VC Data Integrity §2.3) written as a URL.
SPELLED_OUT = re.compile(r"productionai\.institute/problems|(vc-data-model#|w3id\.org/security#)[A-Z_]+_ERROR")


def spelled_out_problem_types(root: Path) -> list[str]:
    return [
        f"{path.relative_to(root)}:{number}"
        for path in sorted(root.rglob("*.py"))
        if path.name != "problem_types.py"
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if SPELLED_OUT.search(line) and not line.lstrip().startswith("#")
    ]


def test_problem_type_urls_live_only_in_problem_types() -> None:
    assert spelled_out_problem_types(PACKAGE) == []


def test_a_planted_problem_url_is_caught(tmp_path: Path) -> None:
    (tmp_path / "rogue.py").write_text('TYPE = "https://w3id.org/security#PROOF_VERIFICATION_ERROR"\n')
    (tmp_path / "ours.py").write_text('BASE = "https://verify.productionai.institute/problems/"\n')
    assert spelled_out_problem_types(tmp_path) == ["ours.py:1", "rogue.py:1"]


def test_every_table_names_a_problem_types_url() -> None:
    owned = {v for k, v in vars(problem_types).items() if k.isupper() and isinstance(v, str)}
    assert {url for url, _ in PROBLEM_TYPES.values()} <= owned
    for status, slug, _ in PROBLEM_TABLE.values():
        assert 400 <= status < 600
        assert problem_types.pai_problem(slug).startswith(problem_types.PAI_PROBLEMS)


def test_presentation_proof_failures_are_typed_errors() -> None:
    for cls in (errors.ProofPurposeMismatchError, errors.ProofDomainMismatchError, errors.ProofChallengeMismatchError):
        assert issubclass(cls, errors.ProofError)  # so api/problems.py maps them as ProofError (422)
    assert problem_types.w3c_title(problem_types.INVALID_DOMAIN_ERROR) == "INVALID_DOMAIN_ERROR"
