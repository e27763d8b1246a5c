"""The HTTP edge: the only code of the runtime that knows Starlette/FastAPI (request dependencies and
access decisions, problem handlers, the route entry points generated code calls, response shaping)."""
