"""Offline validation of Istio resources: the CRD schemas made strict, plus Istio's own rules that the
schemas do not carry (path syntax, ``jwksUri`` xor ``jwks``, ``selector`` xor ``targetRef(s)``).

Schemas come from ``istio/crds/istio-crds.json``, a trimmed copy of the ``openAPIV3Schema`` of the four
kinds we emit, taken from Istio's ``crd-all.gen.yaml`` (see ``vendor_schemas``). Kubernetes silently
prunes unknown fields, so ``additionalProperties: false`` is injected wherever a schema lists
``properties`` (and does not preserve unknown fields): a typo such as ``pathz`` becomes an error.
The ``x-kubernetes-validations`` CEL rules are not evaluated; the few that matter are re-implemented.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft7Validator

VENDORED_SCHEMAS = Path(__file__).parent / "crds" / "istio-crds.json"
VENDORED_KINDS = (
    ("security.istio.io", "AuthorizationPolicy"),
    ("security.istio.io", "RequestAuthentication"),
    ("networking.istio.io", "EnvoyFilter"),
    ("networking.istio.io", "VirtualService"),
)
_CRD_BUNDLE_NAME = "crd-all.gen.yaml"
_PRESERVE = "x-kubernetes-preserve-unknown-fields"
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
# RFC 3986 pchar without '/', as Istio checks literal segments of a path template.
_PCHAR_SEGMENT = re.compile(r"^[A-Za-z0-9\-._~%!$&'()+,;:@=]+$")
_HTTP_METHOD = re.compile(r"^[A-Z]+$")


# ---------------------------------------------------------------------------------------------
# Vendored CRD schemas


def vendor_schemas(crd_bundle: Path) -> dict[str, Any]:
    """The trimmed content of ``istio/crds/istio-crds.json`` computed from an Istio CRD bundle."""
    schemas: dict[str, Any] = {}
    with crd_bundle.open(encoding="utf-8") as stream:
        for document in yaml.load_all(stream, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)):
            if not document or document.get("kind") != "CustomResourceDefinition":
                continue
            spec = document["spec"]
            if (spec["group"], spec["names"]["kind"]) not in VENDORED_KINDS:
                continue
            for version in spec["versions"]:
                if version.get("served"):
                    key = f"{spec['group']}/{version['name']}/{spec['names']['kind']}"
                    schemas[key] = version["schema"]["openAPIV3Schema"]
    return {
        "$comment": (
            f"Trimmed from Istio's manifests/charts/base/files/{_CRD_BUNDLE_NAME} (the copy in "
            "../shared/istio-crds/, see its README for the commit): the openAPIV3Schema of every served "
            "version of " + ", ".join(kind for _, kind in VENDORED_KINDS) + ". "
            "Regenerate with: python -m istio.validate --vendor ../shared/istio-crds/crd-all.gen.yaml"
        ),
        "schemas": dict(sorted(schemas.items())),
    }


def write_vendored_schemas(crd_bundle: Path, target: Path = VENDORED_SCHEMAS) -> None:
    content = vendor_schemas(crd_bundle)
    target.write_text(json.dumps(content, indent=1, sort_keys=True) + "\n", encoding="utf-8")


def strict(schema: Any) -> Any:
    """A copy with ``additionalProperties: false`` wherever ``properties`` is listed and unknown fields
    are not explicitly preserved."""
    result = copy.deepcopy(schema)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node and not node.get(_PRESERVE):
                node["additionalProperties"] = False
            for key, value in node.items():
                if key == "properties" and isinstance(value, dict):
                    for child in value.values():
                        walk(child)
                elif key != "enum":
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(result)
    return result


@cache
def _validators() -> dict[str, Draft7Validator]:
    vendored = json.loads(VENDORED_SCHEMAS.read_text(encoding="utf-8"))
    validators = {}
    for key, schema in vendored["schemas"].items():
        resource_schema = strict(schema)
        # The CRD schema describes spec/status only; the envelope is checked by hand.
        resource_schema["properties"].update(
            {"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {"type": "object"}}
        )
        resource_schema["required"] = ["apiVersion", "kind", "metadata", "spec"]
        validators[key] = Draft7Validator(resource_schema)
    return validators


# ---------------------------------------------------------------------------------------------
# Path rules (conventions §4.3)


def path_problem(path: str) -> str | None:
    """Why Istio would not match ``path`` as intended, or None when it is fine.

    Classic values: exact, ``prefix*``, ``*suffix`` or ``*`` — one ``*`` at most, at an end. A middle
    ``*`` is accepted by istiod and compiled to a literal prefix that never matches: refused here.
    Templates (Istio ≥ 1.22): ``{*}`` one segment, ``{**}`` the rest and last, each a whole segment,
    never mixed with a bare ``*``, other segments RFC 3986 pchar literals."""
    if not path:
        return "empty path"
    if "{" in path or "}" in path:
        if not path.startswith("/"):
            return f"template path '{path}' must start with '/'"
        segments = path[1:].split("/")
        for index, segment in enumerate(segments):
            last = index == len(segments) - 1
            if segment == "{**}":
                if not last:
                    return f"'{{**}}' must be the last segment of '{path}'"
            elif segment == "{*}":
                continue
            elif "{" in segment or "}" in segment:
                return f"'{segment}' in '{path}': '{{*}}'/'{{**}}' must be a whole path segment"
            elif "*" in segment:
                return f"'{path}' mixes a bare '*' with '{{*}}'/'{{**}}' templates"
            elif segment == "" and not last:
                return f"'{path}' has an empty segment"
            elif segment and not _PCHAR_SEGMENT.match(segment):
                return f"segment '{segment}' of '{path}' is not an RFC 3986 pchar literal"
        return None
    return classic_problem(path)


def classic_problem(value: str) -> str | None:
    """Istio's classic string match: exact, prefix ``abc*``, suffix ``*abc`` or presence ``*``."""
    stars = value.count("*")
    if stars == 0 or value == "*":
        return None
    if stars > 1:
        return f"'{value}' has more than one '*' (only one, at the start or the end, is supported)"
    if value.startswith("*") or value.endswith("*"):
        return None
    return (
        f"'{value}' has '*' in the middle: Istio treats it as a literal and it never matches "
        "(use {*} for one path segment)"
    )


