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

It prints `SUITE: N passed, M failed, C not claimed, K skipped` per suite and writes the table, with the date, the
commit and the first failures of each suite, to bench/CONFORMANCE.md. A failing test that
bench/CONFORMANCE-NOT-CLAIMED.md lists (its `not-claimed` block: suite and test title, one a line) counts as "not
claimed", not as failed, so "0 failed" means every test we claim passes; a listed test that passes is reported, so
the list is cut when the reason is gone. Nothing here downloads code.
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


# Which issuer endpoint carries the `JWT` tag the VC API suites' JWT tests select by (see local_config).
JWT_ON_ENVELOPE = "envelope"  # our VC-JOSE-COSE issuer (application/vc+jwt)
JWT_ON_DATA_INTEGRITY = "data-integrity"  # our Data Integrity issuer, as the suites' own manifests tag theirs


@dataclass(frozen=True)
class Suite:
    """A suite we know how to point at the service: its package name, its row's label, the test files run (the
    whole `tests/` directory unless named) and which issuer endpoint the `JWT` tag goes on."""

    package: str
    label: str
    files: tuple[str, ...] = ("tests/",)
    jwt_on: str = JWT_ON_ENVELOPE

    @property
    def report_name(self) -> str:
        """The JSON report's and log's file name stem: one per row, so two runs of a suite never share one."""
        return self.package if self.jwt_on == JWT_ON_ENVELOPE else f"{self.package}.jwt-on-{self.jwt_on}"


KNOWN_SUITES = (
    Suite("vc-data-model-2.0-test-suite", "VC Data Model 2.0"),
    Suite("vc-di-eddsa-test-suite", "Data Integrity EdDSA"),
    Suite("vc-bitstring-status-list-test-suite", "Bitstring Status List"),
    Suite("vc-api-issuer-test-suite", "VC API issuer"),
    Suite("vc-api-verifier-test-suite", "VC API verifier"),
    Suite("vc-jose-cose-test-suite", "VC-JOSE-COSE"),
    # The VC API suites' JWT-tagged tests again, with the tag where the suites' own reference configuration puts
    # it: their assertions are written for an embedded proof (issuer: `shouldBeIssuedVc` wants `proof` and
    # `credentialSubject` objects; verifier: it deletes `proof.*` members), and the issuer the verifier suite mints
    # its JWT inputs with by default (`ISSUER_NAME_JWT`, SpruceID in vc-test-suite-implementations) tags its Data
    # Integrity endpoints `JWT`. The rows above run them against our VC-JOSE-COSE issuer (CONFORMANCE-NOT-CLAIMED).
    Suite(
        "vc-api-issuer-test-suite", "VC API issuer, JWT tag on the DI issuer", ("tests/11-issuer-jwt.js",),
        JWT_ON_DATA_INTEGRITY,
    ),
    Suite(
        "vc-api-verifier-test-suite", "VC API verifier, JWT tag on the DI issuer",
        ("tests/11-vc-jwt.js", "tests/13-vp-jwt.js"), JWT_ON_DATA_INTEGRITY,
    ),
)  # fmt: skip


@dataclass
class SuiteResult:
    suite: Suite
    passed: int = 0
    failed: int = 0
    skipped: int = 0
    error: str | None = None
    failures: list[tuple[str, str]] = field(default_factory=list)  # (full title, first line of the error)
    not_claimed: list[tuple[str, str]] = field(default_factory=list)  # failures the list names, as `failures`
    passed_titles: list[str] = field(default_factory=list)  # full titles ("section: title") of the passes
    listed_but_passed: list[str] = field(default_factory=list)  # listed as not claimed, yet they pass

    def line(self) -> str:
        if self.error:
            return f"{self.suite.label}: did not run ({self.error})"
        return (
            f"{self.suite.label}: {self.passed} passed, {self.failed} failed, {len(self.not_claimed)} not claimed, "
            f"{self.skipped} skipped"
        )

    def set_apart(self, listed: set[str]) -> None:
        """Move the failures `listed` names (full titles) from failed to not claimed; note listed ones that pass."""
        kept = [f for f in self.failures if f[0] not in listed]
        self.not_claimed = [f for f in self.failures if f[0] in listed]
        self.failures, self.failed = kept, self.failed - len(self.not_claimed)
        self.listed_but_passed = sorted(t for t in self.passed_titles if t in listed)


NOT_CLAIMED_FENCE = "```not-claimed"
NOT_CLAIMED_SEPARATOR = " :: "


