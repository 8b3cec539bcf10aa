# syntax=docker/dockerfile:1
# PAI Verify: `verify-api serve` (migrations, then granian) as a non-root user. README "Running in production".
# The base is pinned to a patch release; pin it by digest too (python:3.11.14-slim-bookworm@sha256:...) where you
# build, so a rebuild is the same image.
ARG PYTHON_IMAGE=python:3.11.14-slim-bookworm

# ---- build: a virtualenv with the package and its runtime dependencies only (no [dev] extra)
FROM ${PYTHON_IMAGE} AS build
ENV PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_ROOT_USER_ACTION=ignore
WORKDIR /src
RUN python -m venv /opt/venv
COPY pyproject.toml requirements.lock ./
COPY verify_api ./verify_api
# The lock is a constraint, not a list to install: it pins every version, while only what the package needs at run
# time ([embedded] for pg_dump/pg_restore of PostgreSQL 16, used by `verify-api backup`) is installed.
RUN /opt/venv/bin/pip install --constraint requirements.lock ".[embedded]" \
    && /opt/venv/bin/pip uninstall --yes pip setuptools

# ---- runtime
FROM ${PYTHON_IMAGE} AS runtime
RUN groupadd --system --gid 10001 verify \
    && useradd --system --uid 10001 --gid 10001 --home-dir /app --no-create-home --shell /usr/sbin/nologin verify \
    && mkdir -p /app /keys \
    && chown 10001:10001 /app /keys
COPY --from=build /opt/venv /opt/venv
ENV PATH="/opt/venv/bin:${PATH}" \
    PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    HOST=0.0.0.0 \
    PORT=8000 \
    DATA_DIR=/app/.data \
    KEYS_DIR=/keys \
    SIGNING_KEY_PATH=/keys/issuer.pem
WORKDIR /app
USER 10001:10001
EXPOSE 8000
# The key files (Ed25519, P-256 beside it, the public-key history) live together and rotation rewrites them.
VOLUME ["/keys"]
# 0 when /health answers 200 (the database is reachable), 1 otherwise; stdlib only, no curl in the image.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request as u; u.urlopen(f\"http://127.0.0.1:{os.environ.get('PORT', '8000')}/health\", timeout=4)"]
CMD ["verify-api", "serve"]
