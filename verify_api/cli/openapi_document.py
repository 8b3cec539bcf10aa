"""The OpenAPI document as checked in under openapi/: generated from the app, never written by hand."""

from __future__ import annotations

import json

from verify_api.app import create_app
from verify_api.proofs.keys import generate_signer
from verify_api.services.context import IssuerKey
from verify_api.settings import load_settings


def openapi_json() -> str:
    # The schema does not depend on the key or the database; a throwaway key keeps generation offline and pure.
    settings = load_settings({})
    app = create_app(settings, issuer_key=IssuerKey.for_settings(generate_signer(), settings))
    return json.dumps(app.openapi_schema.to_schema(), indent=2, sort_keys=True) + "\n"
