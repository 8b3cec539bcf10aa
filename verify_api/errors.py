"""Domain errors. They carry domain data only; `api/problems.py` is the one place that maps them to HTTP."""

from __future__ import annotations


class VerifyApiError(Exception):
    """Something went wrong in PAI Verify."""

    def __init__(self, detail: str | None = None, **data: object) -> None:
        self.detail = detail or (type(self).__doc__ or "").strip()
        self.data = data
        super().__init__(self.detail)


class NotFoundError(VerifyApiError):
    """The requested resource does not exist."""


class CredentialNotFoundError(NotFoundError):
    """No credential has that id."""


class HolderNotFoundError(NotFoundError):
    """No holder has that id."""


class OrganizationNotFoundError(NotFoundError):
    """No organisation has that id."""


class ConflictError(VerifyApiError):
    """The request conflicts with the current state."""


class CredentialConflictError(ConflictError):
    """The subject already holds an active credential of that tier."""


class IllegalTransitionError(ConflictError):
    """That status change is not allowed from the credential's current state."""

    def __init__(self, action: str, current: str, why: str) -> None:
        super().__init__(f"cannot {action} a credential that is {current}: {why}", action=action, current=current)
        self.action = action
        self.current = current


class IdempotencyConflictError(ConflictError):
    """That Idempotency-Key was already used with a different request body."""


class InvalidInputError(VerifyApiError):
    """The request is well-formed but its content is not acceptable."""


class InvalidVerificationCodeError(InvalidInputError):
    """The verification code is malformed or its check character does not match."""


class TierRuleError(VerifyApiError):
    """The subject does not meet the rule for this tier."""

    def __init__(self, tier: str, rule: str, missing: list[str]) -> None:
        super().__init__(f"{tier} requires: {rule}. Missing: {'; '.join(missing)}.", tier=tier, rule=rule)
        self.tier = tier
        self.rule = rule
        self.missing = missing


class InvalidCredentialError(VerifyApiError):
    """The credential document is malformed."""


class ProofError(VerifyApiError):
    """A proof could not be created or verified."""


class UnknownContextError(ProofError):
    """A JSON-LD context is not bundled with PAI Verify, and remote contexts are never fetched."""

    def __init__(self, url: str) -> None:
        super().__init__(f"JSON-LD context {url!r} is not bundled; remote contexts are never fetched", url=url)
        self.url = url


class SigningKeyError(VerifyApiError):
    """The signing key is unavailable or unusable."""


class AuthenticationError(VerifyApiError):
    """A valid API key is required."""


class PermissionDeniedError(VerifyApiError):
    """The API key lacks the scope this operation needs."""


class UnresolvableKeyError(ProofError):
    """The verification method cannot be resolved offline (PAI Verify never fetches keys), so the proof is unchecked."""


class UnsupportedMediaTypeError(VerifyApiError):
    """The request's Content-Type is not one this endpoint accepts."""

    def __init__(self, found: str, accepted: tuple[str, ...]) -> None:
        shown = repr(found) if found else "no Content-Type"
        super().__init__(f"{shown} is not accepted; send one of: {', '.join(accepted)}", accepted=list(accepted))
        self.accepted = accepted


class SigningKeyStateError(VerifyApiError):
    """The signing key cannot be rotated or declared compromised in its current state."""


class KeyHistoryError(SigningKeyError):
    """The public-key history beside the signing key (the keys audit checkpoints are pinned to) is unusable."""


class CanonicalizationLimitError(ProofError):
    """The document is too costly to canonicalise (RDFC-1.0 poison-graph safeguard)."""


class DataLossError(ProofError):
    """JSON-LD processing would drop data (an undefined term), so it would not be signed."""


class SignedClaimsError(InvalidCredentialError):
    """What the credential's JSON says is not what its proof signed (it is not in JSON-LD compacted form)."""


class MalformedJsonError(InvalidInputError):
    """The JSON is malformed or ambiguous (duplicate members, lone surrogates, out-of-range numbers, deep nesting)."""


class MalformedUrlError(InvalidInputError):
    """The request's URL holds something no resource name or query can contain (U+0000)."""


class CheckTooCostlyError(ProofError):
    """Checking the presented proof took longer than its deadline, so it was stopped: not verified."""


class VerificationBusyError(VerifyApiError):
    """Too many presented credentials are waiting to be checked; try again shortly."""

    retry_after_seconds = 1


class ProofPurposeMismatchError(ProofError):
    """The proof's proofPurpose is not the one the verifier expects."""


class ProofDomainMismatchError(ProofError):
    """The proof's domain does not include the one the verifier expects."""


class ProofChallengeMismatchError(ProofError):
    """The proof's challenge is not the one the verifier issued."""


class AchievementNotFoundError(NotFoundError):
    """No PAI achievement has that tier code (AIDA, CPAP, CPAA, CAI or CAE)."""


