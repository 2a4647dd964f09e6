"""A demo company website, served by capture outside production (`/demo/`): the tracking
snippet behind a consent banner, the enquiry form, the checklist form as plain HTML, the
budget calculator and the event-type quiz — a newcomer clicks through it and watches the
lead appear on the dashboard."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from .deps import CaptureDep
from .forms import TEMPLATES, form_html

__all__ = ["router"]

router = APIRouter(include_in_schema=False)

_PAGES = {
    "": ("index.html", "Start"),
    "preise": ("preise.html", "Preise"),
    "referenzen": ("referenzen.html", "Referenzen"),
    "event-typ-finder": ("quiz.html", "Event-Typ-Finder"),
    "checkliste": ("checkliste.html", "Checkliste 2025"),
    "anfrage": ("anfrage.html", "Anfrage"),
}


@router.get("/demo")
async def demo_home() -> Response:
    return RedirectResponse("/demo/", status_code=308)


@router.get("/demo/{page}")
@router.get("/demo/", name="demo_index")
async def demo_page(request: Request, capture: CaptureDep, page: str = "") -> Response:
    if page not in _PAGES:
        return HTMLResponse("<h1>Seite nicht gefunden</h1>", status_code=404)
    template, title = _PAGES[page]
    base = str(request.base_url).rstrip("/")
    values: dict[str, object] = {
        "title": title,
        "capture": base,
        "admin": capture.settings.admin_url,
    }
    if page == "checkliste":
        form = (await capture.content.get()).forms["checkliste"]
        values["form"] = f'<link rel="stylesheet" href="{base}/embed/embed.css">' + form_html(
            form, action=f"{base}/v1/leads"
        )
    return HTMLResponse(TEMPLATES.get_template(f"demo/{template}").render(**values))
