"""The offline QR reads when the badge is shown 300 px wide (a CV or a slide), for the shortest and longest names."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
import zxingcpp
from PIL import Image

from verify_api.badges.content import BadgeContent
from verify_api.badges.png import render_badge_png_sync
from verify_api.proofs.keys import signer_from_seed
from verify_api.proofs.offline_qr import OfflineCredential, encode_offline_payload_sync, fit_name, key_id_for

SIGNER = signer_from_seed(bytes(range(32)))
START = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
LONGEST = fit_name("Maximilian Alexander Wolfeschlegelsteinhausen-Bergerdorff von Ærøskøbing-Ångström")


def offline_badge(name: str) -> BadgeContent:
    claims = OfflineCredential(
        credential_id="abcdefghijklmnopqrstuvwxyq",
        tier="CPAA",
        subject_name=name,
        valid_from=START,
        valid_until=START + timedelta(days=730),
        key_id=key_id_for(SIGNER.public_key),
    )
    return BadgeContent(
        tier="CPAA",
        tier_title="CPAA · Certified Production AI Architect",
        subject_name=name,
        subject_kind="person",
        valid_from=START.date(),
        valid_until=(START + timedelta(days=730)).date(),
        verification_code="PAI-7K3M-9QXD-4",
        verify_url="verify.pai.org/c/abcdefghijklmnopqrstuvwxyq",
        page_url="https://verify.pai.org/c/abcdefghijklmnopqrstuvwxyq",
        status="active",
        offline_qr=encode_offline_payload_sync(claims, SIGNER),
    )


def read_texts(image: Image.Image) -> set[str]:
    return {barcode.text for barcode in zxingcpp.read_barcodes(image)}


@pytest.mark.parametrize("name", ["Ada Lovelace", LONGEST])
@pytest.mark.parametrize("rendered_scale", [1.0, 2.0])
def test_offline_qr_reads_from_a_badge_scaled_to_300_px(name: str, rendered_scale: float) -> None:
    content = offline_badge(name)
    picture = Image.open(io.BytesIO(render_badge_png_sync(content, scale=rendered_scale))).convert("RGB")
    shown = picture.resize((300, 400), Image.Resampling.LANCZOS)
    assert read_texts(shown) == {content.offline_qr, content.page_url}


def test_offline_qr_reads_from_a_badge_rendered_300_px_wide() -> None:
    content = offline_badge(LONGEST)
    picture = Image.open(io.BytesIO(render_badge_png_sync(content, scale=0.5)))
    assert picture.size == (300, 400)
    assert content.offline_qr in read_texts(picture)
