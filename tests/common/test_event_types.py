"""Event types as German readers name them: the title with its umlaut, its own article."""

from __future__ import annotations

from auftakt_common.event_types import event_type, event_type_title


def test_an_event_type_is_named_with_its_umlaut_and_its_own_article() -> None:
    jubilee = event_type("firmenjubilaeum")
    assert jubilee.title == "Firmenjubiläum"
    assert jubilee.with_article() == "das Firmenjubiläum"
    assert event_type("weihnachtsfeier").with_article("accusative") == "die Weihnachtsfeier"
    assert event_type("sommerfest").with_article("dative") == "dem Sommerfest"


def test_an_unknown_key_keeps_its_words_and_no_article_is_guessed_for_it() -> None:
    custom = event_type("tanz_in_den_Mai")
    assert custom.title == "Tanz in den Mai"
    assert custom.with_article("accusative") == "das Event „Tanz in den Mai“"
    assert event_type(None).with_article() == "das Event"
    assert event_type_title(None) is None