def read_not_claimed(text: str) -> dict[str, set[str]]:
    """The `not-claimed` block of bench/CONFORMANCE-NOT-CLAIMED.md: lines `SUITE LABEL :: SECTION: TEST TITLE`
    (the title as mocha reports it, whole; the section is its describe path without the implementation's name), by
    suite label. Blank lines and `#` comments are skipped; a line without the separator is an error."""
    listed: dict[str, set[str]] = {}
    inside = False
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not inside:
            inside = line == NOT_CLAIMED_FENCE
            continue
        if line == "```":
            inside = False
            continue
        if not line or line.startswith("#"):
            continue
        label, separator, title = line.partition(NOT_CLAIMED_SEPARATOR)
        if not separator or not title.strip():
            raise SystemExit(f"bench/CONFORMANCE-NOT-CLAIMED.md line {number}: want 'SUITE :: SECTION: TITLE'")
        listed.setdefault(label.strip(), set()).add(" ".join(title.split()))
    return listed


# --- finding the suites -------------------------------------------------------------------------------------


def find_suites(directory: Path) -> list[tuple[Suite, Path]]:
    """The known suites among DIR's sub-directories (by package name), in the order of KNOWN_SUITES (a suite run
    twice, as two rows, is found once and listed for each)."""
    packages = {s.package for s in KNOWN_SUITES}
    found: dict[str, Path] = {}
    for child in sorted(directory.iterdir()):
        manifest = child / "package.json"
        if not manifest.is_file():
            continue
        try:
            name = json.loads(manifest.read_text(encoding="utf-8")).get("name")
        except (json.JSONDecodeError, OSError):
            continue
        if name in packages and name not in found:
            found[name] = child
    return [(s, found[s.package]) for s in KNOWN_SUITES if s.package in found]


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


def local_config(origin: str, did: str, api_key: str, *, jwt_on: str = JWT_ON_ENVELOPE) -> str:
    """One implementation, one endpoint per tag (a suite takes the first endpoint carrying its tag). `jwt_on` says
    which issuer the VC API suites' `JWT` tag selects: the VC-JOSE-COSE one, or the Data Integrity one."""
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
                "tags": [
                    *("vc2.0", "eddsa-rdfc-2022", "BitstringStatusList", "vc-api"),
                    *(["JWT"] if jwt_on == JWT_ON_DATA_INTEGRITY else []),
                ],
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
                "tags": ["vc-api", *(["JWT"] if jwt_on == JWT_ON_ENVELOPE else []), "EnvelopingProof"],
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
        message = first_line(failure.get("err", {}).get("message", ""))
        result.failures.append((full_title(failure), message))
    result.passed_titles = [full_title(test) for test in data.get("passes", [])]


def full_title(test: dict[str, Any]) -> str:
    """`SECTION: TITLE` of a mocha test: its describe path without the implementation's name, and its title, whole
    (whitespace folded): the key bench/CONFORMANCE-NOT-CLAIMED.md lists tests by."""
    title, full = test.get("title", "?"), test.get("fullTitle", "?")
    section = full.removesuffix(title).replace(f" {IMPLEMENTATION} ", " ").strip()
    section = section.removesuffix(f" {IMPLEMENTATION}").removeprefix(f"{IMPLEMENTATION} ").strip()
    return " ".join(f"{section}: {title}".split())


def run_suite(suite: Suite, suite_dir: Path, reports: Path, env: dict[str, str]) -> SuiteResult:
    result = SuiteResult(suite)
    bin_dir = suite_dir / "node_modules" / ".bin"
    mocha = bin_dir / "mocha"
    if (bin_dir / "node").exists():  # a suite that installed its own Node (vc-jose-cose needs Node 22)
        env = {**env, "PATH": f"{bin_dir}{os.pathsep}{env.get('PATH', '')}"}
    if not mocha.exists():
        result.error = f"no {mocha.relative_to(suite_dir)}: run npm install in {suite_dir} (README)"
        return result
    report, log = reports / f"{suite.report_name}.json", reports / f"{suite.report_name}.log"
    report.unlink(missing_ok=True)
    command = [
        str(mocha), *suite.files, "--reporter", "json", "--reporter-option", f"output={report}",
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
        "CI does not run it. Skipped tests are the ones a suite marks pending (features we do not claim). A failing",
        "test that bench/CONFORMANCE-NOT-CLAIMED.md lists, with why, is counted as not claimed rather than failed.",
        "",
        f"- date: {when:%Y-%m-%d %H:%M} UTC",
        f"- commit: {revision}",
        "",
        "| suite | passed | failed | not claimed | skipped |",
        "|---|---:|---:|---:|---:|",
    ]
    for r in results:
        if r.error:
            lines.append(f"| {r.suite.label} | - | - | - | - |")
        else:
            lines.append(f"| {r.suite.label} | {r.passed} | {r.failed} | {len(r.not_claimed)} | {r.skipped} |")
    if errors:
        lines += ["", "Unhandled server errors (500) during the run, each a bug whatever the test said:", ""]
        lines += [f"- {request}: {count}" for request, count in sorted(errors.items())]
    for r in results:
        if r.error:
            lines += ["", f"## {r.suite.label}", "", f"Did not run: {r.error}"]
        elif r.failures:
            lines += ["", f"## {r.suite.label}: failures", ""]
            shown = r.failures[:FAILURES_SHOWN]
            lines += [f"- {shorten(title, 200)}: {message or '(no message)'}" for title, message in shown]
            if len(r.failures) > len(shown):
                lines.append(f"- ... and {len(r.failures) - len(shown)} more (the JSON report has them all)")
    lines += not_claimed_sections(results)
    if not_claimed.strip():
        lines += ["", not_claimed.strip()]
    return "\n".join(lines) + "\n"


