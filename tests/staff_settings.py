"""Settings for tests that sign staff in to the console: cheap argon2id parameters (RFC 9106's minimum memory), since
a test signs in dozens of times on a shared machine."""

from __future__ import annotations

from typing import Any

from tests.conftest import BASE_URL
from verify_api.settings import Settings, load_settings

CHEAP_STAFF_PASSWORDS: dict[str, Any] = {
    "staff_password_time_cost": 1,
    "staff_password_memory_kib": 8192,
    "staff_password_parallelism": 1,
}


def console_test_settings(database_url: str, **overrides: Any) -> Settings:
    return load_settings(
        {}, database_url=database_url, public_base_url=BASE_URL, pool_min=1, pool_max=4,
        **CHEAP_STAFF_PASSWORDS, **overrides,
    )  # fmt: skip
