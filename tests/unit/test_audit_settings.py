"""AUDIT_CHECKPOINT_EVERY is a cadence: zero or less would never checkpoint (and divide by zero)."""

from __future__ import annotations

import pytest

from verify_api.settings import SettingsError, load_settings


@pytest.mark.parametrize("value", ["0", "-5"])
def test_checkpoint_cadence_must_be_positive(value: str) -> None:
    with pytest.raises(SettingsError, match="AUDIT_CHECKPOINT_EVERY must be at least 1"):
        load_settings({"AUDIT_CHECKPOINT_EVERY": value})


def test_checkpoint_cadence_is_read_from_the_environment() -> None:
    assert load_settings({"AUDIT_CHECKPOINT_EVERY": "7"}).audit_checkpoint_every == 7
