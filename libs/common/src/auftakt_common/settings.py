"""The settings every service shares, read once from `AUFTAKT_*` environment variables."""

from __future__ import annotations

import base64
import binascii
import sys
from typing import Literal, TypeVar

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from .vault import Vault

__all__ = [
    "AddressForm",
    "BaseServiceSettings",
    "PersonalDataSettings",
    "decode_key",
    "load_settings",
    "parse_master_keys",
]

# how Auftakt addresses prospects in mails and pages: formal "Sie" or informal "du"
AddressForm = Literal["sie", "du"]

_PLACEHOLDERS = {"", "changeme", "change-me", "secret", "todo", "xxx"}


def decode_key(value: str, *, name: str, length: int = 32) -> bytes:
    """Decode a base64 key and insist on its length, naming the setting when it is wrong."""
    if value.strip().lower() in _PLACEHOLDERS:
        raise ValueError(f"{name} is a placeholder; generate one with `auftakt keys`")
    try:
        raw = base64.urlsafe_b64decode(value.strip() + "=" * (-len(value.strip()) % 4))
    except (binascii.Error, ValueError) as exc:
        raise ValueError(f"{name} is not valid base64") from exc
    if len(raw) != length:
        raise ValueError(f"{name} must decode to {length} bytes, got {len(raw)}")
    return raw


def parse_master_keys(value: str) -> dict[str, bytes]:
    """Parse `id1:key1,id2:key2` into key id → 32-byte key."""
    keys: dict[str, bytes] = {}
    for item in filter(None, (part.strip() for part in value.split(","))):
        key_id, sep, encoded = item.partition(":")
        if not sep or not key_id:
            raise ValueError("AUFTAKT_MASTER_KEYS entries must look like `<key id>:<base64 key>`")
        keys[key_id] = decode_key(encoded, name=f"AUFTAKT_MASTER_KEYS[{key_id}]")
    if not keys:
        raise ValueError("AUFTAKT_MASTER_KEYS is empty; generate one with `auftakt keys`")
    return keys


class BaseServiceSettings(BaseSettings):
    """Settings common to every service; each service subclasses this with its own."""

    model_config = SettingsConfigDict(env_prefix="AUFTAKT_", extra="ignore", frozen=True)

    env: Literal["development", "test", "production"] = "development"
    database_url: str = "postgresql+psycopg://postgres@127.0.0.1:5432/auftakt"
    database_pool_size: int = Field(default=20, ge=1, le=200)
    nats_url: str = "nats://127.0.0.1:4222"
    stream_replicas: int = Field(default=1, ge=1, le=5)
    log_format: Literal["json", "console"] | None = None
    log_level: str = "INFO"

    outbox_batch_size: int = Field(default=500, ge=1, le=5000)
    outbox_retention_days: int = Field(default=7, ge=1)

    @field_validator("database_url")
    @classmethod
    def _use_psycopg3(cls, url: str) -> str:
        for prefix in ("postgresql://", "postgres://"):
            if url.startswith(prefix):
                return "postgresql+psycopg://" + url.removeprefix(prefix)
        return url

    @property
    def effective_log_format(self) -> Literal["json", "console"]:
        return self.log_format or ("json" if self.env == "production" else "console")


class PersonalDataSettings(BaseServiceSettings):
    """For services that read or write personal data: the vault's keys and the signing key.
    Services without personal data (scoring) never hold them."""

    master_keys: SecretStr = SecretStr("")
    master_key_id: str | None = None
    blind_index_key: SecretStr = SecretStr("")
    signing_key: SecretStr = SecretStr("")
    # where capture answers the public: the links in mails (confirm, unsubscribe, open
    # pixel, click redirect) point here; https outside development
    public_url: str = "http://127.0.0.1:8000"
    # how long a double-opt-in link may be confirmed
    doi_link_days: int = Field(default=7, ge=1, le=90)
    # where staff reach the dashboard (links in alerts and logs, the CLI's greeting, the
    # demo website's pointer)
    admin_url: str = "http://127.0.0.1:8080/admin"
    # the form of address of every text Auftakt writes to prospects ("Sie" unless set)
    address_form: AddressForm = "sie"

    @model_validator(mode="after")
    def _secrets_are_real(self) -> PersonalDataSettings:
        keys = parse_master_keys(self.master_keys.get_secret_value())
        if self.master_key_id is not None and self.master_key_id not in keys:
            raise ValueError(f"AUFTAKT_MASTER_KEY_ID {self.master_key_id!r} is not in MASTER_KEYS")
        decode_key(self.blind_index_key.get_secret_value(), name="AUFTAKT_BLIND_INDEX_KEY")
        decode_key(self.signing_key.get_secret_value(), name="AUFTAKT_SIGNING_KEY")
        if self.env == "production" and not self.public_url.startswith("https://"):
            raise ValueError("AUFTAKT_PUBLIC_URL must be an https:// address in production")
        return self

    @property
    def master_key_map(self) -> dict[str, bytes]:
        return parse_master_keys(self.master_keys.get_secret_value())

    @property
    def active_master_key_id(self) -> str:
        """The key that wraps new data keys: the named one, else the last listed."""
        return self.master_key_id or list(self.master_key_map)[-1]

    @property
    def blind_index_key_bytes(self) -> bytes:
        return decode_key(self.blind_index_key.get_secret_value(), name="AUFTAKT_BLIND_INDEX_KEY")

    def vault(self) -> Vault:
        """The vault these keys open."""
        return Vault(self.master_key_map, self.active_master_key_id, self.blind_index_key_bytes)

    @property
    def signing_key_bytes(self) -> bytes:
        return decode_key(self.signing_key.get_secret_value(), name="AUFTAKT_SIGNING_KEY")


_Settings = TypeVar("_Settings", bound=BaseServiceSettings)


def load_settings(settings_class: type[_Settings], service: str) -> _Settings:
    """A service's settings from the environment, with logging set up as they say; exits
    naming what is wrong if they are invalid (a CLI message, not a traceback)."""
    from .logging import configure_logging

    try:
        settings = settings_class()
    except ValidationError as exc:
        sys.exit(f"{service}: invalid settings:\n{exc}")
    configure_logging(service=service, fmt=settings.effective_log_format, level=settings.log_level)
    return settings
