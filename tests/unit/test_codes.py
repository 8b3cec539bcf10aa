from __future__ import annotations

import pytest

from verify_api.domain.codes import (
    CROCKFORD_ALPHABET,
    format_verification_code,
    is_credential_id,
    new_credential_id,
    new_verification_code,
    normalize_verification_code,
)
from verify_api.errors import InvalidVerificationCodeError


def test_new_credential_ids_are_unguessable_base32() -> None:
    ids = {new_credential_id() for _ in range(1000)}
    assert len(ids) == 1000
    assert all(is_credential_id(i) for i in ids)


def test_code_round_trips_through_normalisation() -> None:
    for _ in range(200):
        code = new_verification_code()
        assert normalize_verification_code(code) == code
        assert normalize_verification_code(code.lower().replace("-", " ")) == code


def test_code_check_catches_every_single_substitution() -> None:
    data = "7K3M9QXD"
    code = format_verification_code(data)
    for position in range(len(data)):
        for replacement in CROCKFORD_ALPHABET:
            if replacement == data[position]:
                continue
            typo = data[:position] + replacement + data[position + 1 :]
            with pytest.raises(InvalidVerificationCodeError, match="mistyped"):
                normalize_verification_code(typo + code[-1])


def test_code_check_catches_adjacent_transpositions() -> None:
    data = "7K3M9QXD"
    check = format_verification_code(data)[-1]
    for i in range(len(data) - 1):
        if data[i] == data[i + 1]:
            continue
        swapped = data[:i] + data[i + 1] + data[i] + data[i + 2 :]
        with pytest.raises(InvalidVerificationCodeError, match="mistyped"):
            normalize_verification_code(swapped + check)


def test_code_accepts_lookalike_letters() -> None:
    code = format_verification_code("10000000")
    assert normalize_verification_code(code.replace("1", "I").replace("0", "O")) == code


@pytest.mark.parametrize(("raw", "message"), [("PAI-1234", "got 4 characters"), ("PAI-UUUU-UUUU-0", "cannot contain")])
def test_code_malformed_is_explained(raw: str, message: str) -> None:
    with pytest.raises(InvalidVerificationCodeError, match=message):
        normalize_verification_code(raw)
