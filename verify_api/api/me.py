"""The signed-in holder's page, /me (issue 13): their credentials, privacy choices, address change and history.

Every action is a CSRF-checked form (api.me_frame.me_form) answered with a 303 back to /me (post/redirect/get), so
the page works without JavaScript. The choices are services.holder_privacy's; the address change is
services.holder_email's, confirmed from both addresses (GET /me/email/confirm shows a button, its POST uses the link).
"""

from __future__ import annotations

import base64
from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect

from verify_api.api.deps import Conn, RuntimeDep
from verify_api.api.me_frame import ME_PATH, form_text, me_form, me_page, require_holder, with_pre_session_token
from verify_api.errors import InvalidInputError
from verify_api.holder_privacy_schemas import CredentialPrivacyChange, HolderPrivacyChange
from verify_api.services.holder_email import check_confirmation_link, confirm_email_change, request_email_change
from verify_api.services.holder_offers import offer_own_credential
from verify_api.services.holder_page import holder_home
from verify_api.services.holder_privacy import change_privacy

NOTICES = {
    "privacy": "Your choices are saved.",
    "email": "We sent a confirmation link to each address. The change is made once both are confirmed.",
}


def _choice(form_value: str, name: str) -> bool:
    if form_value not in ("yes", "no"):
        raise InvalidInputError(f"`{name}` is yes or no")
    return form_value == "yes"


@get("", include_in_schema=False)
async def me_home(
    request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep, saved: FromQuery[str] = ""
) -> Response[Any]:
    session = await require_holder(request)
    home = await holder_home(conn, runtime, session.holder_id, now=runtime.clock())
    return me_page(request, "me/home.html", home=home, notice=NOTICES.get(saved))


@post("/privacy", include_in_schema=False, status_code=200, opt={"holder_session": True})
async def account_privacy(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep) -> Response[Any]:
    """The account's choices: listed in the directory, badge pages indexable."""
    session = await require_holder(request)
    form = await me_form(request)
    change = HolderPrivacyChange(
        public_listing=_choice(form_text(form, "public_listing"), "public_listing"),
        indexable=_choice(form_text(form, "indexable"), "indexable"),
    )
    await change_privacy(conn, runtime, session.holder_id, change, now=runtime.clock(), by="holder")
    return Redirect(f"{ME_PATH}?saved=privacy", status_code=303)


@post(
    "/credentials/{credential_id:str}/privacy", include_in_schema=False, status_code=200, opt={"holder_session": True}
)
async def credential_privacy(
    request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep, credential_id: FromPath[str]
) -> Response[Any]:
    """One credential's choices (narrowing the account's)."""
    session = await require_holder(request)
    form = await me_form(request)
    item = CredentialPrivacyChange(
        credential_id=credential_id[:40],
        listed=_choice(form_text(form, "listed"), "listed"),
        indexable=_choice(form_text(form, "indexable"), "indexable"),
    )
    change = HolderPrivacyChange(credentials=[item])
    await change_privacy(conn, runtime, session.holder_id, change, now=runtime.clock(), by="holder")
    return Redirect(f"{ME_PATH}?saved=privacy#credential-{credential_id[:40]}", status_code=303)


@post(
    "/credentials/{credential_id:str}/wallet-offer",
    include_in_schema=False,
    status_code=200,
    opt={"holder_session": True},
)
async def wallet_offer(
    request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep, credential_id: FromPath[str]
) -> Response[Any]:
    """Add the holder's own credential to a wallet: an OID4VCI offer, shown once on the page this answers (its QR
    code, its link, its expiry and the transaction code when asked for). Not a redirect: the offer's secrets are
    never put in a URL, and the page is no-store."""
    session = await require_holder(request)
    form = await me_form(request)
    offer = await offer_own_credential(
        conn,
        runtime,
        session.holder_id,
        credential_id[:40],
        now=runtime.clock(),
        with_tx_code=form_text(form, "tx_code") == "yes",
    )
    # The QR as an image's data: URI, as the badge pages embed images: the strict CSP allows `img-src data:`.
    qr_src = "data:image/svg+xml;base64," + base64.b64encode(offer.qr_svg.encode()).decode()
    return me_page(request, "me/wallet_offer.html", offer=offer, qr_src=qr_src, credential_id=credential_id[:40])


@post("/email", include_in_schema=False, status_code=200, opt={"holder_session": True})
async def email_change(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep) -> Response[Any]:
    session = await require_holder(request)
    form = await me_form(request)
    await request_email_change(conn, runtime, session.holder_id, form_text(form, "email"), now=runtime.clock())
    return Redirect(f"{ME_PATH}?saved=email", status_code=303)


@get("/email/confirm", include_in_schema=False)
async def email_confirm_page(
    request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep, token: FromQuery[str] = ""
) -> Response[Any]:
    side = await check_confirmation_link(conn, token[:101], now=runtime.clock())
    page = me_page(request, "me/email_confirm.html", token=token, side=side)
    return with_pre_session_token(request, page)


@post("/email/confirm", include_in_schema=False, status_code=200, opt={"public": True})
async def email_confirm_submission(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep) -> Response[Any]:
    form = await me_form(request, pre_session=True)
    outcome = await confirm_email_change(conn, runtime, form_text(form, "token"), now=runtime.clock())
    return me_page(request, "me/email_confirmed.html", outcome=outcome)


ME_HANDLERS = [
    me_home,
    account_privacy,
    credential_privacy,
    wallet_offer,
    email_change,
    email_confirm_page,
    email_confirm_submission,
]
