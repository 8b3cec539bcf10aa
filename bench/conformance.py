"""`make conformance SUITES=DIR`: run the W3C / CCG conformance suites checked out under DIR against PAI Verify.

A development-time check (CI cannot fetch the suites). The suites are prepared by hand (README, "Conformance
suites"); this script does the rest, all on 127.0.0.1:

1. a temporary database: a fresh database on the server of DATABASE_URL when it is set, else a throwaway
   embedded PostgreSQL cluster (the one the tests use);
2. a throwaway Ed25519 signing key (`verify-api keys generate`) and an API key with scope `issue`
   (`verify-api api-keys create`);
3. a self-signed certificate for 127.0.0.1, generated now and kept in a temporary directory;
4. granian serving the app over https with `VC_API_ISSUER=did:key`, `PUBLIC_BASE_URL=https://127.0.0.1:<port>`
   and a verify rate limit high enough for a whole run;
5. per suite, a `localConfig.cjs` written at the suite's root (so only PAI Verify is tested), then
   `mocha tests/ --reporter json`; the JSON reports stay under DIR/pai-verify-reports/.

It prints `SUITE: N passed, M failed, K skipped` per suite and writes the table, with the date, the commit and
the first failures of each suite, to bench/CONFORMANCE.md. Nothing here downloads code.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import datetime as dt
import ipaddress
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit, urlunsplit

from bench import jose_cose

if TYPE_CHECKING:
    from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-m", "verify_api"]
# Marks the localConfig.cjs files this script writes, so it never overwrites one a person wrote.
MARKER = "// written by PAI Verify's bench/conformance.py; rewritten on every run"
MOCHA_TIMEOUT_MS = 15000
SUITE_TIMEOUT_S = 1800
FAILURES_SHOWN = 30
IMPLEMENTATION = "PAI-Verify"  # no spaces: some suites put it into shell commands
# Kept by hand: the tests we do not claim and why; appended to the table on every run.
NOT_CLAIMED = ROOT / "bench" / "CONFORMANCE-NOT-CLAIMED.md"


@dataclass(frozen=True)
class Suite:
    """A suite we know how to point at the service: its package name and the tags its endpoints need."""

    package: str
    label: str


KNOWN_SUITES = (
    Suite("vc-data-model-2.0-test-suite", "VC Data Model 2.0"),
    Suite("vc-di-eddsa-test-suite", "Data Integrity EdDSA"),
    Suite("vc-bitstring-status-list-test-suite", "Bitstring Status List"),
    Suite("vc-api-issuer-test-suite", "VC API issuer"),
    Suite("vc-api-verifier-test-suite", "VC API verifier"),
    Suite("vc-jose-cose-test-suite", "VC-JOSE-COSE"),
)


@dataclass
class SuiteResult:
    suite: Suite
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    error: str | None = None
    failures: list[tuple[str, str]] = field(default_factory=list)  # (full title, first line of the error)

    def line(self) -> str:
        if self.error:
            return f"{self.suite.label}: did not run ({self.error})"
        return f"{self.suite.label}: {self.passed} passed, {self.failed} failed, {self.skipped} skipped"


# --- finding the suites -------------------------------------------------------------------------------------


def find_suites(directory: Path) -> list[tuple[Suite, Path]]:
    """The known suites among DIR's sub-directories (by package name), in the order of KNOWN_SUITES."""
    by_package = {s.package: s for s in KNOWN_SUITES}
    found: dict[str, tuple[Suite, Path]] = {}
    for child in sorted(directory.iterdir()):
        manifest = child / "package.json"
        if not manifest.is_file():
            continue
        try:
            name = json.loads(manifest.read_text(encoding="utf-8")).get("name")
        except (json.JSONDecodeError, OSError):
            continue
        if name in by_package and name not in found:
            found[name] = (by_package[name], child)
    return [found[s.package] for s in KNOWN_SUITES if s.package in found]


# --- certificate, database, keys ----------------------------------------------------------------------------


