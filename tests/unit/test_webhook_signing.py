"""Standard Webhooks signing (https://github.com/standard-webhooks/standard-webhooks/blob/main/spec/standard-webhooks.md)
against the specification's example values, and the target URL checks that need no network."""

from __future__ import annotations

import base64

import pytest

from verify_api.errors import WebhookTargetError
from verify_api.services.webhooks import check_target, check_url_shape, generate_secret, sign, webhook_headers

# The example of the specification (and of its reference libraries' tests).
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_sign_reproduces_the_specification_example() -> None:
    assert sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY) == SPEC_SIGNATURE


def test_a_changed_body_or_timestamp_changes_the_signature() -> None:
    assert sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY + b" ") != SPEC_SIGNATURE
    assert sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP + 1, SPEC_BODY) != SPEC_SIGNATURE


def test_headers_carry_id_timestamp_and_signature() -> None:
    headers = webhook_headers(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)
    assert headers["webhook-id"] == SPEC_ID
    assert headers["webhook-timestamp"] == str(SPEC_TIMESTAMP)
    assert headers["webhook-signature"] == SPEC_SIGNATURE


def test_generated_secrets_have_the_prefix_and_32_random_bytes() -> None:
    first, second = generate_secret(), generate_secret()
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"))) == 32
    assert first != second


@pytest.mark.parametrize(
    "url", ["ftp://example.org/x", "http://u:p@example.org/", "http://example.org/#frag", "/relative", "http://[::1"]
)
def test_malformed_targets_are_refused(url: str) -> None:
    with pytest.raises(WebhookTargetError, match="webhook URL"):
        check_url_shape(url)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1/", "http://[::ffff:10.0.0.1]/", "http://0.0.0.0/", "http://100.64.0.1/"]
)
async def test_non_public_addresses_are_refused_unless_allowed(url: str) -> None:
    with pytest.raises(WebhookTargetError, match="non-public"):
        await check_target(url, allow_private=False)
    checked = await check_target(url, allow_private=True)
    assert checked.url.startswith("http://")


def test_the_readme_receiver_snippet_verifies_the_specification_example() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    (snippet,) = [block for block in readme.split("```python\n")[1:] if "def verify(secret" in block]
    namespace: dict[str, object] = {}
    exec(snippet.split("```", 1)[0], namespace)
    verify = namespace["verify"]
    assert callable(verify)
    headers = {"webhook-id": SPEC_ID, "webhook-timestamp": str(SPEC_TIMESTAMP), "webhook-signature": SPEC_SIGNATURE}
    assert verify(SPEC_SECRET, headers, SPEC_BODY, tolerance=10**10)
    assert not verify(SPEC_SECRET, headers, SPEC_BODY + b" ", tolerance=10**10)
    assert not verify(SPEC_SECRET, headers, SPEC_BODY)  # the example's timestamp is years old: a replay
