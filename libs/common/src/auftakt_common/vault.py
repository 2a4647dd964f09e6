"""The PII vault: per-lead data keys, field encryption and the e-mail blind index.

Every personal field is sealed with AES-256-GCM under a data key that belongs to one
lead. The data key is stored only wrapped by a master key (named by a key id, so master
keys can rotate). The associated data binds each ciphertext to its lead and field, so a
ciphertext copied to another lead or field does not decrypt. Destroying a lead's wrapped
data key makes every ciphertext of that lead unreadable, wherever copies live.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass
from uuid import UUID

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

__all__ = [
    "DataKey",
    "SealedValueInvalid",
    "Vault",
    "WrappedKey",
    "normalise_email",
    "from_text",
    "to_text",
]

_FORMAT_V1 = b"\x01"
_NONCE_BYTES = 12


class SealedValueInvalid(Exception):
    """A ciphertext or wrapped key does not open: wrong lead, field, key, or tampered."""


@dataclass(frozen=True, slots=True)
class WrappedKey:
    """A lead's data key as stored: encrypted under the master key `master_key_id`."""

    master_key_id: str
    wrapped: bytes


def normalise_email(address: str) -> str:
    """The canonical form of an address for deduplication: NFKC, trimmed, lower case."""
    return unicodedata.normalize("NFKC", address).strip().lower()


def to_text(sealed: bytes) -> str:
    """Ciphertext as it travels in JSON events."""
    return base64.urlsafe_b64encode(sealed).decode("ascii")


def from_text(text: str) -> bytes:
    return base64.urlsafe_b64decode(text.encode("ascii"))


def _seal(key: bytes, plaintext: bytes, associated_data: bytes) -> bytes:
    nonce = os.urandom(_NONCE_BYTES)
    return _FORMAT_V1 + nonce + AESGCM(key).encrypt(nonce, plaintext, associated_data)


def _open(key: bytes, sealed: bytes, associated_data: bytes) -> bytes:
    if sealed[:1] != _FORMAT_V1 or len(sealed) < 1 + _NONCE_BYTES + 16:
        raise SealedValueInvalid("unknown ciphertext format")
    nonce, body = sealed[1 : 1 + _NONCE_BYTES], sealed[1 + _NONCE_BYTES :]
    try:
        return AESGCM(key).decrypt(nonce, body, associated_data)
    except InvalidTag as exc:
        raise SealedValueInvalid("ciphertext does not open with this key and context") from exc


class DataKey:
    """One lead's data key, able to seal and open that lead's fields."""

    __slots__ = ("_key", "lead_id")

    def __init__(self, lead_id: UUID, key: bytes) -> None:
        self.lead_id = lead_id
        self._key = key

    def _context(self, field: str) -> bytes:
        return f"auftakt:{self.lead_id}:{field}".encode()

    def seal(self, field: str, plaintext: str) -> bytes:
        return _seal(self._key, plaintext.encode("utf-8"), self._context(field))

    def seal_optional(self, field: str, plaintext: str | None) -> bytes | None:
        return None if plaintext is None else self.seal(field, plaintext)

    def open(self, field: str, sealed: bytes) -> str:
        return _open(self._key, sealed, self._context(field)).decode("utf-8")

    def __repr__(self) -> str:  # never print key material
        return f"DataKey(lead_id={self.lead_id})"


class Vault:
    """Creates, wraps and unwraps data keys, and computes blind indexes."""

    def __init__(
        self, master_keys: dict[str, bytes], active_key_id: str, blind_index_key: bytes
    ) -> None:
        if active_key_id not in master_keys:
            raise ValueError(f"active master key {active_key_id!r} is not configured")
        self._master_keys = dict(master_keys)
        self._active_key_id = active_key_id
        self._blind_index_key = blind_index_key

    @property
    def active_key_id(self) -> str:
        return self._active_key_id

    @staticmethod
    def _wrap_context(lead_id: UUID, master_key_id: str) -> bytes:
        return f"auftakt:datakey:{lead_id}:{master_key_id}".encode()

    def new_data_key(self, lead_id: UUID) -> tuple[DataKey, WrappedKey]:
        """A fresh data key for a new lead, and its wrapped form to store."""
        key = AESGCM.generate_key(bit_length=256)
        return DataKey(lead_id, key), self.wrap(lead_id, key)

    def wrap(self, lead_id: UUID, key: bytes) -> WrappedKey:
        master = self._master_keys[self._active_key_id]
        context = self._wrap_context(lead_id, self._active_key_id)
        return WrappedKey(self._active_key_id, _seal(master, key, context))

    def unwrap(self, lead_id: UUID, wrapped: WrappedKey) -> DataKey:
        master = self._master_keys.get(wrapped.master_key_id)
        if master is None:
            raise SealedValueInvalid(f"master key {wrapped.master_key_id!r} is not configured")
        context = self._wrap_context(lead_id, wrapped.master_key_id)
        return DataKey(lead_id, _open(master, wrapped.wrapped, context))

    def rewrap(self, lead_id: UUID, wrapped: WrappedKey) -> WrappedKey:
        """The same data key wrapped by the active master key (for master-key rotation)."""
        data_key = self.unwrap(lead_id, wrapped)
        return self.wrap(lead_id, data_key._key)

    def blind_index(self, email: str) -> bytes:
        """Keyed HMAC-SHA-256 of the normalised address: lookups without the plaintext."""
        normalised = normalise_email(email).encode("utf-8")
        return hmac.new(self._blind_index_key, normalised, hashlib.sha256).digest()
