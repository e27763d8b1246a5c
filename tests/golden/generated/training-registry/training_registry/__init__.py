"""The generated data-factory API of the training-registry registry.

``create_app(settings, ...)`` builds the FastAPI service; ``ROUTES`` lists what it can serve.
Generated from the regulation; do not edit.
"""

from .app import ROUTES, create_app

__all__ = ["ROUTES", "create_app"]
