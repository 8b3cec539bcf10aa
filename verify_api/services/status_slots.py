"""Allocation of Bitstring Status List indexes.

Indexes are drawn uniformly at random (never in issue order) so a list reveals nothing about when or in what
order credentials were issued; the UNIQUE constraint on (list, index) decides collisions. A list is closed once
half full, which keeps collisions rare and the herd large (W3C Bitstring Status List v1.0, section 6.1).
"""

from __future__ import annotations

import base64
import secrets
from typing import TYPE_CHECKING

from verify_api.db.records import StatusListRecord
from verify_api.domain.credential import StatusSlot

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.repository import Repository

STATUS_PURPOSES = ("revocation", "suspension")


def new_status_list_id() -> str:
    return base64.b32encode(secrets.token_bytes(10)).decode().lower()


async def open_status_list(repo: Repository, purpose: str, size: int, now: datetime) -> StatusListRecord:
    current = await repo.current_status_list(purpose)
    half = current.size // 2 if current is not None else 0
    if current is not None and await repo.count_status_list_slots(current.id, purpose, up_to=half) < half:
        return current
    return await repo.insert_status_list(
        StatusListRecord(id=new_status_list_id(), purpose=purpose, size=size, created_at=now)
    )


async def draw_status_slots(repo: Repository, size: int, now: datetime) -> list[StatusSlot]:
    slots = []
    for purpose in STATUS_PURPOSES:
        status_list = await open_status_list(repo, purpose, size, now)
        slots.append(StatusSlot(purpose=purpose, list_id=status_list.id, index=secrets.randbelow(status_list.size)))
    return slots
