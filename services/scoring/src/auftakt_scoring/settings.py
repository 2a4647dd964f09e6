"""Scoring's settings: the shared base plus batching and decay. No keys: scoring never
sees personal data."""

from __future__ import annotations

from auftakt_common.settings import BaseServiceSettings
from pydantic import Field


class ScoringSettings(BaseServiceSettings):
    # messages received but not yet committed, per consumer; written together (group commit)
    scoring_max_in_flight: int = Field(default=1024, ge=1, le=10_000)
    scoring_max_batch: int = Field(default=500, ge=1, le=5000)
    # a failing message is retried with back-off this many times, then dead-lettered
    # (not while the database is unavailable: then it is retried until it is back)
    scoring_max_deliver: int = Field(default=8, ge=1, le=100)
    # how often the decay job looks for leads that have gone quiet
    scoring_decay_interval_seconds: float = Field(default=60.0, gt=0)
    scoring_decay_batch: int = Field(default=500, ge=1, le=10_000)
