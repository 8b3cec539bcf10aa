"""The VC-JOSE-COSE suite's `docker compose run` calls, answered by the running service (no Docker here).

w3c/vc-jose-cose-test-suite drives each implementation as a CLI: `docker compose -f ./implementations/compose.yml
run --rm NAME issue|verify --input /tests/input/F --key /tests/input/K --feature F [--sd ...] --output
/tests/output/N-NAME.json`, then reads `{"result": "success" | "failure" | "indeterminate" | ...}` from the output.
`bench.conformance` puts a `docker` stand-in first on PATH that runs `python -m bench.jose_cose call ARGS`, which
turns each call into a request to the service, and says `indeterminate` wherever the call cannot apply to a
service rather than inventing an answer:

- the suite hands the key out of band (`--key`, private key included); a service signs only with its own keys and
  never takes a verification key from the caller, so a JWT whose `kid` only that file resolves is `indeterminate`
  (the service says it cannot resolve the key), never a pass or a fail;
- issuing a credential: POST /credentials/issue with `options.format: application/vc+jwt`, the credential's
  `issuer` set to the service's own (the only one it signs as) and the suite's key unused;
- issuing a presentation: POST /presentations/prove with `options.format: application/vp+jwt`, signed by the API
  client's own holder key (its did:key becomes the `holder`, as the service's own DID becomes a credential's
  `issuer`; the suite's key unused);
- issuing an SD-JWT credential: POST /credentials/issue with `options.format: application/vc+sd-jwt` and the
  suite's `--sd` disclosure paths (`credentialSubject.address.street`, `credentialSubject.phoneNumbers[0]`) as
  `options.selectivelyDisclosable` JSON Pointers; verifying one: an EnvelopedVerifiableCredential
  `data:application/vc+sd-jwt,...` to POST /credentials/verify;
- SD-JWT presentations and COSE are not claimed (their features are off in localConfig, so the suite skips them).
"""

from __future__ import annotations

import json
import os
import re
import ssl
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

CLAIMED_FEATURES = {
    "credential_jose": True,
    "presentation_jose": True,
    "credential_sdjwt": True,
    "presentation_sdjwt": False,
    "credential_cose": False,
    "presentation_cose": False,
}
# What the service's problem details say when a JWT names a key it cannot resolve offline (verification/keyring.py).
_UNRESOLVED_KEY = ("resolve offline", "cannot be resolved offline")
_V2 = "https://www.w3.org/ns/credentials/v2"


def write_docker_stand_in(directory: Path) -> Path:
    """A `docker` executable in `directory` that hands its arguments to `call`; returns the directory for PATH."""
    script = directory / "docker"
    script.write_text(f'#!/bin/sh\nexec "{sys.executable}" -m bench.jose_cose call "$@"\n', encoding="utf-8")
    script.chmod(0o755)
    return directory


def stand_in_env(origin: str, api_key: str, did: str, shim_dir: Path) -> dict[str, str]:
    root = str(Path(__file__).resolve().parent.parent)
    return {
        "PAI_ORIGIN": origin,
        "PAI_API_KEY": api_key,
        "PAI_ISSUER_DID": did,
        "PYTHONPATH": root,
        "PATH": f"{shim_dir}{os.pathsep}{os.environ.get('PATH', '')}",
    }


def parse_call(argv: list[str]) -> dict[str, str]:
    """`compose -f FILE run --rm NAME FN --input I --key K --feature F [--sd S] --output O` -> its named parts."""
    args = argv[argv.index("run") + 1 :]
    args = [a for a in args if a != "--rm"]
    call = {"name": args[0], "fn": args[1]}
    rest = args[2:]
    for flag, value in zip(rest[::2], rest[1::2], strict=False):
        call[flag.removeprefix("--")] = value
    return call


def _suite_path(path: str) -> Path:
    """The compose file mounts the suite's tests/ at /tests; the suite runs from its root."""
    return Path.cwd() / "tests" / path.removeprefix("/tests/")


def _post(path: str, body: dict[str, Any], *, auth: bool = False) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if auth:
        headers["Authorization"] = f"Bearer {os.environ['PAI_API_KEY']}"
    request = urllib.request.Request(
        os.environ["PAI_ORIGIN"] + path, data=json.dumps(body).encode(), headers=headers, method="POST"
    )
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    try:
        with urllib.request.urlopen(request, context=context, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read() or b"null")


