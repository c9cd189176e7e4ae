"""Signed checkpoints of an audit log's head, to keep somewhere the database is not.

A checkpoint names a log, how many entries it had, its head entry's id and hash, and when
it was taken, signed with Ed25519. Later, `check` holds the log against it: a log whose
entry at the checkpoint's head id is missing (a cut tail) or has another hash (a rewritten
chain, even one rehashed with the audit key) does not match. Only the holder of the
private key signs; anyone with the public key checks.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from modmesh.runtime.audit import AuditEntry, Verification, as_utc

PublicKey = Ed25519PublicKey
SigningKey = Ed25519PrivateKey


class CheckpointError(ValueError):
    """A key or checkpoint that cannot be read, or a checkpoint that does not hold."""


@dataclass(frozen=True)
class Checkpoint:
    log: str
    entries: int
    head_id: int
    head_hash: str
    at: str
    #: Hex of the Ed25519 public key that signed it (a hint; `check` uses the given key).
    public_key: str
    #: Hex of the signature over the other fields in canonical JSON.
    signature: str = ""

    def payload(self) -> bytes:
        fields = asdict(self)
        del fields["signature"]
        return json.dumps(fields, sort_keys=True, separators=(",", ":")).encode()

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Checkpoint:
        try:
            fields: dict[str, Any] = json.loads(text)
            return cls(**fields)
        except (ValueError, TypeError) as error:
            raise CheckpointError(f"not a checkpoint: {error}") from None


def signing_key(hex_seed: str, setting: str) -> Ed25519PrivateKey:
    """The Ed25519 private key from its 32-byte seed in hex."""
    try:
        seed = bytes.fromhex(hex_seed)
        if len(seed) != 32:
            raise ValueError
    except ValueError:
        raise CheckpointError(f"{setting} must be 64 hex digits (an Ed25519 seed)") from None
    return Ed25519PrivateKey.from_private_bytes(seed)


def public_key(hex_key: str, setting: str) -> Ed25519PublicKey:
    try:
        return Ed25519PublicKey.from_public_bytes(bytes.fromhex(hex_key))
    except ValueError:
        raise CheckpointError(f"{setting} must be 64 hex digits (an Ed25519 public key)") from None


def public_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes_raw().hex()


def sign(log: str, verification: Verification, key: Ed25519PrivateKey, at: datetime) -> Checkpoint:
    """A checkpoint of a verified log's head. A broken log gets none."""
    if not verification.ok:
        raise CheckpointError(
            f"the {log} audit log is broken at entry {verification.broken_entry}: "
            f"{verification.problem}; no checkpoint is signed for it"
        )
    unsigned = Checkpoint(
        log,
        verification.entries,
        verification.head_id,
        verification.head_hash,
        as_utc(at).isoformat(),
        public_hex(key.public_key()),
    )
    signature = key.sign(unsigned.payload()).hex()
    return Checkpoint(**{**asdict(unsigned), "signature": signature})


def check(checkpoint: Checkpoint, key: Ed25519PublicKey, log: str, entry: AuditEntry | None) -> str:
    """Why the log does not hold the checkpoint ("" when it does): `entry` is the log's
    entry with the checkpoint's head id, None if the log has none."""
    try:
        key.verify(bytes.fromhex(checkpoint.signature), checkpoint.payload())
    except (InvalidSignature, ValueError):
        return "the checkpoint's signature is not valid for the audit public key"
    if checkpoint.log != log:
        return f"the checkpoint is of the {checkpoint.log} log, not of the {log} log"
    if checkpoint.head_id == 0:
        return ""
    if entry is None:
        return (
            f"the log has no entry {checkpoint.head_id}, the checkpoint's head "
            f"({checkpoint.entries} entries at {checkpoint.at}): its tail was cut"
        )
    if entry.hash != checkpoint.head_hash:
        return (
            f"entry {checkpoint.head_id} does not have the checkpoint's head hash: "
            "the chain was rewritten up to the checkpoint's head"
        )
    return ""
