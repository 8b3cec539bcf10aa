"""Credential ids and human verification codes.

Credential ids are 128 random bits (base32, lowercase) so they cannot be guessed or enumerated.
Verification codes are printed on badges and typed by people, so they use Crockford's base32 (no I, L, O, U)
and end in Crockford's mod-37 check symbol, which catches every single mistyped character and every swap of
two adjacent characters: a typo is reported as a typo, never resolved to someone else's credential.
"""

from __future__ import annotations

import base64
import re
import secrets

from verify_api.errors import InvalidVerificationCodeError

CROCKFORD_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_CHECK_SYMBOLS = CROCKFORD_ALPHABET + "*~$=U"
_DATA_LENGTH = 8  # 40 bits: a trillion codes, looked up behind a rate limit
_CODE_PREFIX = "PAI"
_CREDENTIAL_ID = re.compile(r"^[a-z2-7]{26}$")
# Crockford decoding is forgiving about look-alike characters people type by mistake.
_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})


def new_credential_id() -> str:
    return base64.b32encode(secrets.token_bytes(16)).decode().rstrip("=").lower()


def is_credential_id(value: str) -> bool:
    return bool(_CREDENTIAL_ID.match(value))


def check_symbol(data: str) -> str:
    """Crockford base32 check symbol: the value of the data modulo 37."""
    value = 0
    for char in data:
        value = value * 32 + CROCKFORD_ALPHABET.index(char)
    return _CHECK_SYMBOLS[value % 37]


def format_verification_code(data: str) -> str:
    return f"{_CODE_PREFIX}-{data[:4]}-{data[4:]}-{check_symbol(data)}"


def new_verification_code() -> str:
    data = "".join(secrets.choice(CROCKFORD_ALPHABET) for _ in range(_DATA_LENGTH))
    return format_verification_code(data)


def normalize_verification_code(raw: str) -> str:
    """Parse what a person typed into the canonical printed form, or say exactly what is wrong."""
    compact = re.sub(r"[\s\-]", "", raw.upper())
    if compact.startswith(_CODE_PREFIX):
        compact = compact[len(_CODE_PREFIX) :]
    if len(compact) != _DATA_LENGTH + 1:
        raise InvalidVerificationCodeError(
            f"a verification code has {_DATA_LENGTH} characters and a check character, "
            f"like PAI-7K3M-9QXD-4; got {len(compact)} characters",
        )
    data, check = compact[:-1].translate(_ALIASES), compact[-1]
    bad = sorted({c for c in data if c not in CROCKFORD_ALPHABET})
    if bad:
        raise InvalidVerificationCodeError(f"a verification code cannot contain {', '.join(map(repr, bad))}")
    if check not in _CHECK_SYMBOLS:
        raise InvalidVerificationCodeError(f"{check!r} is not a valid check character")
    if check_symbol(data) != check:
        raise InvalidVerificationCodeError(
            "the check character does not match: the code was probably mistyped; please compare it with the badge"
        )
    return format_verification_code(data)
