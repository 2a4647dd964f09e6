"""The AI lead analysis on real NATS and PostgreSQL, with capture and scoring running and
a fake Anthropic API on loopback driven through the real `anthropic` SDK: analysed once
when a lead turns burning, never told who the lead is; corrected once, then the rules;
the rules without a key, over budget, or when Claude is down; asked for from the
dashboard's command, answered at once or said to be working."""

from __future__ import annotations

import asyncio
import datetime as dt
from uuid import UUID, uuid4

import httpx
from auftakt_capture.settings import CaptureSettings
from auftakt_common.events import NO_CLAUDE_KEY, LeadStageChanged
from auftakt_enrichment.analysis import AnalysisInput, EventFacts, rule_based_analysis
from auftakt_enrichment.app import EnrichmentService
from auftakt_enrichment.settings import EnrichmentSettings
from auftakt_scoring.app import ScoringService
from nats.aio.client import Client
from pydantic import SecretStr
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.admin.helpers import wait_for
from tests.enrichment.conftest import running_with_claude, with_settings
from tests.enrichment.fakes import VALID_ANALYSIS, FakeAnthropic
from tests.enrichment.helpers import BURNING_VISIT, analyze, company_domain, submit
from tests.events import stream_messages
from tests.scoring.helpers import publish


async def _analyses(db: AsyncEngine, lead_id: UUID) -> list[dict[str, object]]:
    async with db.connect() as conn:
        rows = await conn.execute(
            text(
                "SELECT trigger, status, method, model, fallback_reason, input_hash, result, "
                "attempts FROM enrichment.analyses WHERE lead_id = :id ORDER BY requested_at"
            ),
            {"id": lead_id},
        )
    return [dict(row._mapping) for row in rows]


async def _known(db: AsyncEngine, lead_id: UUID, *, enriched: bool = False) -> bool | None:
    """Whether enrichment knows the lead (with `enriched`: and its company's facts)."""
    async with db.connect() as conn:
        found = await conn.scalar(
            text("SELECT company_status FROM enrichment.leads WHERE lead_id = :id"),
            {"id": lead_id},
        )
    if enriched:
        return True if found == "enriched" else None
    return None if found in (None, "unknown") else True


async def test_a_lead_turning_burning_is_analysed_once_and_claude_never_learns_who_it_is(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    scoring: ScoringService,
    claude_settings: EnrichmentSettings,
    anthropic: FakeAnthropic,
    db: AsyncEngine,
    nc: Client,
) -> None:
    email = f"jana.schulz@{company_domain('muster')}"
    guests = 100 + uuid4().int % 900  # tells this lead's request from any other's
    async with running_with_claude(claude_settings, anthropic, nc, db, also_running=("scoring",)):
        lead_id = await submit(
            client,
            capture_settings,
            email,
            first_name="Jana",
            last_name="Schulz",
            phone="+49 40 5550123",
            event_type="weihnachtsfeier",
            guest_count=guests,
            budget_max=9000,
            activities=BURNING_VISIT,
        )
        await wait_for(
            lambda: _analyses(db, lead_id), lambda rows: bool(rows) and rows[0]["status"] == "done"
        )
        await asyncio.sleep(1.0)  # anything that would analyse it again has had its chance
    analyses = await _analyses(db, lead_id)
    assert len(analyses) == 1 and analyses[0]["trigger"] == "stage_changed"
    assert (analyses[0]["method"], analyses[0]["model"]) == ("claude", "claude-sonnet-5-5")
    assert analyses[0]["result"] == VALID_ANALYSIS
    ours = [r for r in anthropic.received if f'"guest_count": {guests}' in str(r["messages"])]
    assert len(ours) == 1
    sent = anthropic.sent_text()  # every request: none may carry this lead's contact data
    for personal in (email, "jana", "Jana", "Schulz", "5550123", "4940123456"):
        assert personal not in sent
    assert "/preise" in str(ours) and "weihnachtsfeier" in str(ours)  # behaviour and event
    assert ours[0]["tool_choice"] == {"type": "tool", "name": "lead_analyse"}
    assert anthropic.headers[0]["authorization"] == "Bearer sk-ant-test"
    published = await stream_messages(
        nc,
        lambda subject, payload: subject == "lead.analyzed" and payload["lead_id"] == str(lead_id),
        expect=1,
    )
    payload = published[0][1]
    assert (payload["method"], payload["trigger"]) == ("claude", "stage_changed")
    assert payload["analysis"]["qualification_score"] == 88


