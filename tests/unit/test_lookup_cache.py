"""The lookup cache: entries dropped by tag, nothing kept that a note may have overtaken, nothing served unless the
change feed listens; and a cached answer holds exactly over the span in which time alone cannot change it."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

from verify_api.db.credentials import PrerequisiteState
from verify_api.db.lookups import LookupRow
from verify_api.db.records import CredentialRecord
from verify_api.services.caches import TaggedCache
from verify_api.services.lookup import LookupFacts, answer_from_facts
from verify_api.settings import load_settings

SETTINGS = load_settings({}, public_base_url="https://verify.test.example")
T0 = datetime(2026, 1, 1, tzinfo=UTC)


def live_cache(capacity: int = 10) -> TaggedCache[str]:
    cache: TaggedCache[str] = TaggedCache(capacity)
    cache.set_live(True)
    return cache


def test_tagged_cache_drops_entries_by_tag_and_keeps_the_others() -> None:
    cache = live_cache()
    assert cache.put("id:a", "A", ["credential:a", "holder:h"], read_at_generation=cache.generation)
    assert cache.put("id:b", "B", ["credential:b", "holder:h"], read_at_generation=cache.generation)
    assert cache.put("id:c", "C", ["credential:c"], read_at_generation=cache.generation)
    cache.invalidate(["holder:h"])
    assert (cache.get("id:a"), cache.get("id:b"), cache.get("id:c")) == (None, None, "C")


def test_tagged_cache_refuses_an_answer_read_before_a_note() -> None:
    cache = live_cache()
    started = cache.generation  # a lookup starts reading
    cache.invalidate(["credential:a"])  # a note arrives meanwhile (the read may predate the change)
    assert not cache.put("id:a", "stale", ["credential:a"], read_at_generation=started)
    assert cache.get("id:a") is None


def test_tagged_cache_serves_nothing_while_the_feed_is_down() -> None:
    cache = live_cache()
    cache.put("id:a", "A", ["credential:a"], read_at_generation=cache.generation)
    cache.set_live(False)
    assert cache.get("id:a") is None
    assert not cache.put("id:a", "A", ["credential:a"], read_at_generation=cache.generation)
    cache.set_live(True)  # back: starts empty, whatever notes were lost
    assert cache.get("id:a") is None
    assert len(cache) == 0


def test_tagged_cache_evicts_the_oldest_and_its_tags() -> None:
    cache = live_cache(capacity=2)
    for key in ("a", "b", "c"):
        cache.put(f"id:{key}", key, [f"credential:{key}"], read_at_generation=cache.generation)
    assert cache.get("id:a") is None
    assert len(cache) == 2
    assert "credential:a" not in cache._by_tag


def _facts(*, prerequisite_until: datetime | None = None) -> LookupFacts:
    record = CredentialRecord(
        id="a" * 26, tier="CPAP" if prerequisite_until else "AIDA", holder_id=UUID(int=1), organization_id=None,
        subject_name="Ada", verification_code="PAI-0000-0000-0", valid_from=T0, valid_until=T0 + timedelta(days=730),
        status="active", status_reason=None, status_changed_at=None, document=b"", cryptosuite="eddsa-jcs-2022",
        signing_key_id="did:web:verify.test.example#z6Mk", predecessor_id=None, issued_at=T0 - timedelta(hours=1),
        key_multibase="z6Mk", key_compromised_since=None, key_created_at=T0 - timedelta(days=1), key_retired_at=None,
    )  # fmt: skip
    prerequisite = None
    if prerequisite_until is not None:
        prerequisite = PrerequisiteState(
            tier="AIDA", status="active", status_reason=None, status_changed_at=None, valid_until=prerequisite_until
        )
    return LookupFacts(LookupRow(record, prerequisite, None, None), None)


def test_an_answer_holds_until_its_credential_expires() -> None:
    facts = _facts()
    answer = answer_from_facts(facts, settings=SETTINGS, now=T0 + timedelta(days=1))
    assert answer.holds_until == T0 + timedelta(days=730)
    for later in (timedelta(days=2), timedelta(days=400), timedelta(days=729, hours=23)):
        assert answer.holds_at(T0 + later)
        assert answer_from_facts(facts, settings=SETTINGS, now=T0 + later).body == answer.body
    assert not answer.holds_at(T0 + timedelta(days=730))
    expired = answer_from_facts(facts, settings=SETTINGS, now=T0 + timedelta(days=730))
    assert b'"status":"expired"' in expired.body
    assert expired.holds_until is None  # nothing changes by time after expiry


def test_an_answer_also_ends_when_its_prerequisite_lapses() -> None:
    lapses = T0 + timedelta(days=100)
    facts = _facts(prerequisite_until=lapses)
    answer = answer_from_facts(facts, settings=SETTINGS, now=T0 + timedelta(days=1))
    assert answer.holds_until == lapses
    assert b"expired on" not in answer.body
    assert b"expired on" in answer_from_facts(facts, settings=SETTINGS, now=lapses).body
