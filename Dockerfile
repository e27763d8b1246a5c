# One production image for the three deployments (profiles internal, ext, public) of one registry,
# and for its migration Job. Python 3.11, as the tests; dependencies pinned with hashes by
# requirements.lock (`make lock`); no embedded PostgreSQL or S3 (those are the [local] extra).
# Used by docker-compose.yml and the manifests of `registry-api deploy`; checked statically in CI
# (tests/deploy/test_dockerfile.py, hadolint), never built there (no Docker engine).
#
#   docker build --build-arg REGULATION=examples/user --build-arg PUBLIC_API=examples/user/public-api.yaml \
#                --build-arg REGISTRY=user -t registry.example.org/user-data-factory:1.0.0 .

FROM python:3.11-slim AS build

ENV PYTHONDONTWRITEBYTECODE=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /src
COPY requirements.lock ./
RUN python -m venv /opt/registry \
 && /opt/registry/bin/pip install --require-hashes --no-deps -r requirements.lock
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY codegen ./codegen
COPY registry_api ./registry_api
COPY rbac ./rbac
COPY istio ./istio
RUN /opt/registry/bin/pip install --no-deps .

# The regulation is read at build time: lint it, then generate its API package into the image.
ARG REGULATION=examples/user
ARG PUBLIC_API=examples/user/public-api.yaml
ARG REGISTRY=user
COPY examples ./examples
RUN /opt/registry/bin/registry-api lint "${REGULATION}" \
 && /opt/registry/bin/registry-api generate "${REGULATION}" --out "/app/build/${REGISTRY}" --public-api "${PUBLIC_API}"


FROM python:3.11-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PATH=/opt/registry/bin:$PATH \
    REGISTRY_HOST=0.0.0.0 \
    REGISTRY_PORT=8080 \
    REGISTRY_METRICS__HOST=0.0.0.0 \
    REGISTRY_METRICS__PORT=9102 \
    REGISTRY_LOG__FORMAT=json

COPY --from=build /opt/registry /opt/registry
COPY --from=build /app/build /app/build
WORKDIR /app
# Runs as a non-root user on a read-only root filesystem: it writes nothing but /tmp.
USER 10001:10001

EXPOSE 8080 9102
HEALTHCHECK --interval=10s --timeout=3s --retries=6 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:' + os.environ.get('REGISTRY_PORT', '8080') + '/actuator/health/liveness', timeout=2)"]
ENTRYPOINT ["registry-api"]
# The profile comes from REGISTRY_PROFILE (internal when unset). For another registry than the
# example, pass `serve /app/build/<registry> --no-migrate` (the manifests do); the migration Job runs
# `migrate /app/build/<registry>/regulation`.
CMD ["serve", "/app/build/user", "--no-migrate"]
