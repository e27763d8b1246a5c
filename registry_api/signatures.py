"""Digital signatures of writes (reference-platform.md §1.4): ``X-Digital-Signature`` and
``X-Digital-Signature-Derived`` name the signed form data of a write. Here:

* whether writes must carry them is a setting (``signatures.required_on_write``, off by default:
  400 ``HEADERS_ARE_MISSING`` when on and one is missing);
* every write that carries one records, in its history row, the header values
  (``ddm_digital_sign``, ``ddm_digital_sign_derived``) and the SHA-256 of the signed payload
  (``ddm_digital_sign_checksum``, ``ddm_digital_sign_derived_checksum``): the request body as sent, or
  for a DELETE ``{"id":"<id>"}`` as the reference signs it;
* verifying a signature needs the platform's signature service, which this project cannot run: it is
  a hook, ``signatures.verifier`` = ``"package.module:callable"``, called with a :class:`SignedWrite`
  before the write; it raises :class:`SignatureViolationError` (412 ``SIGNATURE_VIOLATION``) to refuse it.
  Off by default. A verifier that cannot be imported stops the service from starting (never a service
  that silently verifies nothing).
"""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Callable
from dataclasses import dataclass

from registry_api.access import Identity
from registry_api.errors import ApiError, ErrorCode
from registry_api.headers import SourceHeaders
from schemas.platform import DIGITAL_SIGNATURE, DIGITAL_SIGNATURE_DERIVED

__all__ = [
    "SIGNATURE_HEADERS",
    "SignatureViolationError",
    "SignedPayload",
    "SignedWrite",
    "Verifier",
    "delete_payload",
    "load_verifier",
    "signed_payload",
]

SIGNATURE_HEADERS = (DIGITAL_SIGNATURE, DIGITAL_SIGNATURE_DERIVED)


class SignatureViolationError(Exception):
    """Raised by a verifier: the write is refused with 412 SIGNATURE_VIOLATION (``str()`` is the
    reason the caller reads)."""


@dataclass(frozen=True, slots=True)
class SignedWrite:
    """What a verifier is given: who writes what, the signature keys and the payload they sign."""

    identity: Identity
    method: str
    path: str
    signature: str | None  # X-Digital-Signature
    derived_signature: str | None  # X-Digital-Signature-Derived
    payload: bytes


Verifier = Callable[[SignedWrite], None]


@dataclass(frozen=True, slots=True)
class SignedPayload:
    """What the history row of a signed write keeps besides the header values."""

    checksum: str  # SHA-256 (hex) of the signed payload


def delete_payload(entity_id: str) -> bytes:
    """What the reference signs for a DELETE: ``{"id":"<id>"}``."""
    return ('{"id":"' + entity_id + '"}').encode()


def signed_payload(
    headers: SourceHeaders,
    write: SignedWrite | None,
    verifier: Verifier | None,
) -> SignedPayload | None:
    """Verify (when a verifier is configured) and fingerprint a write carrying a signature header;
    None for a write without one."""
    if write is None or not (headers.digital_signature or headers.digital_signature_derived):
        return None
    if verifier is not None:
        try:
            verifier(write)
        except SignatureViolationError as violation:
            raise ApiError(
                ErrorCode.SIGNATURE_VIOLATION, str(violation) or "The digital signature is not valid"
            ) from None
    return SignedPayload(hashlib.sha256(write.payload).hexdigest())


def load_verifier(spec: str) -> Verifier:
    """``"package.module:callable"`` → the callable. Raises ValueError (one line) when it cannot be
    loaded: the service must not start without the verification it was configured with."""
    module_name, _, attribute = spec.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"signatures.verifier {spec!r} is not 'package.module:callable'")
    try:
        module = importlib.import_module(module_name)
    except Exception as error:
        raise ValueError(
            f"signatures.verifier: cannot import {module_name!r} ({type(error).__name__})"
        ) from None
    verifier = getattr(module, attribute, None)
    if not callable(verifier):
        raise ValueError(f"signatures.verifier: {module_name} has no callable {attribute!r}")
    return verifier