def write_self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    """A P-256 key and a one-day self-signed certificate for 127.0.0.1 (the suites do not check it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / "tls-key.pem", directory / "tls-cert.pem"
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return cert_path, key_path


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def _admin(server_url: str, statement: str) -> None:
    import asyncpg

    conn = await asyncpg.connect(server_url)
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


@contextlib.contextmanager
def temporary_database() -> Iterator[str]:
    """A fresh database, dropped afterwards: on DATABASE_URL's server when set, else in a throwaway cluster."""
    given = os.environ.get("DATABASE_URL")
    if not given:
        from verify_api.cli.embedded_postgres import temporary_cluster

        with temporary_cluster(log=lambda message: None) as cluster:
            yield cluster.url
        return
    name = f"pai_conformance_{os.getpid()}_{secrets.token_hex(3)}"
    asyncio.run(_admin(given, f'CREATE DATABASE "{name}"'))
    try:
        yield _with_database(given, name)
    finally:
        asyncio.run(_admin(given, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def run_cli(args: list[str], env: dict[str, str]) -> str:
    done = subprocess.run([*CLI, *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise SystemExit(f"verify-api {args[0]} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout


# --- the server ---------------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def insecure_context() -> ssl.SSLContext:
    """Our own self-signed certificate, on 127.0.0.1: nothing to verify it against."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


def request_json(url: str, body: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> Any:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(url, data=data, headers={"Content-Type": "application/json", **(headers or {})})
    try:
        with urllib.request.urlopen(request, timeout=10, context=insecure_context()) as response:
            return json.loads(response.read())
    except urllib.error.HTTPError as error:
        raise SystemExit(f"{url} answered {error.code}: {error.read()[:2000].decode(errors='replace')}") from None


def _stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop the server's whole process group (granian's workers included), and only it."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)


@contextlib.contextmanager
def serve_https(env: dict[str, str], port: int, cert: Path, key: Path, log_path: Path) -> Iterator[str]:
    command = [
        sys.executable, "-m", "granian", "--interface", "asgi", "--factory", "--workers", "1",
        "--host", "127.0.0.1", "--port", str(port), "--ssl-certificate", str(cert), "--ssl-keyfile", str(key),
        "--no-access-log", "--log-level", "warning", "verify_api.app:app_from_environment",
    ]  # fmt: skip
    origin = f"https://127.0.0.1:{port}"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            command, env=env, cwd=ROOT, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"the server exited with {proc.returncode}; see {log_path}")
            try:
                with urllib.request.urlopen(f"{origin}/health", timeout=2, context=insecure_context()) as r:
                    if r.status == 200:
                        break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the server did not answer {origin}/health within 60 s; see {log_path}")
            time.sleep(0.2)
        yield origin
    finally:
        _stop(proc)


def signing_did(key_path: Path) -> str:
    """The did:key of the signing key: the issuer id the suites send (the DI suite resolves it itself)."""
    from cryptography.hazmat.primitives import serialization

    from verify_api.proofs.keys import did_key_for

    public = serialization.load_pem_private_key(key_path.read_bytes(), password=None).public_key()
    return did_key_for(public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw))


def check_issuer(origin: str, api_key: str, did: str) -> None:
    """Issue one credential as `did`, so a service not configured for did:key stops the run here."""
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:conformance-probe"},
    }
    signed = request_json(
        f"{origin}/credentials/issue", {"credential": credential}, {"Authorization": f"Bearer {api_key}"}
    )["verifiableCredential"]
    method = signed.get("proof", {}).get("verificationMethod", "")
    if not (isinstance(method, str) and method.startswith(did + "#")):
        raise SystemExit(f"the service signs with {method!r}, not {did}: is VC_API_ISSUER=did:key honoured?")


# --- the suites ---------------------------------------------------------------------------------------------


def local_config(origin: str, did: str, api_key: str) -> str:
    """One implementation, one endpoint per tag (a suite takes the first endpoint carrying its tag)."""
    auth = {"Authorization": f"Bearer {api_key}"}
    issue, verify = f"{origin}/credentials/issue", f"{origin}/credentials/verify"
    implementation: dict[str, Any] = {
        "name": IMPLEMENTATION,
        "implementation": "PAI Verify",
        "issuers": [
            {
                "id": did,
                "endpoint": issue,
                "headers": auth,
                "supports": {"vc": ["1.1", "2.0"]},
                "tags": ["vc2.0", "eddsa-rdfc-2022", "BitstringStatusList", "vc-api"],
            },
            {
                "id": did,
                "endpoint": issue,
                "headers": auth,
                "options": {"cryptosuite": "eddsa-jcs-2022"},
                "tags": ["eddsa-jcs-2022"],
            },
            # The VC API suites' JWT tests take the issuer tagged both vc-api and JWT (the DI issuer above, listed
            # first, stays the one their other tests take): VC-JOSE-COSE application/vc+jwt, EdDSA. The VC 2.0
            # suite's envelope tests (EnvelopingProof) take it too: it answers EnvelopedVerifiableCredentials.
            {
                "id": did,
                "endpoint": issue,
                "headers": auth,
                "options": {"format": "application/vc+jwt"},
                "tags": ["vc-api", "JWT", "EnvelopingProof"],
            },
        ],
        "verifiers": [
            {
                "id": verify,
                "endpoint": verify,
                "tags": [
                    *("vc2.0", "eddsa-rdfc-2022", "eddsa-jcs-2022", "BitstringStatusList", "vc-api", "JWT"),
                    "EnvelopingProof",
                ],
            }
        ],
        "vpVerifiers": [
            {
                "id": f"{origin}/presentations/verify",
                "endpoint": f"{origin}/presentations/verify",
                "tags": ["vc2.0", "EnvelopingProof"],
            }
        ],
    }
    implementation["jose-cose"] = {"features": jose_cose.CLAIMED_FEATURES}  # drives bench/jose_cose.py
    config = {
        "settings": {"enableInteropTests": False, "testAllImplementations": False},
        "implementations": [implementation],
    }
    return f"{MARKER}\nmodule.exports = {json.dumps(config, indent=2)};\n"


def write_local_config(suite_dir: Path, text: str) -> None:
    path = suite_dir / "localConfig.cjs"
    if path.exists() and not path.read_text(encoding="utf-8").startswith(MARKER):
        raise SystemExit(f"{path} exists and was not written by this script: move it aside first")
    path.write_text(text, encoding="utf-8")


def shorten(text: str, limit: int = 140) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def first_line(message: str) -> str:
    return shorten(next((part for part in message.splitlines() if part.strip()), ""), 200)


def read_report(result: SuiteResult, report: Path) -> None:
    data = json.loads(report.read_text(encoding="utf-8"))
    stats = data.get("stats", {})
    result.passed, result.failed, result.skipped = (
        stats.get("passes", 0),
        stats.get("failures", 0),
        stats.get("pending", 0),
    )
    for failure in data.get("failures", []):
        title, full = failure.get("title", "?"), failure.get("fullTitle", "?")
        section = full.removesuffix(title).replace(f" {IMPLEMENTATION} ", " ").strip()
        result.failures.append((f"{section}: {shorten(title)}", first_line(failure.get("err", {}).get("message", ""))))


def run_suite(suite: Suite, suite_dir: Path, reports: Path, env: dict[str, str]) -> SuiteResult:
    result = SuiteResult(suite)
    bin_dir = suite_dir / "node_modules" / ".bin"
    mocha = bin_dir / "mocha"
    if (bin_dir / "node").exists():  # a suite that installed its own Node (vc-jose-cose needs Node 22)
        env = {**env, "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"}
    if not mocha.exists():
        result.error = f"no {mocha.relative_to(suite_dir)}: run npm install in {suite_dir} (README)"
        return result
    report, log = reports / f"{suite.package}.json", reports / f"{suite.package}.log"
    report.unlink(missing_ok=True)
    command = [
        str(mocha), "tests/", "--reporter", "json", "--reporter-option", f"output={report}",
        "--timeout", str(MOCHA_TIMEOUT_MS), "--preserve-symlinks",
    ]  # fmt: skip
    with log.open("wb") as log_file:
        try:
            subprocess.run(
                command, cwd=suite_dir, env=env, stdin=subprocess.DEVNULL, stdout=log_file,
                stderr=subprocess.STDOUT, timeout=SUITE_TIMEOUT_S, check=False,
            )  # fmt: skip
        except subprocess.TimeoutExpired:
            result.error = f"timed out after {SUITE_TIMEOUT_S} s; see {log}"
            return result
    if not report.is_file():
        result.error = f"mocha wrote no report; see {log}"
        return result
    read_report(result, report)
    return result


def server_errors(log: Path) -> dict[str, int]:
    """Unhandled errors (answered 500) the server logged during the run, by request line: each one is a bug."""
    counts: dict[str, int] = {}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        if "unhandled error on " in line:
            request = line.split("unhandled error on ", 1)[1].strip()
            counts[request] = counts.get(request, 0) + 1
    return counts


# --- the table ----------------------------------------------------------------------------------------------


def commit() -> str:
    def git(*args: str) -> str:
        done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
        return done.stdout.strip()

    head = git("rev-parse", "--short=12", "HEAD") or "unknown"
    dirty = git("status", "--porcelain", "--untracked-files=no")
    return f"{head}{' (with uncommitted changes)' if dirty else ''}"


def markdown(
    results: list[SuiteResult], errors: dict[str, int], when: dt.datetime, revision: str, *, not_claimed: str = ""
) -> str:
    lines = [
        "# Conformance",
        "",
        'Latest `make conformance SUITES=<dir>` run (see README, "Conformance suites"); a development-time check,',
        "CI does not run it. Skipped tests are the ones a suite marks pending (features we do not claim).",
        "",
        f"- date: {when:%Y-%m-%d %H:%M} UTC",
        f"- commit: {revision}",
        "",
        "| suite | passed | failed | skipped |",
        "|---|---:|---:|---:|",
    ]
    for r in results:
        if r.error:
            lines.append(f"| {r.suite.label} | - | - | - |")
        else:
            lines.append(f"| {r.suite.label} | {r.passed} | {r.failed} | {r.skipped} |")
    if errors:
        lines += ["", "Unhandled server errors (500) during the run, each a bug whatever the test said:", ""]
        lines += [f"- {request}: {count}" for request, count in sorted(errors.items())]
    for r in results:
        if r.error:
            lines += ["", f"## {r.suite.label}", "", f"Did not run: {r.error}"]
        elif r.failures:
            lines += ["", f"## {r.suite.label}: failures", ""]
            shown = r.failures[:FAILURES_SHOWN]
            lines += [f"- {title}: {message or '(no message)'}" for title, message in shown]
            if len(r.failures) > len(shown):
                lines.append(f"- ... and {len(r.failures) - len(shown)} more (the JSON report has them all)")
    if not_claimed.strip():
        lines += ["", not_claimed.strip()]
    return "\n".join(lines) + "\n"


# --- main ---------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.conformance", description=__doc__.split("\n")[0])
    parser.add_argument("suites", type=Path, help="directory holding the checked-out, npm-installed suites")
    parser.add_argument("--only", action="append", default=[], help="run only this suite (package name); repeat")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "CONFORMANCE.md", help="the table")
    args = parser.parse_args(argv)
    directory: Path = args.suites.resolve()
    if not directory.is_dir():
        parser.error(f"{directory} is not a directory")
    suites = [(s, d) for s, d in find_suites(directory) if not args.only or s.package in args.only]
    if not suites:
        parser.error(f"no known suite under {directory} (looked for {', '.join(s.package for s in KNOWN_SUITES)})")
    reports = directory / "pai-verify-reports"
    reports.mkdir(exist_ok=True)

    scratch = Path(tempfile.mkdtemp(prefix="pai-conformance-"))
    try:
        cert, key = write_self_signed_certificate(scratch)
        port = free_port()
        with temporary_database() as url:
            env = {
                **os.environ,
                "DATABASE_URL": url,
                "SIGNING_KEY_PATH": str(scratch / "signing-key.pem"),
                "VC_API_ISSUER": "did:key",
                "PUBLIC_BASE_URL": f"https://127.0.0.1:{port}",
                "VERIFY_RATE_LIMIT_PER_MINUTE": "100000",
                "HOST": "127.0.0.1",
                "PORT": str(port),
            }
            env.pop("SIGNING_KEY_PASSPHRASE", None)
            run_cli(["keys", "generate", "--path", env["SIGNING_KEY_PATH"]], env)
            run_cli(["migrate"], env)
            api_key = run_cli(["api-keys", "create", "--name", "conformance", "--scopes", "issue"], env)
            api_key = api_key.strip().splitlines()[-1]
            with serve_https(env, port, cert, key, reports / "server.log") as origin:
                did = signing_did(Path(env["SIGNING_KEY_PATH"]))
                check_issuer(origin, api_key, did)
                print(f"serving {origin} as {did}; reports in {reports}", flush=True)
                node_env = {**os.environ, "NODE_TLS_REJECT_UNAUTHORIZED": "0", "NODE_NO_WARNINGS": "1"}
                node_env["ISSUER_NAME_JWT"] = IMPLEMENTATION  # the verifier suite mints its JWT inputs with it
                shim = jose_cose.write_docker_stand_in(scratch)
                node_env.update(jose_cose.stand_in_env(origin, api_key, did, shim))
                results: list[SuiteResult] = []
                for suite, suite_dir in suites:
                    write_local_config(suite_dir, local_config(origin, did, api_key))
                    started = time.monotonic()
                    result = run_suite(suite, suite_dir, reports, node_env)
                    print(f"{result.line()}  [{time.monotonic() - started:.0f} s]", flush=True)
                    results.append(result)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    errors = server_errors(reports / "server.log")
    not_claimed = NOT_CLAIMED.read_text(encoding="utf-8") if NOT_CLAIMED.is_file() else ""
    table = markdown(results, errors, dt.datetime.now(dt.UTC), commit(), not_claimed=not_claimed)
    args.output.write_text(table, encoding="utf-8")
    print(f"\nwrote {args.output}")
    for r in results:
        print(r.line())
    for request, count in sorted(errors.items()):
        print(f"server: {count} unhandled error(s) (500) on {request}; see {reports / 'server.log'}")
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
