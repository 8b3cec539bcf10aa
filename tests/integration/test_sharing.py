"""Sharing beside "Add to profile": LinkedIn post, e-mail, copy link, embed snippet, and the printable certificate."""

from __future__ import annotations

import html
import io
from urllib.parse import parse_qs, unquote

import zxingcpp
from PIL import Image

from tests.conftest import BASE_URL
from tests.factories import Client, make_aida


async def test_badge_page_offers_share_actions_and_an_embed(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers, displayName="Katherine Johnson")
    page = html.unescape((await client.get(f"/c/{credential['id']}")).text)
    url = f"{BASE_URL}/c/{credential['id']}"
    linkedin = page.split('href="https://www.linkedin.com/sharing/share-offsite/?', 1)[1].split('"', 1)[0]
    assert parse_qs(linkedin)["url"] == [url]
    mail = unquote(page.split('href="mailto:?', 1)[1].split('"', 1)[0])
    assert "Katherine Johnson" in mail
    assert url in mail
    assert credential["verificationCode"] in mail
    embed = page.split('<textarea id="embed-code"', 1)[1].split(">", 1)[1].split("</textarea>", 1)[0]
    assert embed.startswith(f'<a href="{url}"><img src="{BASE_URL}/v1/credentials/{credential["id"]}/badge.svg"')
    assert 'data-copy="share-url"' in page
    assert 'data-copy="embed-code"' in page


async def test_certificate_pdf_in_a4_and_letter_with_qr_and_code(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers, displayName="Katherine Johnson")
    sizes = {}
    for paper in ("a4", "letter"):
        response = await client.get(f"/c/{credential['id']}/certificate.pdf", params={"paper": paper})
        assert response.status_code == 200
        assert response.headers["content-type"] == "application/pdf"
        assert response.content.startswith(b"%PDF-")
        media_box = response.content.split(b"/MediaBox [", 1)[1].split(b"]", 1)[0].split()
        sizes[paper] = (round(float(media_box[2])), round(float(media_box[3])))
    assert sizes == {"a4": (595, 842), "letter": (612, 792)}  # points: 210 x 297 mm and 8.5 x 11 in


def test_certificate_carries_the_qr_to_the_live_page() -> None:
    from datetime import UTC, datetime

    from verify_api.badges.certificate import CertificateContent, render_certificate_pdf_sync

    content = CertificateContent(
        tier="AIDA",
        title="AIDA: PSF Foundations",
        subject_name="Katherine Johnson",
        organisation=False,
        valid_from=datetime(2026, 11, 27, tzinfo=UTC),
        valid_until=datetime(2028, 11, 26, tzinfo=UTC),
        verification_code="PAI-7K3M-9QXD-4",
        page_url=f"{BASE_URL}/c/abc",
        issuer_name="Production AI Institute",
    )
    pdf = render_certificate_pdf_sync(content, "a4")
    # Pillow writes the page as one JPEG image stream: read it back and scan the QR.
    start = pdf.index(b"\xff\xd8")
    end = pdf.index(b"\xff\xd9", start) + 2
    image = Image.open(io.BytesIO(pdf[start:end]))
    texts = [r.text for r in zxingcpp.read_barcodes(image)]
    assert texts == [f"{BASE_URL}/c/abc"]


async def test_no_certificate_for_a_revoked_credential(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    await client.post(
        f"/v1/credentials/{credential['id']}/revoke", json={"reason": "misconduct"}, headers=admin_headers
    )
    response = await client.get(f"/c/{credential['id']}/certificate.pdf")
    assert response.status_code == 409
    page = (await client.get(f"/c/{credential['id']}")).text
    assert "certificate.pdf" not in page
    assert "share-offsite" not in page