def disclosure_pointer(path: str) -> str:
    """The suite's disclosure path (`credentialSubject.phoneNumbers[0]`) as a JSON Pointer (RFC 6901)."""
    tokens = re.findall(r"[^.\[\]]+", path)
    return "".join("/" + token.replace("~", "~0").replace("/", "~1") for token in tokens)


def issue_request(call: dict[str, str], credential: dict[str, Any], issuer: str) -> dict[str, Any]:
    """The POST /credentials/issue body for a credential issuance call: vc+jwt, or vc+sd-jwt with `--sd` paths."""
    credential = {**credential, "issuer": issuer}
    if call["feature"] == "credential_sdjwt":
        options: dict[str, Any] = {"format": "application/vc+sd-jwt"}
        if call.get("sd"):
            options["selectivelyDisclosable"] = [disclosure_pointer(p) for p in json.loads(call["sd"])]
        return {"credential": credential, "options": options}
    return {"credential": credential, "options": {"format": "application/vc+jwt"}}


def issue(call: dict[str, str]) -> dict[str, Any]:
    document = json.loads(_suite_path(call["input"]).read_text(encoding="utf-8"))
    if call["feature"] == "presentation_jose":
        return issue_presentation(document)
    if call["feature"] not in ("credential_jose", "credential_sdjwt"):
        return {"result": "indeterminate", "reason": f"{call['feature']} is not claimed"}
    body = issue_request(call, document, os.environ["PAI_ISSUER_DID"])
    status, answer = _post("/credentials/issue", body, auth=True)
    if status == 201:
        return {"result": "success", "data": answer["verifiableCredential"]["id"].split(",", 1)[1]}
    return {"result": "failure" if 400 <= status < 500 else "error", "reason": answer}


def issue_presentation(presentation: dict[str, Any]) -> dict[str, Any]:
    """Holder-side signing: the API client's holder key signs, and is the holder (the suite's `holder` is dropped:
    the service signs as no one else)."""
    presentation.pop("holder", None)
    body = {"presentation": presentation, "options": {"format": "application/vp+jwt"}}
    status, answer = _post("/presentations/prove", body, auth=True)
    if status == 201:
        return {"result": "success", "data": answer["verifiablePresentation"]["id"].split(",", 1)[1]}
    return {"result": "failure" if 400 <= status < 500 else "error", "reason": answer}


def verify(call: dict[str, str]) -> dict[str, Any]:
    text = _suite_path(call["input"]).read_text(encoding="utf-8").strip()
    kind = "vp" if call["feature"].startswith("presentation") else "vc"
    if text.startswith("{"):
        value: Any = json.loads(text)
    else:
        envelope = "EnvelopedVerifiablePresentation" if kind == "vp" else "EnvelopedVerifiableCredential"
        media = f"{kind}+sd-jwt" if call["feature"].endswith("sdjwt") else f"{kind}+jwt"
        value = {"@context": [_V2], "type": envelope, "id": f"data:application/{media},{text}"}
    if kind == "vp":
        status, answer = _post("/presentations/verify", {"verifiablePresentation": value})
    else:
        status, answer = _post("/credentials/verify", {"verifiableCredential": value})
    if status == 200:
        return {"result": "success"}
    details = " ".join(p.get("detail", "") for p in (answer or {}).get("problemDetails", []))
    if any(words in details for words in _UNRESOLVED_KEY):
        return {"result": "indeterminate", "reason": f"the key is passed out of band: {details}"}
    return {"result": "failure" if 400 <= status < 500 else "error", "reason": details}


def main(argv: list[str]) -> int:
    if not argv or argv[0] != "call":
        print("usage: python -m bench.jose_cose call <docker compose arguments>", file=sys.stderr)
        return 2
    call = parse_call(argv[1:])
    if not CLAIMED_FEATURES.get(call.get("feature", ""), False):
        outcome: dict[str, Any] = {"result": "indeterminate", "reason": f"{call.get('feature')} is not claimed"}
    else:
        outcome = issue(call) if call["fn"] == "issue" else verify(call)
    output = _suite_path(call["output"])
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(outcome, indent=2), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