# ---------------------------------------------------------------------------------------------
# Semantic checks the schemas do not carry


def _exclusive_target(spec: dict[str, Any], selector_key: str) -> list[str]:
    present = [key for key in (selector_key, "targetRef", "targetRefs") if key in spec]
    if len(present) > 1:
        return [f"spec: {' and '.join(present)} are mutually exclusive"]
    return []


def _check_authorization_policy(spec: dict[str, Any]) -> Iterator[str]:
    yield from _exclusive_target(spec, "selector")
    for r, rule in enumerate(spec.get("rules") or []):
        for f, source in enumerate(rule.get("from") or []):
            for key, values in (source.get("source") or {}).items():
                where = f"spec.rules[{r}].from[{f}].source.{key}"
                yield from _string_list_problems(where, values, classic_problem)
        for t, target in enumerate(rule.get("to") or []):
            for key, values in (target.get("operation") or {}).items():
                where = f"spec.rules[{r}].to[{t}].operation.{key}"
                check = path_problem if key in ("paths", "notPaths") else classic_problem
                yield from _string_list_problems(where, values, check)
                if key in ("methods", "notMethods"):
                    for value in values or []:
                        if not _HTTP_METHOD.match(str(value)):
                            yield f"{where}: '{value}' is not an upper-case HTTP method"
        for w, condition in enumerate(rule.get("when") or []):
            for key in ("values", "notValues"):
                if key in condition:
                    yield from _string_list_problems(
                        f"spec.rules[{r}].when[{w}].{key}", condition[key], classic_problem
                    )


def _string_list_problems(where: str, values: Any, check: Any) -> Iterator[str]:
    if isinstance(values, list):
        if not values:
            yield f"{where}: an empty list; omit the field or list values"
        for value in values:
            if isinstance(value, str) and (problem := check(value)):
                yield f"{where}: {problem}"


def _check_request_authentication(spec: dict[str, Any]) -> Iterator[str]:
    yield from _exclusive_target(spec, "selector")
    for index, rule in enumerate(spec.get("jwtRules") or []):
        where = f"spec.jwtRules[{index}]"
        if not rule.get("issuer"):
            yield f"{where}: issuer is required"
        if "jwksUri" in rule and "jwks" in rule:
            yield f"{where}: only one of jwksUri or jwks may be set"
        uri = rule.get("jwksUri")
        if isinstance(uri, str) and not re.match(r"^https?://", uri):
            yield f"{where}.jwksUri: must be an http(s) URL"


