"""The /console router: every console page, behind the console guard and with the console's error pages.

A new console page's handlers are added to CONSOLE_HANDLERS (and its navigation entry to api.console.NAV).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from litestar import Router

from verify_api.api.auth import require_console_scope
from verify_api.api.console import CONSOLE_EXCEPTION_HANDLERS, CONSOLE_PATH
from verify_api.api.console_api_keys import API_KEY_HANDLERS
from verify_api.api.console_credentials import CREDENTIAL_HANDLERS
from verify_api.api.console_holder_privacy import HOLDER_PRIVACY_PAGE_HANDLERS
from verify_api.api.console_holders import HOLDER_HANDLERS
from verify_api.api.console_issuance_jobs import ISSUANCE_JOB_HANDLERS, issuance_job_upload_router
from verify_api.api.console_sign_in import SIGN_IN_HANDLERS
from verify_api.api.console_webhooks import WEBHOOK_PAGE_HANDLERS
from verify_api.api.console_work_queues import WORK_QUEUE_HANDLERS

if TYPE_CHECKING:
    from verify_api.settings import Settings

CONSOLE_HANDLERS = [
    *SIGN_IN_HANDLERS,
    *CREDENTIAL_HANDLERS,
    *API_KEY_HANDLERS,
    *HOLDER_HANDLERS,
    *HOLDER_PRIVACY_PAGE_HANDLERS,
    *WORK_QUEUE_HANDLERS,
    *ISSUANCE_JOB_HANDLERS,
    *WEBHOOK_PAGE_HANDLERS,
]


def console_router(settings: Settings) -> Router:
    """`settings`: pages taking bodies bigger than MAX_BODY_BYTES (the bulk upload) have routers of their own."""
    return Router(
        path=CONSOLE_PATH,
        guards=[require_console_scope],
        route_handlers=[*CONSOLE_HANDLERS, issuance_job_upload_router(settings)],
        exception_handlers=CONSOLE_EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        include_in_schema=False,
    )
