"""One rule for e-mail addresses typed in anywhere (a lead's, a staff account's): the
`email_validator` library's syntax without DNS, refusals said in German."""

from __future__ import annotations

import pytest
from auftakt_common.email_address import EmailAddressInvalid, checked_email


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("a@b", "Nach dem @ fehlt eine Domain mit Punkt"),
        ("-h@÷c¥", "Die Domain nach dem @ enthält unzulässige Zeichen"),
        ("vertrieb.firma.de", "Das @-Zeichen fehlt"),
        ("@firma.de", "Vor dem @ fehlt der Name"),
        ("admin@auftakt.local", "reserviert"),
        ("max..muster@firma.de", "Punkt"),
    ],
)
def test_what_is_no_email_address_is_refused_with_the_reason_in_german(
    typed: str, reason: str
) -> None:
    with pytest.raises(EmailAddressInvalid, match=f"^keine gültige E-Mail-Adresse: .*{reason}"):
        checked_email(typed)


def test_an_address_comes_back_with_its_domain_in_lower_case() -> None:
    assert checked_email(" Lena.Vogel@Musik-Fuer-Firmen.DE ") == "Lena.Vogel@musik-fuer-firmen.de"
