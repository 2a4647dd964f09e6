"""The PII vault: per-lead keys, binding to lead and field, rotation, crypto-shredding."""

from __future__ import annotations

import os
import uuid

import pytest
from auftakt_common.vault import SealedValueInvalid, Vault, WrappedKey, normalise_email


def vault(active: str = "k1", **keys: bytes) -> Vault:
    keys = keys or {"k1": b"\x01" * 32}
    return Vault(keys, active, blind_index_key=b"\x02" * 32)


def test_a_sealed_field_opens_with_the_lead_s_key_and_only_for_that_field() -> None:
    lead_id = uuid.uuid4()
    data_key, _ = vault().new_data_key(lead_id)
    sealed = data_key.seal("email", "anna@example.de")
    assert b"anna" not in sealed
    assert data_key.open("email", sealed) == "anna@example.de"
    with pytest.raises(SealedValueInvalid):
        data_key.open("phone", sealed)  # moved to another field


def test_a_ciphertext_copied_to_another_lead_does_not_open() -> None:
    v = vault()
    anna, _ = v.new_data_key(uuid.uuid4())
    sealed = anna.seal("email", "anna@example.de")
    other, _ = v.new_data_key(uuid.uuid4())
    with pytest.raises(SealedValueInvalid):
        other.open("email", sealed)


def test_the_same_value_seals_differently_each_time() -> None:
    data_key, _ = vault().new_data_key(uuid.uuid4())
    assert data_key.seal("email", "a@b.de") != data_key.seal("email", "a@b.de")


def test_a_wrapped_key_unwraps_only_for_its_lead() -> None:
    v = vault()
    lead_id = uuid.uuid4()
    data_key, wrapped = v.new_data_key(lead_id)
    sealed = data_key.seal("first_name", "Anna")
    assert v.unwrap(lead_id, wrapped).open("first_name", sealed) == "Anna"
    with pytest.raises(SealedValueInvalid):
        v.unwrap(uuid.uuid4(), wrapped)


def test_rotating_the_master_key_keeps_old_data_readable() -> None:
    old_key, new_key = os.urandom(32), os.urandom(32)
    before = vault("k1", k1=old_key)
    lead_id = uuid.uuid4()
    data_key, wrapped = before.new_data_key(lead_id)
    sealed = data_key.seal("email", "anna@example.de")

    after = vault("k2", k1=old_key, k2=new_key)
    assert after.unwrap(lead_id, wrapped).open("email", sealed) == "anna@example.de"
    rewrapped = after.rewrap(lead_id, wrapped)
    assert rewrapped.master_key_id == "k2"
    only_new = vault("k2", k2=new_key)
    assert only_new.unwrap(lead_id, rewrapped).open("email", sealed) == "anna@example.de"


def test_without_the_wrapped_key_nothing_opens_not_even_with_the_master_key() -> None:
    v = vault()
    lead_id = uuid.uuid4()
    data_key, _ = v.new_data_key(lead_id)
    sealed = data_key.seal("email", "anna@example.de")
    _, another_wrapped = v.new_data_key(lead_id)  # a fresh key is not the shredded one
    with pytest.raises(SealedValueInvalid):
        v.unwrap(lead_id, another_wrapped).open("email", sealed)
    with pytest.raises(SealedValueInvalid):
        v.unwrap(lead_id, WrappedKey("k9", b"\x01" + b"0" * 60))


def test_blind_index_is_keyed_and_ignores_case_and_spaces() -> None:
    a = vault().blind_index(" Anna.Schmidt@Example.DE ")
    assert a == vault().blind_index("anna.schmidt@example.de")
    other_key = Vault({"k1": b"\x01" * 32}, "k1", blind_index_key=b"\x03" * 32)
    assert other_key.blind_index("anna.schmidt@example.de") != a
    assert normalise_email(" Anna@Example.DE") == "anna@example.de"
