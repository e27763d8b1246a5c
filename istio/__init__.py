"""Istio resources for the three deployments, and their offline validation."""
