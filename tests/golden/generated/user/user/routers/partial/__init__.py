"""Partial update routers.

Generated from the regulation; do not edit.
"""
