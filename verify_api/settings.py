"""Runtime settings, read once from the environment.

Numbers the PAI has not published (pass marks, staff minimums, validity periods) live here with documented
defaults (README "Settings"), never as constants in the domain code.
"""

from __future__ import annotations

import functools
import ipaddress
from typing import TYPE_CHECKING, Literal, TypeAlias
from urllib.parse import urlsplit

import msgspec

if TYPE_CHECKING:
    from collections.abc import Mapping

Cryptosuite = Literal["eddsa-rdfc-2022", "eddsa-jcs-2022"]
# How a VC-JOSE-COSE (`application/vc+jwt`) credential of POST /credentials/issue is secured: its JWS alg.
JoseSecuring = Literal["jose-EdDSA", "jose-ES256", "sd-jwt-EdDSA", "sd-jwt-ES256"]


IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network


class SettingsError(ValueError):
    """A setting is missing or malformed."""


class Settings(msgspec.Struct, frozen=True, rename="upper", forbid_unknown_fields=False):
    # Unset means "start the embedded PostgreSQL under .data/" (an explicit, logged mode of `serve`).
    database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # The origin everything public is addressed by: credential ids, did:web, status list URLs, QR codes.
    public_base_url: str = "http://127.0.0.1:8000"
    # PKCS#8 PEM Ed25519 key. Unset in dev: `serve` generates keys/dev-signing-key.pem (dev only).
    signing_key_path: str | None = None
    signing_key_passphrase: str | None = None
    # Where the embedded PostgreSQL cluster lives (DATA_DIR/pg) and where the dev key is written
    # (KEYS_DIR/dev-signing-key.pem); relative paths are taken from the working directory.
    data_dir: str = ".data"
    keys_dir: str = "keys"
    default_cryptosuite: Cryptosuite = "eddsa-rdfc-2022"
    issuer_name: str = "Production AI Institute"
    # Tier rules (see README for why these defaults).
    aida_pass_mark_percent: int = 70
    cpaa_min_panel_size: int = 3
    cai_min_aida_staff: int = 3
    aida_validity_days: int = 730
    cpap_validity_days: int = 1095
    cpaa_validity_days: int = 1095
    cai_validity_days: int = 365
    # CAE is valid until its next governance review is due, but never longer than this.
    cae_max_validity_days: int = 730
    # Organisation rules (issue: status lifecycle). A CAE stays valid this long past its governance review due date,
    # then is suspended; a CAI below its AIDA staff minimum is "at risk" at once and suspended after this long.
    cae_governance_grace_days: int = 30
    cai_staff_grace_days: int = 30
    # A signed checkpoint of the event log is written once this many events have accumulated.
    audit_checkpoint_every: int = 100
    # Bitstring Status List size; the spec's herd-privacy minimum is 131,072 entries (smaller only for tests).
    status_list_size: int = 131072
    # How long an assessment can back an issuance (or a renewal), in days from when it was assessed: by default the
    # longest validity period (CPAP/CPAA), so evidence never outlives what it could back by more than one cycle.
    assessment_max_age_days: int = 1095
    max_body_bytes: int = 1_048_576
    # POST /v1/verify and the VC API verify routes: requests per minute per client IP, and the body cap
    # (larger than MAX_BODY_BYTES so badge images fit).
    verify_rate_limit_per_minute: int = 120
    verify_max_body_bytes: int = 5_242_880
    # The issuer identity of POST /credentials/issue (W3C VC API): the PAI's did:web, or the did:key of the
    # signing key (for interoperability test suites that expect a did:key issuer).
    vc_api_issuer: Literal["did:web", "did:key"] = "did:web"
    # SD-JWT (VC-JOSE-COSE §3.2.1, RFC 9901): decoy digests added to every `_sd` array an issued SD-JWT has (RFC 9901
    # §4.2.5: they hide how many claims are selectively disclosable), and how old a presented Key Binding JWT's
    # `iat` may be (RFC 9901 §7.3 step 5.5), in seconds.
    sd_jwt_decoy_digests: int = 2
    kb_jwt_max_age_seconds: int = 300
    pool_min: int = 2
    pool_max: int = 10
    workers: int = 1
    log_level: str = "INFO"
    # Badges and pages (README "Badges and pages").
    offline_qr: bool = True  # put the signed, offline-checkable PV1 QR on active credentials' badges
    badge_cache_size: int = 512  # rendered badge images kept in memory per process (content-addressed)
    # Public lookups (by id and by code) answered from memory per process, kept fresh by LISTEN/NOTIFY (README
    # "Lookups and the change feed"); 0 turns the cache off. An entry is about 3 KB.
    lookup_cache_size: int = 20_000
    # LinkedIn's numeric company id of the PAI for "Add to profile"; unset: the issuer name is sent instead.
    linkedin_organization_id: str | None = None
    # Observability (README "Logs and metrics"). LOG_FORMAT auto: text on a terminal, JSON lines otherwise.
    log_format: Literal["auto", "json", "text"] = "auto"
    access_log: bool = True  # one INFO line per request (verify_api.access)
    metrics_enabled: bool = True  # GET /metrics in the Prometheus text format
    metrics_token: str | None = None  # when set, /metrics needs `Authorization: Bearer <token>`
    # How long a request waits for PostgreSQL to accept a new connection before it is answered 503.
    database_connect_timeout_seconds: float = 2.0

    # Running several (README "More than one process"). Proxies whose forwarding header names the client: a
    # comma-separated list of CIDRs (empty: trust nobody, the socket peer is the client), and which header they set.
    trusted_proxies: str = ""
    trusted_proxy_header: Literal["x-forwarded-for", "forwarded"] = "x-forwarded-for"
    # Rate-limit budgets are shared by every worker and instance: in PostgreSQL, or in Valkey/Redis when set.
    redis_url: str | None = None
    # A worker takes up to this many tokens of a client's budget from the shared counter at a time (fewer for small
    # limits): one round trip per lease instead of per request.
    rate_limit_lease_max: int = 50
    # A streaming replica for public reads, used while it is at most REPLICA_MAX_LAG_MS behind the primary and has
    # replayed every change this process has been told of; otherwise the primary answers.
    database_replica_url: str | None = None
    replica_max_lag_ms: int = 1000
    replica_poll_ms: int = 100
    # The staff console (README "Staff console"): sign-in lockout after this many failed attempts in a row, for
    # this long; sessions end after this long without a page (idle) and this long after sign-in (absolute).
    console_max_failed_attempts: int = 5
    console_lockout_minutes: int = 15
    console_session_idle_minutes: int = 30
    console_session_absolute_hours: int = 12
    # Sign-in attempts (right or wrong) the console takes from one client address per minute (sliding window, shared
    # by every worker and instance like the verification routes' budget), beside the per-account lockout: one
    # address cannot spray passwords over many accounts. Beyond it, the same "not accepted" answer.
    console_sign_in_per_minute: int = 30
    # argon2id cost of staff passwords (RFC 9106 section 4, its second recommended option: t=3, 64 MiB, p=4, which
    # argon2-cffi also defaults to). A change is picked up by each account at its next sign-in (rehash).
    staff_password_time_cost: int = 3
    staff_password_memory_kib: int = 65536
    staff_password_parallelism: int = 4
    # Bulk issuance (README "Bulk issuance"): the largest file POST /v1/issuance-jobs accepts, in bytes and rows; rows
    # committed per transaction; processes that sign (0: one per CPU core); how long a worker's claim on a job lasts
    # without renewal (a killed server's job is taken over after this); how often an idle worker looks for jobs;
    # whether the server runs a worker at all.
    bulk_max_body_bytes: int = 67_108_864
    bulk_max_rows: int = 200_000
    bulk_batch_size: int = 2000
    bulk_signing_processes: int = 0
    bulk_job_lease_seconds: float = 30.0
    bulk_poll_seconds: float = 1.0
    bulk_worker: bool = True
    # A batch that fails with an unexpected error (not a row's own refusal) is tried this many times in all, waiting
    # BULK_BATCH_RETRY_SECONDS before the second try and twice as long before each next; then its rows are marked
    # failed and the job goes on (services.batch_faults).
    bulk_batch_attempts: int = 3
    bulk_batch_retry_seconds: float = 2.0
    # Notifications and webhooks (README "Notifications and webhooks"). Each worker and instance may run the outbox
    # dispatcher (deliveries are claimed with SKIP LOCKED under a lease); NOTIFY_DISPATCH=false runs none here.
    notify_dispatch: bool = True
    notify_poll_seconds: float = 1.0  # how often the outbox is looked at for new events and due deliveries
    notify_scan_seconds: float = 300.0  # how often expiry ahead, expiry and organisations at risk are looked for
    notify_lease_seconds: float = 120.0  # a claimed delivery is sent again after this if its sender never answers
    notify_batch_size: int = 20  # deliveries sent at once per dispatcher
    # Retries (e-mail and webhooks): exponential backoff with jitter from the base up to the cap, for this long.
    notify_retry_hours: float = 26.0
    notify_retry_base_seconds: float = 5.0
    notify_retry_max_seconds: float = 3600.0
    expiry_notice_days: int = 30  # holders are told this many days before a credential expires
    # SMTP; unset SMTP_HOST writes each message to MAIL_DIR (default DATA_DIR/mail) as an .eml file instead.
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_security: Literal["starttls", "tls", "none"] = "starttls"
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_timeout_seconds: float = 30.0
    mail_from: str = "PAI Verify <no-reply@localhost>"
    mail_dir: str | None = None
    # Webhook targets must resolve to public addresses only, unless this is set (local receivers, tests).
    webhook_allow_private_targets: bool = False
    webhook_timeout_seconds: float = 10.0
    # Wallet delivery by OID4VCI (README "For wallets"): how long a credential offer's pre-authorized code, the
    # access token it is exchanged for and a c_nonce live, and the wrong transaction codes an offer survives.
    oid4vci_offer_minutes: int = 10
    oid4vci_access_token_seconds: int = 300
    oid4vci_nonce_seconds: int = 300
    oid4vci_tx_code_max_attempts: int = 5
    # Holders (README "For holders"): their sessions end this long after the last request and after sign-in.
    holder_session_idle_minutes: int = 60
    holder_session_absolute_hours: int = 24
    # A sign-in link works once, within this many minutes; at most this many are asked for per address and per
    # client (IP address, an IPv6 client by its /64) within the window.
    holder_sign_in_link_minutes: int = 15
    holder_sign_in_per_address: int = 5
    holder_sign_in_per_client: int = 20
    holder_sign_in_window_minutes: int = 60
    holder_email_change_link_hours: int = 24  # both links of an address change work once, within this long
    # The 1EdTech Open Badges API (README "For wallets"): authorization codes live OB_CODE_SECONDS (the spec
    # recommends 600), access tokens OB_ACCESS_TOKEN_SECONDS (it recommends 3600), refresh tokens OB_REFRESH_TOKEN_DAYS
    # (each use rotates it). The discovery document names the privacy policy and terms of service (required there);
    # unset, it names this service's home page, which says what the service is and keeps.
    ob_code_seconds: int = 600
    ob_access_token_seconds: int = 3600
    ob_refresh_token_days: int = 180
    ob_privacy_policy_url: str | None = None
    ob_terms_of_service_url: str | None = None

    def __post_init__(self) -> None:
        if self.aida_pass_mark_percent < 1 or self.aida_pass_mark_percent > 100:
            raise SettingsError("AIDA_PASS_MARK_PERCENT must be between 1 and 100")
        for name in (
            "cpaa_min_panel_size",
            "cai_min_aida_staff",
            "aida_validity_days",
            "cpap_validity_days",
            "cpaa_validity_days",
            "cai_validity_days",
            "cae_max_validity_days",
            "audit_checkpoint_every",
            "assessment_max_age_days",
            "rate_limit_lease_max",
            "replica_max_lag_ms",
            "replica_poll_ms",
            "console_max_failed_attempts",
            "console_lockout_minutes",
            "console_session_idle_minutes",
            "console_session_absolute_hours",
            "console_sign_in_per_minute",
            "staff_password_time_cost",
            "staff_password_parallelism",
            "bulk_max_body_bytes",
            "bulk_max_rows",
            "bulk_batch_size",
            "bulk_batch_attempts",
            "notify_batch_size",
            "expiry_notice_days",
            "oid4vci_offer_minutes",
            "oid4vci_access_token_seconds",
            "oid4vci_nonce_seconds",
            "oid4vci_tx_code_max_attempts",
            "holder_session_idle_minutes",
            "holder_session_absolute_hours",
            "holder_sign_in_link_minutes",
            "holder_sign_in_per_address",
            "holder_sign_in_per_client",
            "holder_sign_in_window_minutes",
            "holder_email_change_link_hours",
        ):
            if getattr(self, name) < 1:
                raise SettingsError(f"{name.upper()} must be at least 1")
        for name in ("cae_governance_grace_days", "cai_staff_grace_days", "sd_jwt_decoy_digests"):
            if getattr(self, name) < 0:
                raise SettingsError(f"{name.upper()} must not be negative")
        if self.verify_rate_limit_per_minute < 1 or self.verify_max_body_bytes < 1:
            raise SettingsError("VERIFY_RATE_LIMIT_PER_MINUTE and VERIFY_MAX_BODY_BYTES must be at least 1")
        self._check_bulk()
        if self.database_connect_timeout_seconds <= 0:
            raise SettingsError("DATABASE_CONNECT_TIMEOUT_SECONDS must be positive")
        if self.status_list_size < 64 or self.status_list_size % 8:
            # Below the spec's 131,072 a list hides little (herd privacy); that is only for tests.
            raise SettingsError("STATUS_LIST_SIZE must be a multiple of 8 and at least 64 (131072 in production)")
        _check_staff_password_memory(self.staff_password_memory_kib, self.staff_password_parallelism)
        _check_trusted_proxies(self.trusted_proxies)
        _check_positive(self)
        parts = urlsplit(self.public_base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment:
            raise SettingsError(
                "PUBLIC_BASE_URL must be an http(s) origin with an optional path, e.g. https://verify.example.org"
            )

    def _check_bulk(self) -> None:
        if self.bulk_signing_processes < 0:
            raise SettingsError("BULK_SIGNING_PROCESSES must not be negative (0: one per CPU core)")
        if self.bulk_job_lease_seconds <= 0 or self.bulk_poll_seconds <= 0:
            raise SettingsError("BULK_JOB_LEASE_SECONDS and BULK_POLL_SECONDS must be positive")
        if self.bulk_batch_retry_seconds < 0:
            raise SettingsError("BULK_BATCH_RETRY_SECONDS must not be negative")

    @property
    def base_url(self) -> str:
        return self.public_base_url.rstrip("/")


_POSITIVE = (
    "notify_poll_seconds",
    "notify_scan_seconds",
    "notify_lease_seconds",
    "notify_retry_hours",
    "notify_retry_base_seconds",
    "notify_retry_max_seconds",
    "smtp_timeout_seconds",
    "webhook_timeout_seconds",
    "kb_jwt_max_age_seconds",
    "ob_code_seconds",
    "ob_access_token_seconds",
    "ob_refresh_token_days",
)


def _check_positive(settings: Settings) -> None:
    for name in _POSITIVE:
        if getattr(settings, name) <= 0:
            raise SettingsError(f"{name.upper()} must be positive")


@functools.cache
def trusted_networks(cidrs: str) -> tuple[IPNetwork, ...]:
    """The networks of a TRUSTED_PROXIES value ("10.0.0.0/8, 2001:db8::/32, 127.0.0.1"), parsed once."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in cidrs.split(",") if part.strip())


def _check_staff_password_memory(memory_kib: int, parallelism: int) -> None:
    if memory_kib < 8 * parallelism:
        raise SettingsError("STAFF_PASSWORD_MEMORY_KIB must be at least 8 KiB per lane of parallelism (RFC 9106)")


def _check_trusted_proxies(cidrs: str) -> None:
    try:
        trusted_networks(cidrs)
    except ValueError as exc:
        raise SettingsError(f"TRUSTED_PROXIES must be a comma-separated list of CIDRs: {exc}") from exc


def load_settings(environ: Mapping[str, str], **overrides: object) -> Settings:
    """Build Settings from environment variables (upper-case field names), then explicit overrides."""
    names = {f.encode_name for f in msgspec.structs.fields(Settings)}
    raw: dict[str, object] = {k: v for k, v in environ.items() if k in names and v != ""}
    raw.update({k.upper(): v for k, v in overrides.items()})
    if "PUBLIC_BASE_URL" not in raw:  # PORT alone must not mint every id on port 8000
        raw["PUBLIC_BASE_URL"] = default_public_base_url(str(raw.get("HOST", "127.0.0.1")), raw.get("PORT", 8000))
    try:
        return msgspec.convert(raw, Settings, strict=False)
    except msgspec.ValidationError as exc:
        raise SettingsError(f"invalid setting: {exc}") from exc


def default_public_base_url(host: str, port: object) -> str:
    """`http://<HOST>:<PORT>`, the origin a local `serve` answers on; a wildcard HOST (all interfaces) is reached
    at 127.0.0.1. A malformed PORT is left for validation to report."""
    if host in ("", "0.0.0.0", "::"):  # noqa: S104 - recognising the wildcard, not binding it
        host = "127.0.0.1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"
