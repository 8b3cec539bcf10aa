"""GET /c/{id}/certificate.pdf?paper=a4|letter: the printable certificate of a credential valid now."""

from __future__ import annotations

from typing import Literal

from litestar import Response, get
from litestar.params import FromPath, FromQuery

from verify_api.api.deps import Conn, Now, RuntimeDep
from verify_api.api.pages import render
from verify_api.errors import NotFoundError
from verify_api.services.sharing import certificate_pdf


@get("/c/{credential_id:str}/certificate.pdf", include_in_schema=False, cache_control=None)
async def certificate(
    conn: Conn,
    runtime: RuntimeDep,
    now: Now,
    credential_id: FromPath[str],
    paper: FromQuery[Literal["a4", "letter"]] = "a4",
) -> Response[bytes]:
    try:
        pdf = await certificate_pdf(conn, credential_id, paper, settings=runtime.settings, now=now)
    except NotFoundError:
        return render("not_found.html", 404, message="No credential has this address.")
    if pdf is None:
        message = "This credential is not valid today, so there is no certificate to print. Its page says why."
        return render("not_found.html", 409, message=message)
    headers = {
        "Content-Disposition": f'inline; filename="PAI-{credential_id}-{paper}.pdf"',
        "Cache-Control": "no-cache",
        "X-Content-Type-Options": "nosniff",
    }
    return Response(pdf, media_type="application/pdf", headers=headers)
