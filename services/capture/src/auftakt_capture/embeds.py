"""The website kit's embeddable forms and lead magnets, served by capture: a form as a
script (`/embed/form/{id}.js`) or as plain HTML to copy (`/embed/form/{id}.html`), the
budget calculator and quizzes as scripts, their answers (`/v1/calculator/quote`,
`/v1/quiz/{id}/result`: JSON for the scripts, a page for a form posted without
JavaScript), and the stylesheet they share. Everything is served from here: no CDN."""

from __future__ import annotations

import html
import json
from pathlib import Path
from typing import Any

from auftakt_common.content import FormDefinition, PriceTable, QuizDefinition
from auftakt_common.german import euro_range
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import ValidationError

from .deps import BodyTooLarge, CaptureDep, client_ip, parse_form, read_body
from .forms import TEMPLATES, form_html, messages, rules_of
from .magnets import CALCULATOR, QUIZ, CalculatorInputs, quiz_outcome, quote
from .problems import FieldError, field_errors, is_html_form, page, problem
from .wording import Words

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

STATIC = Path(__file__).parent / "static"
_MAX_BODY = 8 * 1024
_SCRIPT = "text/javascript; charset=utf-8"
_CACHE = {"Cache-Control": "public, max-age=300"}  # edits show within five minutes
# the one field the calculator's and the quiz's "send me the result" form checks
_EMAIL_RULE = {"name": "email", "label": "E-Mail", "kind": "email", "required": True,
               "maxLength": 254, "min": None, "max": None, "options": []}  # fmt: skip


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


def _runtime(call: str, config: dict[str, Any]) -> Response:
    """The shared embed script with the call that mounts this embed."""
    script = (STATIC / "embed.js").read_text(encoding="utf-8")
    body = f"{script}\nAuftaktEmbed.{call}({json.dumps(config, ensure_ascii=False)});\n"
    return Response(body, media_type=_SCRIPT, headers=_CACHE)


def _not_found(what: str) -> Response:
    return Response(f"/* Auftakt: {what} gibt es nicht. */", status_code=404, media_type=_SCRIPT)


async def _form(capture: Any, form_id: str) -> FormDefinition | None:
    form = (await capture.content.get()).forms.get(form_id)
    return form if form is not None and form.active else None


@router.get("/embed/form/{form_id}.js")
async def form_script(form_id: str, request: Request, capture: CaptureDep) -> Response:
    form = await _form(capture, form_id)
    if form is None:
        return _not_found(f"das Formular „{form_id}“")
    base = _base(request)
    return _runtime(
        "form",
        {
            "endpoint": base,
            "css": f"{base}/embed/embed.css",
            "html": form_html(form, action=f"{base}/v1/leads"),
            "rules": [rule.as_json() for rule in rules_of(form)],
            "messages": _script_messages(capture.words),
            "success": form.success_message,
            "thankYouUrl": form.thank_you_url,
        },
    )


@router.get("/embed/form/{form_id}.html")
async def form_fragment(form_id: str, request: Request, capture: CaptureDep) -> Response:
    """The form to copy into a page: works without JavaScript (posts, then the thank-you
    page); with the tracking snippet on the page, the visitor's history joins the lead."""
    form = await _form(capture, form_id)
    if form is None:
        return page("Formular nicht gefunden", "<p>Dieses Formular gibt es nicht.</p>", 404)
    base = _base(request)
    fragment = f'<link rel="stylesheet" href="{html.escape(base)}/embed/embed.css">\n' + form_html(
        form, action=f"{base}/v1/leads"
    )
    return HTMLResponse(fragment, headers=_CACHE)


@router.get("/embed/embed.css")
async def stylesheet() -> Response:
    css = (STATIC / "embed.css").read_text(encoding="utf-8")
    return Response(css, media_type="text/css; charset=utf-8", headers=_CACHE)


def _script_messages(words: Words) -> dict[str, str]:
    """What the embeds' script says: the rules' messages and its own few words."""
    own = ("failed", "result_sent", "check_one", "check_many", "pick_answer")
    return {**messages(words), **{key: words[key] for key in own}}


def _calculator_html(table: PriceTable, base: str, words: Words) -> str:
    template = TEMPLATES.get_template("calculator.html")
    return template.render(
        table=table, action=f"{base}/v1/calculator/quote", title=words["calculator_title"]
    )


@router.get("/embed/calculator.js")
async def calculator_script(request: Request, capture: CaptureDep) -> Response:
    table = (await capture.content.get()).prices
    base = _base(request)
    return _runtime(
        "calculator",
        {
            "endpoint": base,
            "css": f"{base}/embed/embed.css",
            "html": _calculator_html(table, base, capture.words),
            "messages": _script_messages(capture.words),
            "leadRules": [_EMAIL_RULE],
        },
    )


