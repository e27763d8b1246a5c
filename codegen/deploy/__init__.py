"""``registry-api deploy``: the Kubernetes manifests of a generated registry (a kustomize base)."""

from codegen.deploy.emit import DeployError, write_manifests
from codegen.deploy.values import DeployValues, load_values

__all__ = ["DeployError", "DeployValues", "load_values", "write_manifests"]
