"""Casbin policy from the regulation's RBAC, the memoised enforcer and Keycloak identities."""