@router.get("/embed/quiz/{quiz_id}.js")
async def quiz_script(quiz_id: str, request: Request, capture: CaptureDep) -> Response:
    quiz = (await capture.content.get()).quizzes.get(quiz_id)
    if quiz is None or not quiz.active:
        return _not_found(f"das Quiz „{quiz_id}“")
    base = _base(request)
    template = TEMPLATES.get_template("quiz.html")
    return _runtime(
        "quiz",
        {
            "endpoint": base,
            "css": f"{base}/embed/embed.css",
            "html": template.render(quiz=quiz, action=f"{base}/v1/quiz/{quiz.quiz_id}/result"),
            "quizId": quiz.quiz_id,
            "messages": _script_messages(capture.words),
            "leadRules": [_EMAIL_RULE],
        },
    )


async def _payload(request: Request, capture: Any) -> dict[str, Any] | Response:
    """The posted answers as a dict (JSON from the scripts, a form without them)."""
    if limited := await capture.rate_limits.retry_after("activity", client_ip(request) or "?"):
        return problem(request, 429, "too many requests", headers={"Retry-After": str(limited)})
    try:
        body = await read_body(request, _MAX_BODY)
    except BodyTooLarge:
        return problem(request, 413, f"request body is larger than {_MAX_BODY} bytes")
    if is_html_form(request):
        return dict(await parse_form(request, body))
    try:
        data = json.loads(body or b"null")
    except ValueError:
        data = None
    if not isinstance(data, dict):
        return problem(request, 422, "invalid answers", [FieldError("body", "must be an object")])
    return data


def _result(
    request: Request, *, headline: str, lines: list[str], magnet: str, results: dict[str, Any],
    ask: str, submit: str, consent: Any, data: dict[str, Any],
) -> Response:  # fmt: skip
    base = _base(request)
    fragment = TEMPLATES.get_template("magnet_result.html").render(
        headline=headline,
        lines=lines,
        magnet=magnet,
        results=json.dumps(results, ensure_ascii=False),
        ask=ask,
        submit=submit,
        consent=consent,
        action=f"{base}/v1/leads",
    )
    if is_html_form(request):
        styled = f'<link rel="stylesheet" href="{html.escape(base)}/embed/embed.css">{fragment}'
        return page(headline, styled)
    return JSONResponse({**data, "html": fragment})


@router.post("/v1/calculator/quote")
async def calculator_quote(request: Request, capture: CaptureDep) -> Response:
    payload = await _payload(request, capture)
    if isinstance(payload, Response):
        return payload
    try:
        inputs = CalculatorInputs.model_validate(payload)
    except ValidationError as exc:
        return problem(request, 422, "invalid inputs", field_errors(exc))
    table = (await capture.content.get()).prices
    computed = quote(table, inputs, capture.words)
    if isinstance(computed, list):
        return problem(request, 422, "invalid inputs", computed)
    return _result(
        request,
        headline=capture.words["calculator_result"].format(
            range=euro_range(computed.low, computed.high)
        ),
        lines=[*computed.lines(inputs), table.note],
        magnet=CALCULATOR,
        results={"inputs": inputs.model_dump()},
        ask=capture.words["calculator_ask"],
        submit="Ergebnis zusenden",
        consent=table.consent,
        data={"quote": computed.as_json()},
    )


@router.post("/v1/quiz/{quiz_id}/result")
async def quiz_result(quiz_id: str, request: Request, capture: CaptureDep) -> Response:
    payload = await _payload(request, capture)
    if isinstance(payload, Response):
        return payload
    quiz: QuizDefinition | None = (await capture.content.get()).quizzes.get(quiz_id)
    if quiz is None or not quiz.active:
        return problem(request, 404, "no such quiz")
    answers = payload.get("answers", payload)  # JSON {answers: …}; a form: the questions
    if not isinstance(answers, dict):
        return problem(request, 422, "invalid answers", [FieldError("answers", "not an object")])
    asked = {question.key for question in quiz.questions}
    answers = {str(key): str(value) for key, value in answers.items() if key in asked}
    outcome = quiz_outcome(quiz, answers, capture.words)
    if isinstance(outcome, FieldError):
        return problem(request, 422, "invalid answers", [outcome])
    return _result(
        request,
        headline=outcome.title,
        lines=[outcome.text],
        magnet=QUIZ,
        results={"quiz_id": quiz.quiz_id, "answers": answers},
        ask=capture.words["quiz_ask"],
        submit="Empfehlung zusenden",
        consent=quiz.consent,
        data={"outcome": outcome.model_dump(include={"key", "title", "text", "event_type",
                                                     "band_format"})},
    )  # fmt: skip
