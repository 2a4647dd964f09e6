"""All SQL of the `mailer` schema, by what it is about (sequences, leads, enrolments,
sends, notifications). Functions run in the caller's transaction and never commit. Batch
statements send columns as arrays (`unnest`), one statement per batch."""

from __future__ import annotations

from .enrolments import (
    due_enrolments,
    enrol,
    enrolment_context,
    release_held_enrolments,
    stop_enrolments,
    update_enrolments,
)
from .leads import (
    assignee_email,
    erase_lead,
    lead_facts,
    lead_profiles,
    record_lead_fact,
    set_assignee,
    set_pipeline_status,
    set_stage,
    upsert_lead_snapshot,
)
from .notifications import claim_notifications, queue_notifications, record_notification_results
from .sends import (
    add_step_sends,
    claim_sends,
    double_opt_in_since,
    find_send,
    queue_send,
    reclaim_abandoned_sends,
    record_send_results,
    release_held_sends,
    renew_claims,
    step_mail_since,
)
from .sequences import (
    list_sequences,
    month_slots,
    pause_enrolments,
    save_sequence,
    sequences_version,
)

__all__ = [
    "add_step_sends",
    "assignee_email",
    "claim_notifications",
    "claim_sends",
    "double_opt_in_since",
    "due_enrolments",
    "enrol",
    "enrolment_context",
    "erase_lead",
    "find_send",
    "lead_facts",
    "lead_profiles",
    "list_sequences",
    "month_slots",
    "pause_enrolments",
    "queue_notifications",
    "queue_send",
    "reclaim_abandoned_sends",
    "record_lead_fact",
    "record_notification_results",
    "record_send_results",
    "release_held_enrolments",
    "release_held_sends",
    "renew_claims",
    "save_sequence",
    "sequences_version",
    "set_assignee",
    "set_pipeline_status",
    "set_stage",
    "step_mail_since",
    "stop_enrolments",
    "update_enrolments",
    "upsert_lead_snapshot",
]