def _check_envoy_filter(spec: dict[str, Any]) -> Iterator[str]:
    if "workloadSelector" in spec and "targetRefs" in spec:
        yield "spec: workloadSelector and targetRefs are mutually exclusive"
    for index, patch in enumerate(spec.get("configPatches") or []):
        if "patch" not in patch or "applyTo" not in patch:
            yield f"spec.configPatches[{index}]: applyTo and patch are required"


def _check_virtual_service(spec: dict[str, Any]) -> Iterator[str]:
    if not spec.get("hosts"):
        yield "spec.hosts: at least one host is required"
    names = [route.get("name") for route in spec.get("http") or []]
    for name in sorted({n for n in names if n and names.count(n) > 1}):
        yield f"spec.http: route name '{name}' is used twice"


_SEMANTIC_CHECKS = {
    "AuthorizationPolicy": _check_authorization_policy,
    "RequestAuthentication": _check_request_authentication,
    "EnvoyFilter": _check_envoy_filter,
    "VirtualService": _check_virtual_service,
}


# ---------------------------------------------------------------------------------------------
# Entry points


def validate_resource(resource: Any) -> list[str]:
    """Every problem of one resource (a parsed YAML document), each prefixed with kind/name."""
    if not isinstance(resource, dict):
        return ["document is not a mapping"]
    kind = resource.get("kind")
    api_version = resource.get("apiVersion")
    metadata = resource.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    label = f"{kind or '?'}/{name or '?'}"
    key = f"{api_version}/{kind}"
    validator = _validators().get(key)
    if validator is None:
        supported = ", ".join(sorted(_validators()))
        return [f"{label}: unsupported apiVersion/kind '{key}' (supported: {supported})"]
    problems = []
    for error in sorted(validator.iter_errors(resource), key=lambda e: list(map(str, e.absolute_path))):
        location = ".".join(str(part) for part in error.absolute_path) or "(resource)"
        problems.append(f"{label}: {location}: {_short(error.message)}")
    if not isinstance(name, str) or not _DNS_SUBDOMAIN.match(name) or len(name) > 253:
        problems.append(f"{label}: metadata.name must be a DNS-1123 subdomain")
    namespace = metadata.get("namespace") if isinstance(metadata, dict) else None
    if namespace is not None and (not isinstance(namespace, str) or not _DNS_SUBDOMAIN.match(namespace)):
        problems.append(f"{label}: metadata.namespace must be a DNS-1123 label")
    spec = resource.get("spec")
    if isinstance(spec, dict) and isinstance(kind, str):
        problems.extend(f"{label}: {problem}" for problem in _SEMANTIC_CHECKS[kind](spec))
    return problems


def _short(message: str) -> str:
    return message if len(message) <= 300 else message[:297] + "..."


def validate_resources(resources: Iterable[Any]) -> list[str]:
    problems = []
    for resource in resources:
        problems.extend(validate_resource(resource))
    return problems


def validate_yaml_file(path: Path) -> list[str]:
    try:
        documents = [d for d in yaml.safe_load_all(path.read_text(encoding="utf-8")) if d is not None]
    except (OSError, yaml.YAMLError) as error:
        return [f"{path}: cannot read as YAML: {error}"]
    return [f"{path}: {problem}" for problem in validate_resources(documents)]


def check_directory(directory: Path) -> list[str]:
    """Validate every ``*.yaml``/``*.yml`` under ``directory`` (recursively)."""
    if not directory.is_dir():
        return [f"{directory}: not a directory"]
    files = sorted(p for p in directory.rglob("*") if p.suffix in (".yaml", ".yml") and p.is_file())
    if not files:
        return [f"{directory}: no YAML files found"]
    problems = []
    for path in files:
        problems.extend(validate_yaml_file(path))
    return problems


if __name__ == "__main__":  # python -m istio.validate --vendor <crd-all.gen.yaml>
    import sys

    if len(sys.argv) == 3 and sys.argv[1] == "--vendor":
        write_vendored_schemas(Path(sys.argv[2]))
    else:
        sys.exit("usage: python -m istio.validate --vendor <crd-all.gen.yaml>")
