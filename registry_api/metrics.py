"""Prometheus metrics of the service (prometheus-client), served on a port of their own
(``metrics.port``), never on the API port: no profile's route plan mounts them, so no caller of the
API can reach them whatever the mesh does.

With ``serve --workers N`` every worker writes its values to files in ``PROMETHEUS_MULTIPROC_DIR``
(prometheus-client's multiprocess mode, set up by ``serve`` before the workers start) and the parent
process serves their sum. Label values are bounded: route *templates*, methods, status codes.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Engine, event

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
UNMATCHED_ROUTE = "<unmatched>"  # a path no route serves: one label value, not one per path

REQUESTS = Counter("registry_http_requests_total", "HTTP requests answered.", ("method", "route", "status"))
REQUEST_SECONDS = Histogram(
    "registry_http_request_duration_seconds",
    "Time to answer an HTTP request (until the response is complete).",
    ("method", "route"),
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)
FILE_BYTES_STREAMED = Counter("registry_file_bytes_streamed_total", "File content bytes sent to callers.")
UPLOAD_BYTES = Histogram(
    "registry_file_upload_bytes",
    "Sizes of uploaded files.",
    buckets=(1024, 10_240, 102_400, 1_048_576, 10_485_760, 104_857_600, 1_073_741_824),
)
POOL_IN_USE = Gauge(
    "registry_db_pool_connections_in_use",
    "Database connections checked out of a pool.",
    ("pool",),
    multiprocess_mode="livesum",
)
POOL_SIZE = Gauge(
    "registry_db_pool_size",
    "Connections a pool keeps (it may overflow by as many).",
    ("pool",),
    multiprocess_mode="livemax",
)
KEY_SET_LOOKUPS = Counter(
    "registry_auth_key_set_lookups_total",
    "Signing-key look-ups for token verification: answered from the cache, or fetched from Keycloak.",
    ("result",),
)


_REQUEST_SERIES: dict[tuple[str, str, int], tuple[Any, Any]] = {}  # bounded like the labels themselves


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    series = _REQUEST_SERIES.get((method, route, status))
    if series is None:  # labels() takes a lock and builds a key each call: once per series instead
        series = (REQUESTS.labels(method, route, str(status)), REQUEST_SECONDS.labels(method, route))
        _REQUEST_SERIES[(method, route, status)] = series
    series[0].inc()
    series[1].observe(seconds)


def count_streamed(size: int) -> None:
    FILE_BYTES_STREAMED.inc(size)


def observe_upload(size: int) -> None:
    UPLOAD_BYTES.observe(size)


def key_set_lookup(result: str) -> None:
    """``hit`` (cached keys used) or ``fetch`` (keys asked from Keycloak)."""
    KEY_SET_LOOKUPS.labels(result).inc()


def instrument_pool(engine: Engine, name: str) -> None:
    """Count the connections ``engine``'s pool has checked out (``name``: ``write`` or ``read``)."""
    size = getattr(engine.pool, "size", None)
    if callable(size):
        POOL_SIZE.labels(name).set(size())
    in_use = POOL_IN_USE.labels(name)

    @event.listens_for(engine, "checkout")
    def checked_out(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        in_use.inc()

    @event.listens_for(engine, "checkin")
    def checked_in(dbapi_connection: Any, record: Any) -> None:
        in_use.dec()


def serve_metrics(host: str, port: int, *, multiprocess_dir: str | None = None) -> None:
    """Serve ``/metrics`` on ``host:port`` from a daemon thread of this process: this process's own
    metrics, or (``multiprocess_dir``) the sum of every worker's."""
    if multiprocess_dir is None:
        start_http_server(port, addr=host)
        return
    if os.environ.get(MULTIPROCESS_ENV) != multiprocess_dir:
        raise RuntimeError(f"set {MULTIPROCESS_ENV}={multiprocess_dir} before the workers start")
    registry = CollectorRegistry()
    MultiProcessCollector(registry, path=multiprocess_dir)
    start_http_server(port, addr=host, registry=registry)