async def test_an_invalid_answer_is_sent_back_once_and_then_the_rules_answer(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment_with_claude: EnrichmentService,
    anthropic: FakeAnthropic,
    db: AsyncEngine,
    nc: Client,
) -> None:
    anthropic.answers = [{**VALID_ANALYSIS, "qualification_score": 140, "intent_level": "huge"}]
    lead_id = await submit(client, capture_settings, f"einkauf@{company_domain('falsch')}")
    await wait_for(lambda: _known(db, lead_id))
    reply = await analyze(nc, lead_id)
    assert reply.ok and reply.data is not None and reply.data.analyzed is not None
    analyzed = reply.data.analyzed
    assert (analyzed.method, analyzed.fallback_reason) == (
        "regelbasiert",
        "Claude-Antwort ungültig",
    )
    assert analyzed.analysis.next_best_action  # the rules' answer, in full
    assert len(anthropic.received) == 2
    correction = anthropic.received[1]["messages"][-1]["content"][0]
    assert correction["type"] == "tool_result" and correction["is_error"] is True
    assert "qualification_score" in correction["content"]


async def test_an_answer_corrected_on_the_second_try_is_claudes(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment_with_claude: EnrichmentService,
    anthropic: FakeAnthropic,
    db: AsyncEngine,
    nc: Client,
) -> None:
    anthropic.answers = [{"intent_level": "high"}, VALID_ANALYSIS]
    lead_id = await submit(client, capture_settings, f"hr@{company_domain('zweiter')}")
    await wait_for(lambda: _known(db, lead_id))
    reply = await analyze(nc, lead_id)
    assert reply.data is not None and reply.data.analyzed is not None
    assert reply.data.analyzed.method == "claude"
    assert reply.data.analyzed.analysis.qualification_score == 88


async def test_without_a_key_the_rule_based_analysis_answers_and_says_so(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment: EnrichmentService,
    scoring: ScoringService,
    db: AsyncEngine,
    nc: Client,
) -> None:
    lead_id = await submit(
        client,
        capture_settings,
        f"events@{company_domain('ohne-schluessel')}",
        event_type="sommerfest",
        guest_count=200,
        activities=BURNING_VISIT,
    )
    analyses = await wait_for(
        lambda: _analyses(db, lead_id), lambda rows: bool(rows) and rows[0]["status"] == "done"
    )
    assert (analyses[0]["method"], analyses[0]["model"]) == ("regelbasiert", None)
    assert analyses[0]["fallback_reason"] == NO_CLAUDE_KEY  # said, so admin can say it
    reply = await analyze(nc, lead_id)
    assert reply.data is not None and reply.data.analyzed is not None
    analysis = reply.data.analyzed.analysis
    assert reply.data.analyzed.method == "regelbasiert"
    assert analysis.intent_level == "high"
    assert "Hat eine Kalender-Buchung begonnen" in analysis.buying_signals
    assert "200 Gäste erwartet" in analysis.buying_signals
    assert "Sommerfest" in analysis.recommended_approach


async def test_claude_down_falls_back_to_the_rules_naming_why(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    claude_settings: EnrichmentSettings,
    anthropic: FakeAnthropic,
    db: AsyncEngine,
    nc: Client,
) -> None:
    anthropic.answers = [{"status": 529}]
    settings = with_settings(claude_settings, enrichment_analyze_wait_seconds=15)
    async with running_with_claude(settings, anthropic, nc, db):
        lead_id = await submit(client, capture_settings, f"info@{company_domain('ueberlast')}")
        await wait_for(lambda: _known(db, lead_id))
        reply = await analyze(nc, lead_id, timeout=20)
    assert reply.data is not None and reply.data.analyzed is not None
    analyzed = reply.data.analyzed
    assert (analyzed.method, analyzed.fallback_reason) == (
        "regelbasiert",
        "Claude nicht erreichbar",
    )
    assert len(anthropic.received) == 3  # the SDK's two retries


async def test_the_daily_budget_caps_calls_to_claude(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    claude_settings: EnrichmentSettings,
    anthropic: FakeAnthropic,
    db: AsyncEngine,
    nc: Client,
) -> None:
    settings = with_settings(claude_settings, enrichment_analysis_daily_budget=1)
    async with running_with_claude(settings, anthropic, nc, db):
        async with db.begin() as conn:  # today's calls so far, from the other tests
            await conn.execute(
                text("DELETE FROM enrichment.provider_usage WHERE provider = 'claude'")
            )
        first = await submit(client, capture_settings, f"a@{company_domain('budget')}")
        second = await submit(client, capture_settings, f"b@{company_domain('budget')}")
        await wait_for(lambda: _known(db, second))
        await wait_for(lambda: _known(db, first))
        replies = [await analyze(nc, first), await analyze(nc, second)]
    methods = [r.data.analyzed.method for r in replies if r.data and r.data.analyzed]
    assert methods == ["claude", "regelbasiert"]
    assert replies[1].data and replies[1].data.analyzed
    assert replies[1].data.analyzed.fallback_reason == "Tagesbudget für Claude aufgebraucht"
    assert len(anthropic.received) == 1


