"""What every use-case needs besides a connection: `ServiceContext` (settings, the derived tier policy, the live
issuer key, the per-process caches and the clock), built once by the app's lifespan and by the CLI runtime.

The key is live: `usable_signing_key` reads the key's state in the register before anything is signed. A key
that was retired (`verify-api keys rotate`) is replaced by the key now at SIGNING_KEY_PATH when the register
lists that one as active, without a restart; a retired or compromised key with no active successor on disk is a
`SigningKeyError` (503), so nothing is ever signed with a key the register no longer trusts.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verify_api.db.signing_keys import SigningKeys
from verify_api.domain.credential import did_web_for
from verify_api.domain.dates import rfc3339
from verify_api.domain.tiers import TierPolicy
from verify_api.errors import SigningKeyError
from verify_api.proofs.data_integrity import add_proof
from verify_api.services.caches import CURRENT_LISTS_CAPACITY, CurrentList, StatusListCache, TaggedCache
from verify_api.services.key_files import key_passphrase, read_key_file

if TYPE_CHECKING:
    from collections.abc import Callable

    from verify_api.db.pool import Connection
    from verify_api.db.records import SigningKeyRecord
    from verify_api.proofs.keys import Signer
    from verify_api.services.lookup import LookupAnswer
    from verify_api.settings import Settings


@dataclass(frozen=True)
class IssuerKey:
    """The active signing key and the verification method id it is published under.

    `source`, when set, is where a rotated-in successor is loaded from; every key loaded from it shares it.
    """

    signer: Signer
    verification_method: str
    source: SigningKeySource | None = field(default=None, compare=False, repr=False)

    @classmethod
    def for_settings(cls, signer: Signer, settings: Settings) -> IssuerKey:
        return cls(signer, f"{did_web_for(settings.base_url)}#{signer.public_key_multibase}")

    def sign_sync(
        self, document: dict[str, Any], *, cryptosuite: str, created: datetime, verification_method: str | None = None
    ) -> dict[str, Any]:
        """The one way a document is signed with the issuer key: a Data Integrity proof created at `created`,
        naming `verification_method` (default the key's own). CPU-bound: run it in a thread."""
        return add_proof(
            document,
            self.signer,
            cryptosuite=cryptosuite,
            verification_method=verification_method or self.verification_method,
            created=rfc3339(created),
        )


class SigningKeySource:
    """SIGNING_KEY_PATH and the newest key the running process uses (shared by every request of a process)."""

    def __init__(self, key: IssuerKey, settings: Settings) -> None:
        self.settings = settings
        self.path = Path(settings.signing_key_path) if settings.signing_key_path else None
        self.current: IssuerKey = replace(key, source=self)
        self.reload_lock = asyncio.Lock()  # one reload of the key file at a time

    def load_sync(self) -> IssuerKey:
        assert self.path is not None
        signer = read_key_file(self.path, key_passphrase(self.settings))
        return replace(IssuerKey.for_settings(signer, self.settings), source=self)


def key_unusable_reason(record: SigningKeyRecord | None, kid: str) -> str | None:
    """Why the register refuses `kid` for signing now, or None when it is the active key."""
    if record is None:
        return f"the signing key {kid} is not in the register of keys"
    if record.compromised_since is not None:
        return f"the signing key {kid} was declared compromised"
    if record.retired_at is not None:
        return f"the signing key {kid} was retired on {record.retired_at.isoformat()}"
    return None


async def usable_signing_key(conn: Connection, key: IssuerKey, *, lock: bool = False) -> IssuerKey:
    """The key to sign with now, per the register: `key` (or the source's newer key) while active, else the key at
    SIGNING_KEY_PATH when the register lists it as active (a rotation took place), else `SigningKeyError`.

    With `lock`, the key's row is share-locked to the end of the caller's transaction, so a rotation or compromise
    committed while this transaction signs waits for it.
    """
    source = key.source
    if source is not None and source.current.verification_method != key.verification_method:
        key = source.current  # another request already switched to the rotated-in key
    keys = SigningKeys(conn)
    read = keys.lock if lock else keys.get
    reason = key_unusable_reason(await read(key.verification_method), key.verification_method)
    if reason is None:
        return key
    if source is None or source.path is None:
        raise SigningKeyError(f"{reason}; no SIGNING_KEY_PATH to load its successor from")
    async with source.reload_lock:
        successor = await asyncio.to_thread(source.load_sync)
        if successor.verification_method == key.verification_method:
            raise SigningKeyError(f"{reason}, and {source.path.name} still holds it; run `verify-api keys rotate`")
        successor_reason = key_unusable_reason(await read(successor.verification_method), successor.verification_method)
        if successor_reason is not None:
            raise SigningKeyError(f"{reason}; the key in {source.path.name} is not usable either: {successor_reason}")
        source.current = successor
    return successor


def tier_policy(settings: Settings) -> TierPolicy:
    return TierPolicy(
        aida_pass_mark_percent=settings.aida_pass_mark_percent,
        cpaa_min_panel_size=settings.cpaa_min_panel_size,
        cai_min_aida_staff=settings.cai_min_aida_staff,
        validity_days={
            "AIDA": settings.aida_validity_days,
            "CPAP": settings.cpap_validity_days,
            "CPAA": settings.cpaa_validity_days,
            "CAI": settings.cai_validity_days,
            "CAE": settings.cae_max_validity_days,
        },
        cae_max_validity_days=settings.cae_max_validity_days,
        cae_governance_grace_days=settings.cae_governance_grace_days,
        assessment_max_age_days=settings.assessment_max_age_days,
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass
class ServiceContext:
    """What the process builds once and every use case shares: passed as `ctx` instead of settings, key and caches.

    `issuer_key` is the start-up key until a rotation is noticed, then its successor; signing use cases still pass
    it through `usable_signing_key`, which checks the register.
    """

    settings: Settings
    key_source: SigningKeySource
    clock: Callable[[], datetime] = utc_now
    status_list_cache: StatusListCache = field(default_factory=StatusListCache)
    policy: TierPolicy = field(init=False)
    # Public lookup answers (services.lookup), kept fresh by the change feed (services.change_feed).
    lookup_cache: TaggedCache[LookupAnswer] = field(init=False)
    # The current status lists (services.status_lists), kept fresh the same way.
    current_lists: TaggedCache[CurrentList] = field(init=False)

    def __post_init__(self) -> None:
        self.policy = tier_policy(self.settings)
        self.lookup_cache = TaggedCache(self.settings.lookup_cache_size)
        self.current_lists = TaggedCache(CURRENT_LISTS_CAPACITY if self.settings.lookup_cache_size > 0 else 0)

    @classmethod
    def for_key(cls, settings: Settings, key: IssuerKey, *, clock: Callable[[], datetime] = utc_now) -> ServiceContext:
        return cls(settings=settings, key_source=SigningKeySource(key, settings), clock=clock)

    @property
    def issuer_key(self) -> IssuerKey:
        return self.key_source.current
