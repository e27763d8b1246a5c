# One image for the three deployments (profiles internal, ext, public) of the example registry.
# Built and used by docker-compose.yml; not built in CI (no Docker engine there).
FROM python:3.12-slim AS runtime

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
COPY pyproject.toml README.md ./
COPY schemas ./schemas
COPY codegen ./codegen
COPY registry_api ./registry_api
COPY rbac ./rbac
COPY istio ./istio
RUN pip install .

# The regulation is read at build time: lint it, then generate its API package into the image.
COPY examples ./examples
RUN registry-api lint examples/user \
 && registry-api generate examples/user --out build/user --public-api examples/user/public-api.yaml

RUN useradd --system --uid 10001 --home-dir /app registry && mkdir -p /app/var && chown registry /app/var
USER registry

EXPOSE 8000
HEALTHCHECK --interval=10s --timeout=3s --retries=6 \
  CMD ["python", "-c", "import urllib.request; urllib.request.urlopen('http://127.0.0.1:8000/actuator/health', timeout=2)"]
# The profile comes from the command line: `serve build/user --profile ext`, see docker-compose.yml.
ENTRYPOINT ["registry-api"]
CMD ["serve", "build/user", "--profile", "internal", "--host", "0.0.0.0", "--port", "8000"]
