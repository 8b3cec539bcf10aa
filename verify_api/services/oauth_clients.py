"""OAuth 2.0 Dynamic Client Registration (RFC 7591) as the Open Badges API 3.0 profiles it.

Open Badges 3.0 §"Register with Authorization Server" (https://www.imsglobal.org/spec/ob/v3p0/#register-with-
authorization-server): no initial access token; client_name, client_uri, logo_uri, tos_uri, policy_uri, software_id,
software_version, redirect_uris and scope are required; every URL is https and all share one hostname; grant types
are authorization_code and refresh_token, the response type is code. The answer (201) repeats the metadata as
registered, with the changes the server made, plus client_id, client_secret, client_id_issued_at and
client_secret_expires_at (RFC 7591 §3.2.1).

Two allowances beyond the https rule, both for native wallets: a redirection URI on a loopback IP literal over plain
http (RFC 8252 §7.3; `localhost` is refused, §8.3), which is matched whatever its port at authorization time, and
nothing else. The secret is 32 random bytes, shown once; the table keeps its SHA-256 (a 256-bit random secret cannot
be found back from its hash, so a slow hash would only add latency, as for API keys).
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import msgspec

from verify_api.db.oauth_clients import OAuthClientRecord, OAuthClients
from verify_api.errors import OAuthError
from verify_api.ob_api_schemas import OB_SCOPES, ClientMetadata

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection

GRANT_TYPES = ("authorization_code", "refresh_token")
AUTH_METHODS = ("client_secret_basic", "client_secret_post")
OFFLINE_ACCESS = "offline_access"  # the OB example registers it; a refresh token is issued when it is registered
MAX_URL_CHARS = 2000
LOOPBACK_HOSTS = ("127.0.0.1", "[::1]")


def secret_hash(secret: str) -> bytes:
    return hashlib.sha256(secret.encode()).digest()


@dataclass(frozen=True)
class RegisteredClient:
    """The registration response body (RFC 7591 §3.2.1): the only time the secret exists outside the client."""

    body: dict[str, Any]


def is_loopback_redirect(uri: str) -> bool:
    """An http redirection URI on a loopback IP literal (RFC 8252 §7.3)."""
    parts = urlsplit(uri)
    host = parts.hostname or ""
    try:
        return parts.scheme == "http" and ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(value: str, member: str, *, redirect: bool = False) -> str:
    """An absolute https URL (or, for a redirection URI, a loopback http one), without a fragment."""
    if len(value) > MAX_URL_CHARS:
        raise OAuthError(_metadata_error(redirect), f"{member} is longer than {MAX_URL_CHARS} characters")
    try:
        parts = urlsplit(value)
        _ = parts.port
    except ValueError as exc:
        raise OAuthError(_metadata_error(redirect), f"{member} is not a URL: {exc}") from exc
    if parts.fragment or "#" in value:
        raise OAuthError(_metadata_error(redirect), f"{member} must not have a fragment (RFC 6749 §3.1.2)")
    if redirect and is_loopback_redirect(value):
        return value
    if redirect and parts.scheme == "http" and (parts.hostname or "").lower() == "localhost":
        raise OAuthError(
            "invalid_redirect_uri",
            f"{member}: use the loopback IP literal 127.0.0.1 or [::1], not localhost (RFC 8252 §8.3)",
        )
    if parts.scheme != "https" or not parts.hostname:
        raise OAuthError(_metadata_error(redirect), f"{member} must be an absolute https URL, not {value[:100]!r}")
    return value


def _metadata_error(redirect: bool) -> str:
    return "invalid_redirect_uri" if redirect else "invalid_client_metadata"


def registered_scope(requested: str) -> str:
    """The scopes registered: the OB scopes asked for (and offline_access); others are left out, as RFC 7591 §2 lets
    the server change the metadata, and the answer says which remain."""
    wanted = requested.split()
    kept = [scope for scope in dict.fromkeys(wanted) if scope in OB_SCOPES or scope == OFFLINE_ACCESS]
    if not any(scope in OB_SCOPES for scope in kept):
        known = ", ".join(OB_SCOPES)
        raise OAuthError("invalid_client_metadata", f"scope names none of the Open Badges API scopes ({known})")
    return " ".join(kept)


def check_client_metadata(metadata: ClientMetadata) -> ClientMetadata:
    """The metadata as it will be registered (RFC 7591 §2 and the OB 3.0 profile of it), or OAuthError."""
    redirect_uris = [check_url(uri, "redirect_uris[]", redirect=True) for uri in metadata.redirect_uris]
    if not redirect_uris:
        raise OAuthError("invalid_redirect_uri", "redirect_uris must list at least one redirection URI")
    urls = {
        "client_uri": metadata.client_uri,
        "logo_uri": metadata.logo_uri,
        "tos_uri": metadata.tos_uri,
        "policy_uri": metadata.policy_uri,
    }
    for member, value in urls.items():
        check_url(value, member)
    hosts = {urlsplit(value).hostname for value in urls.values()}
    hosts |= {urlsplit(uri).hostname for uri in redirect_uris if not is_loopback_redirect(uri)}
    if len(hosts) > 1:
        named = ", ".join(sorted(h or "" for h in hosts))
        raise OAuthError("invalid_client_metadata", f"all URLs must have the same hostname (OB 3.0); they name {named}")
    grant_types = list(dict.fromkeys(metadata.grant_types or ["authorization_code"]))
    if "authorization_code" not in grant_types or any(g not in GRANT_TYPES for g in grant_types):
        raise OAuthError("invalid_client_metadata", "grant_types: authorization_code, optionally refresh_token")
    if any(r != "code" for r in metadata.response_types or ["code"]):
        raise OAuthError("invalid_client_metadata", "response_types: only code (RFC 7591 §2.1)")
    method = metadata.token_endpoint_auth_method or "client_secret_basic"
    if method not in AUTH_METHODS:
        raise OAuthError("invalid_client_metadata", f"token_endpoint_auth_method: one of {', '.join(AUTH_METHODS)}")
    return msgspec.structs.replace(
        metadata,
        redirect_uris=list(dict.fromkeys(redirect_uris)),
        grant_types=grant_types,
        response_types=["code"],
        token_endpoint_auth_method=method,
        scope=registered_scope(metadata.scope),
    )


async def register_client(conn: Connection, metadata: ClientMetadata, *, now: datetime) -> RegisteredClient:
    """RFC 7591 §3.1 and §3.2.1: check the metadata, mint the credentials, store the secret's hash only."""
    checked = check_client_metadata(metadata)
    client_id = secrets.token_urlsafe(18)
    client_secret = secrets.token_urlsafe(32)
    registered = msgspec.to_builtins(checked)
    await OAuthClients(conn).insert(
        OAuthClientRecord(
            client_id=client_id,
            secret_hash=secret_hash(client_secret),
            metadata=registered,
            redirect_uris=checked.redirect_uris,
            scope=checked.scope,
            grant_types=checked.grant_types or ["authorization_code"],
            created_at=now,
        )
    )
    body = {
        "client_id": client_id,
        "client_secret": client_secret,
        "client_id_issued_at": int(now.timestamp()),
        "client_secret_expires_at": 0,  # the secret does not expire (RFC 7591 §3.2.1)
        **registered,
    }
    return RegisteredClient(body=body)


async def authenticate_client(conn: Connection, client_id: str, client_secret: str) -> OAuthClientRecord:
    """RFC 6749 §2.3.1: the client whose id and secret these are, or OAuthError invalid_client (an unknown id and a
    wrong secret are refused alike, in about the same time)."""
    client = await OAuthClients(conn).get(client_id) if 0 < len(client_id) <= 64 else None
    presented = secret_hash(client_secret)
    expected = client.secret_hash if client is not None else secret_hash(secrets.token_urlsafe(32))
    if client is None or not hmac.compare_digest(presented, expected):
        raise OAuthError("invalid_client", "client authentication failed (unknown client_id or wrong client_secret)")
    return client


async def find_client(conn: Connection, client_id: str) -> OAuthClientRecord | None:
    return await OAuthClients(conn).get(client_id) if 0 < len(client_id) <= 64 else None
