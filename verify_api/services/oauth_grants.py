"""The authorization code grant of the Open Badges API 3.0 (OB 3.0 §"Obtaining Tokens",
https://www.imsglobal.org/spec/ob/v3p0/#acg-tokens): RFC 6749 §4.1 with PKCE S256 only (RFC 7636, which OB 3.0
makes a MUST), token refresh with rotation (RFC 6749 §6), revocation (RFC 7009) and bearer tokens (RFC 6750).

- An authorization code is 32 random bytes, stored as its SHA-256, single use, OB_CODE_SECONDS long (600, as OB 3.0
  recommends), bound to the client, the redirection URI and the code challenge (RFC 6749 §4.1.2, RFC 7636 §4.4).
  Any exchange consumes it; a second one is refused and revokes every token the first produced (§4.1.2: "SHOULD
  revoke (when possible) all tokens previously issued based on that authorization code").
- An exchanged code becomes a grant; its access tokens (OB_ACCESS_TOKEN_SECONDS) and refresh tokens belong to it.
  Each refresh revokes the refresh token used and answers a new one; a revoked refresh token presented again
  revokes the whole grant (RFC 9700 §4.14.2, refresh token rotation).
- Every check that can fail after the code or refresh token is consumed commits the consumption first and refuses
  after, so a failed exchange can never be retried with the same code.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import uuid
from dataclasses import dataclass
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from verify_api.db.oauth_grants import AuthorizationCodeRecord, OAuthGrants
from verify_api.errors import AuthorizationRequestError, OAuthError
from verify_api.ob_api_schemas import SERVED_SCOPES
from verify_api.services.oauth_clients import OFFLINE_ACCESS, find_client, is_loopback_redirect
from verify_api.services.transaction import run_in_transaction

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.oauth_clients import OAuthClientRecord
    from verify_api.db.pool import Connection
    from verify_api.settings import Settings

CODE_CHALLENGE = re.compile(r"^[A-Za-z0-9_-]{43}$")  # BASE64URL(SHA-256(...)) without padding (RFC 7636 §4.2)
CODE_VERIFIER = re.compile(r"^[A-Za-z0-9._~-]{43,128}$")  # RFC 7636 §4.1
MAX_STATE_CHARS = 500
MAX_TOKEN_CHARS = 100  # token_urlsafe(32) is 43 characters


def token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def s256_challenge(code_verifier: str) -> str:
    """RFC 7636 §4.2: code_challenge = BASE64URL-ENCODE(SHA256(ASCII(code_verifier)))."""
    digest = hashlib.sha256(code_verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def redirect_uri_matches(registered: list[str], presented: str) -> bool:
    """Simple string comparison (RFC 6749 §3.1.2.3, RFC 9700 §4.1.3), except that a loopback IP redirection URI
    matches whatever its port (RFC 8252 §7.3: the native client picks a free port at each request)."""
    if presented in registered:
        return True
    if not is_loopback_redirect(presented):
        return False
    without_port = _without_port(presented)
    return any(is_loopback_redirect(uri) and _without_port(uri) == without_port for uri in registered)


def _without_port(uri: str) -> str:
    return re.sub(r"^(http://(?:127\.0\.0\.1|\[::1\]))(?::\d+)?", r"\1", uri)


@dataclass(frozen=True)
class AuthorizationRequest:
    """An authorization request found acceptable (RFC 6749 §4.1.1 with RFC 7636 §4.3): what the consent page shows
    and, once the holder approves, what the code is bound to."""

    client: OAuthClientRecord
    redirect_uri: str
    scope: tuple[str, ...]
    state: str
    code_challenge: str


async def check_client_and_redirect(
    conn: Connection, client_id: str | None, redirect_uri: str | None
) -> tuple[OAuthClientRecord, str]:
    """RFC 6749 §4.1.2.1: with an unknown client or a redirection URI not registered for it, the browser must not be
    sent anywhere; AuthorizationRequestError (the page says why)."""
    client = await find_client(conn, client_id or "")
    if client is None:
        raise AuthorizationRequestError("invalid_request", "no client is registered with that client_id")
    if not redirect_uri:
        raise AuthorizationRequestError("invalid_request", "redirect_uri is required (OB 3.0)")
    if not redirect_uri_matches(client.redirect_uris, redirect_uri):
        raise AuthorizationRequestError("invalid_request", "redirect_uri is not one this client registered")
    return client, redirect_uri


def check_authorization_parameters(
    client: OAuthClientRecord, redirect_uri: str, params: Mapping[str, str]
) -> AuthorizationRequest:
    """The rest of RFC 6749 §4.1.1 and RFC 7636 §4.3/§4.4.1, once the redirection URI is trusted: an OAuthError here
    is sent back to the client (§4.1.2.1) with its `error` code."""
    state = params.get("state", "")
    if not state or len(state) > MAX_STATE_CHARS:
        raise OAuthError("invalid_request", f"state is required (OB 3.0), at most {MAX_STATE_CHARS} characters")
    if params.get("response_type") != "code":
        raise OAuthError("unsupported_response_type", "response_type must be code")
    if params.get("code_challenge_method") != "S256":
        raise OAuthError("invalid_request", "code_challenge_method must be S256 (OB 3.0; plain is not supported)")
    challenge = params.get("code_challenge", "")
    if not CODE_CHALLENGE.fullmatch(challenge):
        raise OAuthError("invalid_request", "code_challenge must be BASE64URL(SHA-256(code_verifier)), 43 characters")
    return AuthorizationRequest(
        client=client,
        redirect_uri=redirect_uri,
        scope=granted_scope(client, params.get("scope", "")),
        state=state,
        code_challenge=challenge,
    )


def granted_scope(client: OAuthClientRecord, requested: str) -> tuple[str, ...]:
    """RFC 6749 §3.3: every scope asked for must be registered for the client; what is granted is the subset this
    service serves (OB 3.0: the response's scope "MAY be a subset"), with offline_access when asked."""
    wanted = tuple(dict.fromkeys(requested.split()))
    if not wanted:
        raise OAuthError("invalid_scope", "scope is required (OB 3.0)")
    registered = set(client.scope.split())
    unregistered = [s for s in wanted if s not in registered]
    if unregistered:
        raise OAuthError("invalid_scope", f"scope {unregistered[0][:200]!r} is not registered for this client")
    granted = tuple(s for s in wanted if s in SERVED_SCOPES or s == OFFLINE_ACCESS)
    if not any(s in SERVED_SCOPES for s in granted):
        raise OAuthError("invalid_scope", f"this service grants only {' and '.join(SERVED_SCOPES)}")
    return granted


async def issue_authorization_code(
    conn: Connection, settings: Settings, request: AuthorizationRequest, holder_id: UUID, *, now: datetime
) -> str:
    """RFC 6749 §4.1.2: a new code for the holder who approved, bound to the request."""
    code = secrets.token_urlsafe(32)
    grants = OAuthGrants(conn)

    async def store() -> None:
        await grants.delete_expired_codes(now)  # housekeeping, one statement
        await grants.insert_code(
            AuthorizationCodeRecord(
                code_hash=token_hash(code),
                client_id=request.client.client_id,
                holder_id=holder_id,
                redirect_uri=request.redirect_uri,
                scope=" ".join(request.scope),
                code_challenge=request.code_challenge,
                created_at=now,
                expires_at=now + timedelta(seconds=settings.ob_code_seconds),
            )
        )

    await run_in_transaction(conn, store)
    return code


@dataclass(frozen=True)
class TokenAnswer:
    """The successful token response body (RFC 6749 §5.1)."""

    body: dict[str, Any]


def _narrowed(granted: str, requested: str | None) -> str:
    """RFC 6749 §6 (and §3.3): a scope asked for at the token endpoint must be within what was granted."""
    if not requested:
        return granted
    have = granted.split()
    wanted = list(dict.fromkeys(requested.split()))
    outside = [s for s in wanted if s not in have]
    if outside:
        raise OAuthError("invalid_scope", f"scope {outside[0][:200]!r} was not granted")
    return " ".join(wanted)


async def _mint_tokens(  # noqa: PLR0913 - the grant, its two scopes, the client's grant types, the clock
    grants: OAuthGrants,
    settings: Settings,
    grant_id: UUID,
    *,
    access_scope: str,
    refresh_scope: str,
    refreshable: bool,
    now: datetime,
) -> TokenAnswer:
    await grants.delete_expired_tokens(now)  # housekeeping, one statement
    access = secrets.token_urlsafe(32)
    lifetime = settings.ob_access_token_seconds
    await grants.insert_token(
        token_hash(access), grant_id, "access", access_scope, now, now + timedelta(seconds=lifetime)
    )
    body: dict[str, Any] = {"access_token": access, "token_type": "Bearer", "expires_in": lifetime}
    if refreshable:
        refresh = secrets.token_urlsafe(32)
        expires = now + timedelta(days=settings.ob_refresh_token_days)
        await grants.insert_token(token_hash(refresh), grant_id, "refresh", refresh_scope, now, expires)
        body["refresh_token"] = refresh
    body["scope"] = access_scope
    return TokenAnswer(body=body)


async def exchange_authorization_code(
    conn: Connection, settings: Settings, client: OAuthClientRecord, form: Mapping[str, str], *, now: datetime
) -> TokenAnswer:
    """RFC 6749 §4.1.3 with RFC 7636 §4.5/§4.6: the code is consumed by this request whatever follows; then it must
    be this client's, unexpired, for this redirection URI, and the verifier must hash to its challenge."""
    code, verifier = form.get("code", ""), form.get("code_verifier", "")
    if not code or len(code) > MAX_TOKEN_CHARS:
        raise OAuthError("invalid_request", "code is required")
    if not verifier:
        raise OAuthError("invalid_request", "code_verifier is required (PKCE, OB 3.0)")
    grants = OAuthGrants(conn)
    hashed = token_hash(code)

    async def consume() -> TokenAnswer | OAuthError:
        found = await grants.use_code(hashed, now)
        if found is None:
            if await grants.code_was_used(hashed):
                await grants.revoke_grant_of_code(hashed, now)
                return OAuthError("invalid_grant", "the authorization code was used already; its tokens are revoked")
            return OAuthError("invalid_grant", "the authorization code is not one this server issued")
        refusal = code_refusal(found, client, form, verifier, now=now)
        if refusal is not None:
            return refusal
        try:
            scope = _narrowed(found.scope, form.get("scope"))
        except OAuthError as exc:
            return exc
        grant_id = uuid.uuid4()
        await grants.insert_grant(grant_id, hashed, client.client_id, found.holder_id, found.scope, now)
        return await _mint_tokens(
            grants,
            settings,
            grant_id,
            access_scope=scope,
            refresh_scope=found.scope,
            refreshable="refresh_token" in client.grant_types,
            now=now,
        )

    outcome = await run_in_transaction(conn, consume)
    if isinstance(outcome, OAuthError):
        raise outcome
    return outcome


def code_refusal(
    found: AuthorizationCodeRecord,
    client: OAuthClientRecord,
    form: Mapping[str, str],
    verifier: str,
    *,
    now: datetime,
) -> OAuthError | None:
    """Why a consumed code grants nothing (each an `invalid_grant`, RFC 6749 §5.2), or None."""
    if not hmac.compare_digest(found.client_id.encode(), client.client_id.encode()):
        return OAuthError("invalid_grant", "the authorization code was issued to another client")
    if found.expires_at <= now:
        return OAuthError("invalid_grant", "the authorization code has expired")
    if form.get("redirect_uri") != found.redirect_uri:
        return OAuthError("invalid_grant", "redirect_uri is not the one of the authorization request")
    if not CODE_VERIFIER.fullmatch(verifier):
        return OAuthError("invalid_grant", "code_verifier must be 43 to 128 unreserved characters (RFC 7636 §4.1)")
    if not hmac.compare_digest(s256_challenge(verifier).encode(), found.code_challenge.encode()):
        return OAuthError("invalid_grant", "code_verifier does not match the code_challenge (RFC 7636 §4.6)")
    return None


async def refresh_access_token(
    conn: Connection, settings: Settings, client: OAuthClientRecord, form: Mapping[str, str], *, now: datetime
) -> TokenAnswer:
    """RFC 6749 §6 with rotation: the refresh token presented is revoked and a new one answered with the new access
    token; a revoked one presented again revokes the grant (RFC 9700 §4.14.2)."""
    if "refresh_token" not in client.grant_types:
        raise OAuthError("unauthorized_client", "this client did not register the refresh_token grant type")
    refresh = form.get("refresh_token", "")
    if not refresh or len(refresh) > MAX_TOKEN_CHARS:
        raise OAuthError("invalid_request", "refresh_token is required")
    grants = OAuthGrants(conn)
    hashed = token_hash(refresh)

    async def rotate() -> TokenAnswer | OAuthError:
        used = await grants.use_refresh_token(hashed, client.client_id, now)
        if used is None:
            known = await grants.token_of_client(hashed, client.client_id)
            if known is not None and known.kind == "refresh" and known.revoked:
                await grants.revoke_grant(known.grant_id, now)
                return OAuthError("invalid_grant", "the refresh token was used already; the grant is revoked")
            return OAuthError("invalid_grant", "the refresh token is not a live one of this client")
        try:
            scope = _narrowed(used.scope, form.get("scope"))
        except OAuthError as exc:
            return exc
        return await _mint_tokens(
            grants, settings, used.grant_id, access_scope=scope, refresh_scope=used.scope, refreshable=True, now=now
        )

    outcome = await run_in_transaction(conn, rotate)
    if isinstance(outcome, OAuthError):
        raise outcome
    return outcome


async def revoke_token(conn: Connection, client: OAuthClientRecord, token: str, *, now: datetime) -> None:
    """RFC 7009 §2.1: a refresh token revokes its grant (and so every access token of it); an access token only
    itself. A token that is unknown, or another client's, is left alone and answered alike (§2.2)."""
    if not token:
        raise OAuthError("invalid_request", "token is required (RFC 7009 §2.1)")
    if len(token) > MAX_TOKEN_CHARS:
        return  # not one of ours
    grants = OAuthGrants(conn)
    hashed = token_hash(token)

    async def revoke() -> None:
        known = await grants.token_of_client(hashed, client.client_id)
        if known is None:
            return
        if known.kind == "refresh":
            await grants.revoke_grant(known.grant_id, now)
        await grants.revoke_token(hashed, now)

    await run_in_transaction(conn, revoke)


@dataclass(frozen=True)
class AccessGrant:
    """Who a live access token speaks for, and what it may do (RFC 6750)."""

    holder_id: UUID
    client_id: str
    scopes: frozenset[str]


async def authenticate_access_token(conn: Connection, token: str, *, now: datetime) -> AccessGrant:
    """RFC 6750 §3.1: the grant of a live access token, or OAuthError invalid_token (unknown, expired or revoked)."""
    found = None
    if token and len(token) <= MAX_TOKEN_CHARS:
        found = await OAuthGrants(conn).live_access_token(token_hash(token), now)
    if found is None:
        raise OAuthError("invalid_token", "the access token is unknown, expired or revoked")
    return AccessGrant(holder_id=found.holder_id, client_id=found.client_id, scopes=frozenset(found.scope.split()))


def require_grant_scope(grant: AccessGrant, scope: str) -> None:
    """RFC 6750 §3.1 insufficient_scope: the operation's OB scope (OB 3.0 §"Scopes") is not in the token's."""
    if scope not in grant.scopes:
        raise OAuthError("insufficient_scope", f"this operation needs the scope {scope}")
