"""A signature verifier for the tests (``signatures.verifier``): the platform's signature service
cannot run here, so this one accepts exactly the signature key ``signed-by-petro`` for payloads that
name Petro, and refuses everything else."""

from __future__ import annotations

from registry_api.signatures import SignatureViolationError, SignedWrite

seen: list[SignedWrite] = []


def verify(write: SignedWrite) -> None:
    seen.append(write)
    if write.signature != "signed-by-petro" or (write.method != "DELETE" and b"Petro" not in write.payload):
        raise SignatureViolationError("the signature does not match the data")
