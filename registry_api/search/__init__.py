"""Search conditions at runtime: the spec of a search condition, input coercion and the query."""

from registry_api.search.params import from_body, from_query, parse_request
from registry_api.search.service import execute_search
from registry_api.search.spec import SearchSpec, spec_from_model, spec_source

__all__ = [
    "SearchSpec",
    "execute_search",
    "from_body",
    "from_query",
    "parse_request",
    "spec_from_model",
    "spec_source",
]