def not_claimed_sections(results: list[SuiteResult]) -> list[str]:
    """The listed tests that pass now (to cut from the list), then the listed ones that fail, as recorded."""
    lines: list[str] = []
    passing = [(r.suite.label, title) for r in results for title in r.listed_but_passed]
    if passing:
        lines += ["", "## Listed as not claimed, but they pass now (cut them from the list)", ""]
        lines += [f"- {label}: {shorten(title, 200)}" for label, title in passing]
    for r in results:
        if r.not_claimed:
            lines += ["", f"## {r.suite.label}: not claimed (failing, as listed)", ""]
            lines += [f"- {shorten(title, 200)}: {message or '(no message)'}" for title, message in r.not_claimed]
    return lines


# --- main ---------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.conformance", description=__doc__.split("\n")[0])
    parser.add_argument(
        "suites", type=Path, nargs="+", help="directories holding the checked-out, npm-installed suites (the first "
        "one found of each suite is run)"
    )  # fmt: skip
    parser.add_argument("--only", action="append", default=[], help="run only this suite (package name); repeat")
    parser.add_argument("--output", type=Path, default=ROOT / "bench" / "CONFORMANCE.md", help="the table")
    args = parser.parse_args(argv)
    directories: list[Path] = [d.resolve() for d in args.suites]
    for directory in directories:
        if not directory.is_dir():
            parser.error(f"{directory} is not a directory")
    found: dict[str, Path] = {}
    for directory in directories:
        for suite, path in find_suites(directory):
            found.setdefault(suite.package, path)
    suites = [
        (s, found[s.package]) for s in KNOWN_SUITES if s.package in found and (not args.only or s.package in args.only)
    ]
    if not suites:
        looked = ", ".join(s.package for s in KNOWN_SUITES)
        parser.error(f"no known suite under {', '.join(map(str, directories))} (looked for {looked})")
    not_claimed_text = NOT_CLAIMED.read_text(encoding="utf-8") if NOT_CLAIMED.is_file() else ""
    listed = read_not_claimed(not_claimed_text)
    reports = directories[0] / "pai-verify-reports"
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
            # issue: POST /credentials/issue; prove: POST /presentations/prove (the VC-JOSE-COSE suite's tests 3, 4)
            api_key = run_cli(["api-keys", "create", "--name", "conformance", "--scopes", "issue,prove"], env)
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
                    write_local_config(suite_dir, local_config(origin, did, api_key, jwt_on=suite.jwt_on))
                    started = time.monotonic()
                    result = run_suite(suite, suite_dir, reports, node_env)
                    result.set_apart(listed.get(suite.label, set()))
                    print(f"{result.line()}  [{time.monotonic() - started:.0f} s]", flush=True)
                    results.append(result)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)

    errors = server_errors(reports / "server.log")
    table = markdown(results, errors, dt.datetime.now(dt.UTC), commit(), not_claimed=not_claimed_text)
    args.output.write_text(table, encoding="utf-8")
    print(f"\nwrote {args.output}")
    for r in results:
        print(r.line())
        for title in r.listed_but_passed:
            print(f"  listed as not claimed, but passes now: {title}")
    for request, count in sorted(errors.items()):
        print(f"server: {count} unhandled error(s) (500) on {request}; see {reports / 'server.log'}")
    return 1 if any(r.error for r in results) else 0


if __name__ == "__main__":
    raise SystemExit(main())
