"""Capture tests share the session fixtures in tests/conftest.py."""

WEBSITE = "https://www.musikfuerfirmen.de"
