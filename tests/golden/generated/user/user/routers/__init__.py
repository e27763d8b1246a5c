"""Routers, one module per API element.

Generated from the regulation; do not edit.
"""