async def test_the_same_facts_are_not_sent_to_claude_twice(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    enrichment_with_claude: EnrichmentService,
    anthropic: FakeAnthropic,
    db: AsyncEngine,
    nc: Client,
) -> None:
    lead_id = await submit(client, capture_settings, f"info@{company_domain('zweimal')}")
    await wait_for(lambda: _known(db, lead_id, enriched=True))  # its facts stay as they are
    first, again = await analyze(nc, lead_id), await analyze(nc, lead_id)
    assert first.data and first.data.analyzed and again.data and again.data.analyzed
    assert again.data.analyzed.input_hash == first.data.analyzed.input_hash
    assert again.data.analyzed.analysis == first.data.analyzed.analysis
    assert len(anthropic.received) == 1
    assert len(await _analyses(db, lead_id)) == 2  # both asked, both answered


async def test_a_slow_analysis_is_said_to_be_working_and_published_when_done(
    client: httpx.AsyncClient,
    capture_settings: CaptureSettings,
    claude_settings: EnrichmentSettings,
    anthropic: FakeAnthropic,
    db: AsyncEngine,
    nc: Client,
) -> None:
    anthropic.delay = 2.0
    settings = with_settings(claude_settings, enrichment_analyze_wait_seconds=0.5)
    async with running_with_claude(settings, anthropic, nc, db):
        lead_id = await submit(client, capture_settings, f"info@{company_domain('langsam')}")
        await wait_for(lambda: _known(db, lead_id))
        reply = await analyze(nc, lead_id)
        assert reply.ok and reply.data is not None
        assert (reply.data.status, reply.data.analyzed) == ("running", None)
        analysis_id = reply.data.analysis_id
        published = await stream_messages(
            nc,
            lambda subject, payload: (
                subject == "lead.analyzed" and payload["analysis_id"] == str(analysis_id)
            ),
            expect=1,
        )
    assert published[0][1]["method"] == "claude"


async def test_asking_for_an_unknown_lead_names_the_field(
    enrichment: EnrichmentService, nc: Client
) -> None:
    reply = await analyze(nc, uuid4())
    assert not reply.ok and reply.errors[0].field == "lead_id"
    broken = await nc.request("enrichment.analyze", b'{"lead_id": "nein"}', timeout=5)
    assert b'"field":"lead_id"' in broken.data


def test_a_key_of_blanks_means_no_key(enrichment_settings: EnrichmentSettings) -> None:
    settings = with_settings(enrichment_settings, enrichment_anthropic_api_key=SecretStr("  "))
    assert settings.anthropic_api_key is None


async def test_a_lead_enrichment_never_heard_of_is_waited_for_not_analysed_blind(
    enrichment: EnrichmentService, db: AsyncEngine, nc: Client
) -> None:
    stranger = uuid4()
    await publish(
        nc, LeadStageChanged(lead_id=stranger, previous_stage="warm", stage="hot", score=70)
    )
    job = await wait_for(
        lambda: _analyses(db, stranger), lambda rows: bool(rows) and rows[0]["attempts"] == 1
    )
    assert (job[0]["status"], job[0]["method"]) == ("pending", None)  # due again in a minute


def test_the_rule_based_texts_name_the_event_with_its_article_and_its_umlaut() -> None:
    hot = AnalysisInput(
        today=dt.date(2026, 3, 2),
        score=85,
        stage="burning",
        event=EventFacts(
            type="firmenjubilaeum", date=dt.date(2026, 4, 11), days_until=40, budget_max=8000
        ),
        activities={"calendar_booking_started": 1},
    )
    analysis = rule_based_analysis(hot)
    assert "für das Firmenjubiläum" in analysis.recommended_approach
    assert "Termin steht: das Firmenjubiläum in 40 Tagen" in analysis.buying_signals
    assert "Budget genannt: bis 8.000 €" in analysis.buying_signals
    warm = hot.model_copy(
        update={
            "score": 35,
            "stage": "warm",
            "activities": {},
            "event": EventFacts(type="weihnachtsfeier", budget_min=5000),
        }
    )
    analysis = rule_based_analysis(warm)
    assert "Referenz für die Weihnachtsfeier" in analysis.recommended_approach
    assert "Budget genannt: ab 5.000 €" in analysis.buying_signals
    assert "Firmenjubilaeum" not in str(analysis) and "die Firmen" not in str(analysis)
