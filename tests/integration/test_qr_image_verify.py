"""Any badge image works: an image with no baked credential is verified by its QR code against the live register."""

from __future__ import annotations

import html
import io

from PIL import Image

from tests.factories import Client, make_aida


def screen_copy(png: bytes, *, width: int, degrees: float, fmt: str = "PNG") -> bytes:
    """The badge as a CV or a photographed screen shows it: scaled, turned, flattened, re-encoded."""
    image = Image.open(io.BytesIO(png)).convert("RGBA")
    scaled = image.resize((width, round(image.height * width / image.width)), Image.Resampling.LANCZOS)
    turned = scaled.rotate(degrees, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=(255, 255, 255, 255))
    flat = Image.new("RGB", turned.size, "white")
    flat.paste(turned, mask=turned.getchannel("A"))
    out = io.BytesIO()
    flat.save(out, format=fmt)
    return out.getvalue()


async def plain_badge(client: Client, credential_id: str) -> bytes:
    response = await client.get(f"/v1/credentials/{credential_id}/badge.png")
    assert response.status_code == 200
    assert b"openbadgecredential" not in response.content  # the plain image: nothing baked inside
    return response.content


async def test_plain_badge_scaled_and_rotated_verifies_by_its_qr(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers, displayName="Grace Hopper")
    image = screen_copy(await plain_badge(client, credential["id"]), width=300, degrees=5)
    response = await client.post("/v1/verify", content=image, headers={"Content-Type": "image/png"})
    assert response.status_code == 200, response.text
    report = response.json()
    assert report["readFrom"] == "qr-code"
    assert report["verdict"] == "valid"
    assert report["registerEntry"]["subjectName"] == "Grace Hopper"
    assert "QR code names" in report["presentedAs"]
    page = html.unescape((await client.post("/verify", files={"badge": ("cv.png", image, "image/png")})).text)
    assert "Verification report: QR code in the image" in page
    assert "PAI Verify read the QR code printed on it" in page
    assert "Grace Hopper" in page
    assert "iTXt" not in page


async def test_a_photo_as_jpeg_verifies_and_a_revoked_one_says_so(
    client: Client, admin_headers: dict[str, str]
) -> None:
    credential = await make_aida(client, admin_headers)
    photo = screen_copy(await plain_badge(client, credential["id"]), width=420, degrees=-4, fmt="JPEG")
    revoked = await client.post(
        f"/v1/credentials/{credential['id']}/revoke", json={"reason": "issued_in_error"}, headers=admin_headers
    )
    assert revoked.status_code == 200
    report = (await client.post("/v1/verify", content=photo, headers={"Content-Type": "image/jpeg"})).json()
    assert report["readFrom"] == "qr-code"
    assert report["verdict"] == "not_valid"  # the register decides, not the image
    assert report["state"] == "revoked"


async def test_an_image_without_a_pai_qr_is_not_verifiable(client: Client) -> None:
    blank = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(blank, format="PNG")
    report = (await client.post("/v1/verify", content=blank.getvalue(), headers={"Content-Type": "image/png"})).json()
    assert report["verdict"] == "not_verifiable"
    assert report.get("readFrom") is None
    garbage = await client.post("/v1/verify", content=b"\xff\xd8 not a jpeg", headers={"Content-Type": "image/jpeg"})
    assert garbage.status_code == 200
    assert garbage.json()["verdict"] == "not_verifiable"


async def test_a_multipart_upload_of_a_plain_badge_or_photo_verifies_by_its_qr(
    client: Client, admin_headers: dict[str, str]
) -> None:
    """POST /v1/verify with a form upload (`curl -F file=@cv-badge.png`) reads the image's QR code, as the raw image
    body and the /verify page do: a plain PNG, scaled and turned as a CV shows it, and a JPEG photo of it."""
    credential = await make_aida(client, admin_headers, displayName="Grace Hopper")
    plain = await plain_badge(client, credential["id"])
    uploads = [
        ("cv.png", screen_copy(plain, width=300, degrees=5), "image/png", "PNG image"),
        ("photo.jpg", screen_copy(plain, width=420, degrees=-4, fmt="JPEG"), "image/jpeg", "Image"),
    ]
    for name, image, media_type, container in uploads:
        response = await client.post("/v1/verify", files={"file": (name, image, media_type)})
        assert response.status_code == 200, response.text
        report = response.json()
        assert report["readFrom"] == "qr-code", name
        assert report["verdict"] == "valid", name
        assert report["registerEntry"]["subjectName"] == "Grace Hopper"
        assert report["presentedAs"].startswith(f"{container} with no credential inside; its QR code names"), name


async def test_a_multipart_upload_of_an_image_without_a_pai_qr_says_why(client: Client) -> None:
    blank = io.BytesIO()
    Image.new("RGB", (200, 200), "white").save(blank, format="JPEG")
    response = await client.post("/v1/verify", files={"file": ("blank.jpg", blank.getvalue(), "image/jpeg")})
    assert response.status_code == 200
    report = response.json()
    assert report["verdict"] == "not_verifiable"
    assert report.get("readFrom") is None
    assert "carries no credential" in response.text
