"""Vendored Istio CRD schemas (data): ``istio-crds.json``, see ``istio.validate.vendor_schemas``."""
