"""Emitters: the regulation → the generated registry package, OpenAPI documents and manifest."""

from codegen.emit.generator import GenerationError, generate, render_package

__all__ = ["GenerationError", "generate", "render_package"]
