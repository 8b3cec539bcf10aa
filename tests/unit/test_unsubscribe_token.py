"""The unsubscribe link's token check (services/mail.py): any string a client sends is a refusal or a pass, never an
unexpected error (hmac.compare_digest raises TypeError on str with non-ASCII characters)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from verify_api.errors import InvalidUnsubscribeTokenError
from verify_api.services.mail import check_unsubscribe_token, unsubscribe_token

KEY = b"k" * 32


def test_the_token_of_the_link_passes() -> None:
    holder = uuid4()
    check_unsubscribe_token(KEY, holder, unsubscribe_token(KEY, holder))


@pytest.mark.parametrize("token", ["", "a", "~BÚ", "é" * 43, "\udcff", "[Filtered]"])
def test_any_other_string_is_refused_as_an_invalid_link(token: str) -> None:
    with pytest.raises(InvalidUnsubscribeTokenError):
        check_unsubscribe_token(KEY, uuid4(), token)


def test_another_holder_s_token_is_refused() -> None:
    with pytest.raises(InvalidUnsubscribeTokenError):
        check_unsubscribe_token(KEY, uuid4(), unsubscribe_token(KEY, uuid4()))
