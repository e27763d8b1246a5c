"""The layout of an output tree of ``registry-api generate``: the contract between the generator that
writes it and the runtime (``registry_api.deploy``) that serves it.

``DIR/<package>/`` (the Python package, with ``app.py``, ``changesets.json`` and, when given, the baked
``public-api.yaml``),
``DIR/openapi/<profile>.json``, ``DIR/rbac/``, ``DIR/istio/<profile>/``, ``DIR/regulation/`` (the
regulation that was read, so ``serve`` migrates from the output alone) and the manifest.
"""

MANIFEST = ".generated-files"
PACKAGE_APP_MODULE = "app.py"
PACKAGE_TABLES_MODULE = "tables.py"
PUBLIC_API_FILE = "public-api.yaml"
CHANGESETS_FILE = "changesets.json"  # in the package: what readiness expects in databasechangelog
OPENAPI_DIR = "openapi"
RBAC_DIR = "rbac"
ISTIO_DIR = "istio"
REGULATION_DIR = "regulation"