class ConcurrentWriteError(VerifyApiError):
    """Another write got in the way of this one, so nothing was changed; try again shortly."""

    # PostgreSQL broke a deadlock or a serialization conflict by rolling this transaction back; every command is
    # tried again a few times first (services.transaction), so a client sees this only when the contention lasts.
    retry_after_seconds = 1


class ApiKeyNotFoundError(NotFoundError):
    """No API key has that id."""


class ApiKeyStateError(ConflictError):
    """The API key cannot be changed that way in its current state (revoked keys stay revoked)."""


class DatabaseUnavailableError(VerifyApiError):
    """The database cannot be reached just now; try again shortly."""

    # PostgreSQL is down, restarting or unreachable (db.pool): every request that needs it is refused with a 503
    # until a connection succeeds again, which the pool tries on every request.
    retry_after_seconds = 1


class RateLimitExceededError(VerifyApiError):
    """Too many requests from this client for these routes; try again after Retry-After seconds."""

    def __init__(self, retry_after_seconds: int) -> None:
        super().__init__(
            f"this client has used its budget of requests to the verification routes; try again in "
            f"{retry_after_seconds} s"
        )
        self.retry_after_seconds = retry_after_seconds


class SignInRefusedError(AuthenticationError):
    """That e-mail address and password were not accepted."""

    # One message for an unknown address, a wrong password, a locked and a disabled account (services.staff_accounts).


class StaffAccountNotFoundError(NotFoundError):
    """No staff account has that e-mail address or id."""


class StaffAccountStateError(ConflictError):
    """The staff account cannot be changed that way in its current state (a disabled account stays disabled)."""


class CsrfRefusedError(PermissionDeniedError):
    """The form did not come from this console's own page (its CSRF token or Origin did not match)."""


class MalformedBulkFileError(InvalidInputError):
    """The bulk issuance file cannot be read; nothing was written."""

    def __init__(self, detail: str, *, line: int, column: int) -> None:
        super().__init__(f"line {line}, column {column}: {detail}", line=line, column=column)
        self.line = line
        self.column = column


class IssuanceJobNotFoundError(NotFoundError):
    """No issuance job has that id."""


class WebhookTargetError(InvalidInputError):
    """The webhook URL cannot be used."""


class SubscriptionNotFoundError(NotFoundError):
    """No webhook subscription has that id."""


class DeliveryNotFoundError(NotFoundError):
    """No delivery has that id."""


class InvalidUnsubscribeTokenError(InvalidInputError):
    """The unsubscribe link is not valid."""


class IssuanceBatchFailedError(VerifyApiError):
    """The row was not issued: its batch failed with an unexpected error each time it was tried."""

    # A bulk job's rows whose batch kept failing (services.batch_faults): the job goes on with its other rows; the
    # error itself is in the server's log, never in the row's problem.


class WalletRequestError(VerifyApiError):
    """A wallet's OID4VCI request was refused.

    `error` is the code the spec names (OAuth 2.0 RFC 6749 §5.2 and RFC 6750 §3.1 codes, OID4VCI §6.3 and §8.3.1.2:
    `invalid_grant`, `invalid_proof`, `invalid_nonce`, ...); the Token and Credential Endpoints answer with it as the
    spec's JSON (`error`, `error_description`), not as a problem."""

    def __init__(self, error: str, detail: str) -> None:
        super().__init__(detail, error=error)
        self.error = error


class OAuthError(VerifyApiError):
    """The OAuth 2.0 request was refused."""

    def __init__(self, error: str, detail: str) -> None:
        """`error` is the code of the protocol's own vocabulary: RFC 6749 §4.1.2.1 and §5.2, RFC 7591 §3.2.2, RFC 6750
        §3.1 (`invalid_grant`, `invalid_client`, `invalid_redirect_uri`, `insufficient_scope`, ...)."""
        super().__init__(detail, error=error)
        self.error = error


class CredentialNotOfferableError(ConflictError):
    """This credential cannot be offered to a wallet."""


class HolderLinkInvalidError(VerifyApiError):
    """This link is not valid any more: it was used already, it expired, or it was not copied whole."""


class SignInRateLimitedError(RateLimitExceededError):
    """Too many sign-in links were asked for, for this address or from this network."""

    def __init__(self, retry_after_seconds: int) -> None:
        VerifyApiError.__init__(
            self,
            f"too many sign-in links were asked for this address or from this network; try again in "
            f"{max(1, -(-retry_after_seconds // 60))} minute(s)",
        )
        self.retry_after_seconds = retry_after_seconds


class AuthorizationRequestError(OAuthError):
    """The authorization request names no registered client or redirection URI, so the browser is not sent back
    (RFC 6749 §4.1.2.1: the user is told instead)."""
