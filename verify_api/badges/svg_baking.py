"""Open Badges 3.0 baking for SVG: an `<openbadges:credential>` element, first child of the root `<svg>`.

https://www.imsglobal.org/spec/ob/v3p0/#baking -- the root declares
`xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"`; a JSON credential is the element's content
(in CDATA), a compact JWS goes in its `verify` attribute.

Uploads are parsed with defusedxml, which refuses any entity declaration (so billion-laughs and
external-entity documents fail at the declaration, before any expansion) and never loads external
resources. A DOCTYPE without an internal subset is allowed: real badges carry the SVG 1.1 one.
The file size, the element count and the nesting depth are capped while parsing streams.
"""

from __future__ import annotations

import io
import re
from xml.etree.ElementTree import ParseError
from xml.parsers.expat import ExpatError

import defusedxml
import defusedxml.ElementTree
import defusedxml.minidom

from verify_api.badges.limits import DEFAULT_LIMITS, BadgeFileError, UnbakeLimits, check_size

SVG_NS = "http://www.w3.org/2000/svg"
OB3_NS = "https://purl.imsglobal.org/ob/v3p0"
CREDENTIAL_TAG = f"{{{OB3_NS}}}credential"
COMPACT_JWS = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]+")


def _refused(error: Exception) -> BadgeFileError:
    if isinstance(error, defusedxml.EntitiesForbidden):
        return BadgeFileError("the SVG declares XML entities, which are never accepted")
    if isinstance(error, defusedxml.ExternalReferenceForbidden):
        return BadgeFileError("the SVG refers to an external resource, which is never loaded")
    if isinstance(error, ParseError | ExpatError):
        return BadgeFileError(f"the SVG is not well-formed XML ({error})")
    return BadgeFileError("the SVG could not be parsed safely")


# C901: one streaming pass that refuses each hostile SVG shape (size, depth, element count, duplicates) as it meets it
def unbake_svg(data: bytes, *, limits: UnbakeLimits = DEFAULT_LIMITS) -> str:  # noqa: C901
    """Return the credential (JSON text or compact JWS) baked into an SVG."""
    check_size(data, limits, "SVG")
    found: list[tuple[str | None, str]] = []
    elements = depth = 0
    try:
        events = defusedxml.ElementTree.iterparse(
            io.BytesIO(data), events=("start", "end"), forbid_dtd=False, forbid_entities=True
        )
        for event, element in events:
            if event == "start":
                elements += 1
                depth += 1
                if elements == 1 and element.tag != f"{{{SVG_NS}}}svg":
                    raise BadgeFileError("the file is not an SVG document: its root element is not <svg>")
                if elements > limits.max_svg_elements:
                    raise BadgeFileError(f"the SVG has more than {limits.max_svg_elements} elements")
                if depth > limits.max_svg_depth:
                    raise BadgeFileError(f"the SVG nests elements deeper than {limits.max_svg_depth} levels")
                continue
            depth -= 1
            if element.tag == CREDENTIAL_TAG:
                found.append((element.get("verify"), element.text or ""))
            if depth > 0:
                element.clear()  # keep memory flat: nothing but the credential is needed
    except BadgeFileError:
        raise
    except (defusedxml.DefusedXmlException, ParseError) as error:
        raise _refused(error) from None
    except (LookupError, ValueError):  # expat: "unknown encoding: x-unknown", "multi-byte encodings are not supported"
        raise BadgeFileError("the SVG declares an XML encoding that is not supported; save it as UTF-8") from None
    if not found:
        raise BadgeFileError("the SVG holds no openbadges:credential element")
    if len(found) > 1:
        raise BadgeFileError("the SVG holds more than one openbadges:credential element")
    return _credential_text(*found[0], limits)


def _credential_text(verify: str | None, content: str, limits: UnbakeLimits) -> str:
    verify, content = (verify or "").strip(), content.strip()
    if verify and content:
        raise BadgeFileError("the openbadges:credential element has both a verify attribute and content")
    text = verify or content
    if not text:
        raise BadgeFileError("the openbadges:credential element is empty")
    if len(text.encode("utf-8")) > limits.max_credential_bytes:
        raise BadgeFileError(f"the baked credential is larger than {limits.max_credential_bytes} bytes")
    return text


def bake_svg(svg: str, credential: str, *, limits: UnbakeLimits = DEFAULT_LIMITS) -> str:
    """Return `svg` with `credential` baked in as the root's first child, replacing any earlier one.

    A JSON credential becomes CDATA content; a compact JWS goes in the `verify` attribute.
    """
    credential = credential.strip()
    is_jws = COMPACT_JWS.fullmatch(credential) is not None
    if not is_jws and not credential.startswith("{"):
        raise ValueError("the credential must be a JSON object or a compact JWS")
    check_size(svg, limits, "SVG")
    try:
        document = defusedxml.minidom.parseString(svg, forbid_dtd=False, forbid_entities=True)
    except (defusedxml.DefusedXmlException, ExpatError) as error:
        raise _refused(error) from None
    root = document.documentElement
    if root is None or root.namespaceURI != SVG_NS or root.localName != "svg":
        raise BadgeFileError("the file is not an SVG document: its root element is not <svg>")
    bound = root.getAttribute("xmlns:openbadges")
    if bound and bound != OB3_NS:
        raise BadgeFileError("the SVG binds the openbadges prefix to another namespace (Open Badges 2.0?)")
    for old in list(document.getElementsByTagNameNS(OB3_NS, "credential")):
        if old.parentNode is not None:
            old.parentNode.removeChild(old)
    root.setAttribute("xmlns:openbadges", OB3_NS)
    element = document.createElementNS(OB3_NS, "openbadges:credential")
    if is_jws:
        element.setAttribute("verify", credential)
    elif "]]>" in credential:
        element.appendChild(document.createTextNode(credential))  # escaped text: CDATA cannot hold "]]>"
    else:
        element.appendChild(document.createCDATASection(credential))
    root.insertBefore(element, root.firstChild)
    baked: str = document.toxml()
    return baked
