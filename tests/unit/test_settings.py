from __future__ import annotations

import pytest

from verify_api.settings import SettingsError, load_settings


def test_settings_read_upper_case_environment() -> None:
    settings = load_settings({"PORT": "9001", "AIDA_PASS_MARK_PERCENT": "80", "PUBLIC_BASE_URL": "https://v.example/"})
    assert settings.port == 9001
    assert settings.aida_pass_mark_percent == 80
    assert settings.base_url == "https://v.example"


@pytest.mark.parametrize(
    ("environ", "message"),
    [
        ({"PORT": "eighty"}, "PORT"),
        ({"AIDA_PASS_MARK_PERCENT": "101"}, "between 1 and 100"),
        ({"STATUS_LIST_SIZE": "1001"}, "multiple of 8"),
        ({"STATUS_LIST_SIZE": "56"}, "at least 64"),
        ({"ASSESSMENT_MAX_AGE_DAYS": "0"}, "ASSESSMENT_MAX_AGE_DAYS"),
        ({"PUBLIC_BASE_URL": "ftp://x"}, "PUBLIC_BASE_URL"),
        ({"DEFAULT_CRYPTOSUITE": "rsa"}, "DEFAULT_CRYPTOSUITE"),
    ],
)
def test_settings_reject_bad_values(environ: dict[str, str], message: str) -> None:
    with pytest.raises(SettingsError, match=message):
        load_settings(environ)
