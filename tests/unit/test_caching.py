"""The one bounded cache type every in-process cache uses, and the one key-window rule."""

from datetime import UTC, datetime, timedelta

import pytest

from verify_api.caching import BoundedCache
from verify_api.domain.verdict import judge_key_window


def test_the_least_recently_used_entry_goes_first() -> None:
    cache: BoundedCache[str, int] = BoundedCache(2)
    cache.put("a", 1)
    cache.put("b", 2)
    assert cache.get("a") == 1  # "a" is now the newest
    cache.put("c", 3)
    assert "b" not in cache
    assert cache.get("a") == 1
    assert cache.get("c") == 3
    assert len(cache) == 2


def test_the_mapping_protocol_pyld_uses_is_bounded_too() -> None:
    cache: BoundedCache[str, int] = BoundedCache(1)
    cache["a"] = 1
    cache["b"] = 2
    assert cache.get("a") is None
    assert cache.get("a", 0) == 0
    assert cache["b"] == 2


@pytest.mark.parametrize("capacity", [0, -1])
def test_a_cache_without_capacity_keeps_nothing(capacity: int) -> None:
    cache: BoundedCache[str, int] = BoundedCache(capacity)
    cache.put("a", 1)
    assert len(cache) == 0
    assert cache.get("a") is None


T0 = datetime(2026, 1, 1, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("issued_at", "retired_at", "compromised_since", "reason"),
    [
        (T0 + DAY, None, None, None),
        (T0, T0 + DAY, None, None),
        (T0 - DAY, None, None, "signed_before_key_created"),
        (T0 + DAY, T0 + DAY, None, "signed_after_key_retired"),
        (T0 + DAY, None, T0 + DAY, "key_compromise"),
        (T0 + 2 * DAY, T0 + DAY, T0 + DAY, "key_compromise"),
        (T0, None, T0 + DAY, None),
    ],
)
def test_the_key_window(
    issued_at: datetime, retired_at: datetime | None, compromised_since: datetime | None, reason: str | None
) -> None:
    verdict = judge_key_window(issued_at, created_at=T0, retired_at=retired_at, compromised_since=compromised_since)
    assert (verdict.reason if verdict else None) == reason
