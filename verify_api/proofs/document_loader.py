"""Offline JSON-LD document loader over the contexts bundled in `proofs/contexts/`.

Remote contexts are never fetched: a URL that `contexts/index.json` does not list raises
`UnknownContextError(url)`. Each file is read and parsed once per process; callers get a deep copy,
because pyld may rewrite the context objects it is given.
"""

from __future__ import annotations

import copy
import functools
import json
from importlib import resources
from typing import Any, TypedDict

from verify_api.errors import UnknownContextError

_CONTEXTS = resources.files("verify_api.proofs") / "contexts"


class RemoteDocument(TypedDict):
    """The value a pyld document loader returns (pyld.documentloader.base.RemoteDocument, plus `tag`)."""

    contextUrl: None
    documentUrl: str
    document: dict[str, Any]
    # "static" tells pyld's ContextResolver that the document never changes, so it may keep the
    # resolved context in the shared cache it was given (see canonical.py).
    tag: str


@functools.cache
def bundled_context_files() -> dict[str, str]:
    """Map each bundled context URL to its file name in `contexts/` (the content of index.json)."""
    index = json.loads((_CONTEXTS / "index.json").read_bytes())
    if not isinstance(index, dict) or not all(isinstance(v, str) for v in index.values()):
        raise TypeError("contexts/index.json must map URL strings to file names")
    return {str(url): str(name) for url, name in index.items()}


def bundled_context_bytes(url: str) -> bytes:
    """The exact bytes of the bundled context for `url`; raise `UnknownContextError` if it is not bundled."""
    name = bundled_context_files().get(url)
    if name is None:
        raise UnknownContextError(url)
    return (_CONTEXTS / name).read_bytes()


@functools.cache
def _parsed_context(url: str) -> dict[str, Any]:
    document = json.loads(bundled_context_bytes(url))
    if not isinstance(document, dict):
        raise TypeError(f"bundled context for {url} is not a JSON object")
    return document


def load_bundled_context(url: str) -> dict[str, Any]:
    """Return a fresh copy of the parsed bundled context for `url`, or raise `UnknownContextError`."""
    return copy.deepcopy(_parsed_context(url))


def document_loader(url: str, options: object = None) -> RemoteDocument:
    """pyld document loader: serve bundled contexts only, never touch the network.

    Pass it as ``documentLoader`` on every pyld call. Any URL that is not bundled raises
    `UnknownContextError(url)`; pyld wraps it, and `canonical.py` unwraps it again.
    """
    return {"contextUrl": None, "documentUrl": url, "document": load_bundled_context(url), "tag": "static"}
