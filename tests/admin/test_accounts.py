"""Who may do what: login, sessions, CSRF, roles, API tokens, throttling."""

from __future__ import annotations

import httpx
from auftakt_admin.app import AdminService, create_app
from auftakt_admin.settings import AdminSettings
from auftakt_common.embedded import free_port

from tests.admin.conftest import Staff
from tests.admin.helpers import csrf_of, log_in, signed_in_csrf
from tests.scoring.helpers import MovableClock


async def test_a_page_without_session_sends_the_browser_to_the_login(
    admin_http: httpx.AsyncClient,
) -> None:
    response = await admin_http.get("/admin/leads?stage=hot")
    assert response.status_code == 303
    assert response.headers["location"] == "/admin/login?next=%2Fadmin%2Fleads%3Fstage%3Dhot"


async def test_the_api_without_session_or_token_answers_401(admin_http: httpx.AsyncClient) -> None:
    for path in ("/api/v1/leads", "/api/v1/dashboard", "/api/openapi.json"):
        assert (await admin_http.get(path)).status_code == 401


async def test_logging_in_sets_a_protected_session_cookie_and_shows_the_dashboard(
    admin_http: httpx.AsyncClient, sales_user: Staff
) -> None:
    response = await log_in(admin_http, sales_user.email, sales_user.password)
    assert response.status_code == 303 and response.headers["location"] == "/admin"
    cookie = response.headers["set-cookie"].lower()
    assert "auftakt_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    dashboard = await admin_http.get("/admin")
    assert dashboard.status_code == 200 and "Burning-Leads warten auf Anruf" in dashboard.text


async def test_a_wrong_password_is_refused_without_saying_which_part_was_wrong(
    admin_http: httpx.AsyncClient, sales_user: Staff
) -> None:
    response = await log_in(admin_http, sales_user.email, "falsch-falsch")
    assert response.status_code == 401
    assert "E-Mail-Adresse oder Passwort ist falsch" in response.text
    unknown = await log_in(admin_http, "niemand@example.de", "falsch-falsch")
    assert unknown.status_code == 401


async def test_five_failed_logins_lock_the_account_for_a_while(
    admin_http: httpx.AsyncClient, sales_user: Staff
) -> None:
    for _ in range(5):
        assert (await log_in(admin_http, sales_user.email, "daneben-daneben")).status_code == 401
    locked = await log_in(admin_http, sales_user.email, sales_user.password)
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    assert "Zu viele Fehlversuche" in locked.text


async def test_a_form_post_without_csrf_token_is_refused(
    admin_http: httpx.AsyncClient, sales_user: Staff
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    response = await admin_http.post("/admin/tokens", data={"name": "ohne Token"})
    assert response.status_code == 403
    assert "CSRF" in response.text
    wrong = await admin_http.post("/admin/tokens", data={"name": "x", "csrf_token": "geraten"})
    assert wrong.status_code == 403


async def test_a_login_form_from_another_site_is_refused(
    admin_http: httpx.AsyncClient, sales_user: Staff
) -> None:
    response = await admin_http.post(
        "/admin/login",
        data={"email": sales_user.email, "password": sales_user.password, "csrf_token": "x"},
    )
    assert response.status_code == 403
    assert "auftakt_session" not in response.headers.get("set-cookie", "")


async def test_a_sales_user_cannot_manage_users(
    admin_http: httpx.AsyncClient, sales_user: Staff
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    assert (await admin_http.get("/admin/users")).status_code == 403
    csrf = await signed_in_csrf(admin_http)
    created = await admin_http.post(
        "/admin/users",
        data={"email": "neu@example.de", "name": "Neu", "role": "admin", "csrf_token": csrf},
    )
    assert created.status_code == 403
    assert (await admin_http.get("/api/v1/users")).status_code == 403
    assert "/admin/users" not in (await admin_http.get("/admin")).text


async def test_an_admin_creates_a_user_who_must_choose_a_password_first(
    admin_http: httpx.AsyncClient, admin_user: Staff, admin: object
) -> None:
    await log_in(admin_http, admin_user.email, admin_user.password)
    csrf = await signed_in_csrf(admin_http)
    email = f"lena.{csrf[:6].lower()}@musikfuerfirmen.example"
    page = await admin_http.post(
        "/admin/users",
        data={"email": email, "name": "Lena Vogel", "role": "sales", "csrf_token": csrf},
    )
    assert page.status_code == 201
    one_time = page.text.split('class="secret">')[1].split("<")[0]
    async with httpx.AsyncClient(
        transport=admin_http._transport, base_url="http://admin.test"
    ) as lena:
        first = await log_in(lena, email, one_time)
        assert first.headers["location"] == "/admin/password"
        assert (await lena.get("/admin/leads")).headers["location"] == "/admin/password"
        form = await lena.get("/admin/password")
        changed = await lena.post(
            "/admin/password",
            data={
                "current": one_time,
                "new": "Mein-neues-Passwort-1",
                "repeated": "Mein-neues-Passwort-1",
                "csrf_token": csrf_of(form.text),
            },
        )
        assert changed.status_code == 303
        assert (await lena.get("/admin/leads")).status_code == 200


async def test_the_api_refuses_staff_addresses_that_are_no_email_addresses_in_german(
    admin_http: httpx.AsyncClient, admin_user: Staff
) -> None:
    await log_in(admin_http, admin_user.email, admin_user.password)
    csrf = await signed_in_csrf(admin_http)
    for nonsense, reason in (("a@b", "Punkt"), ("-h@÷c¥", "unzulässige Zeichen")):
        refused = await admin_http.post(
            "/api/v1/users",
            json={"email": nonsense, "name": "Unsinn", "role": "sales"},
            headers={"X-CSRF-Token": csrf},
        )
        assert refused.status_code == 422
        error = refused.json()["detail"]["errors"][0]
        assert error["field"] == "email"
        assert (
            error["message"].startswith("keine gültige E-Mail-Adresse")
            and reason in error["message"]
        )
    users = (await admin_http.get("/api/v1/users")).json()
    assert not any(user["name"] == "Unsinn" for user in users)


async def test_the_user_form_says_at_the_address_why_it_is_refused_and_keeps_what_was_typed(
    admin_http: httpx.AsyncClient, admin_user: Staff
) -> None:
    await log_in(admin_http, admin_user.email, admin_user.password)
    csrf = await signed_in_csrf(admin_http)
    page = await admin_http.post(
        "/admin/users",
        data={"email": "a@b", "name": "Lena Vogel", "role": "admin", "csrf_token": csrf},
    )
    assert page.status_code == 422
    field = page.text.split('name="email"')[1].split("</label>")[0]
    assert 'aria-invalid="true"' in field and 'value="a@b"' in field
    assert "keine gültige E-Mail-Adresse: Nach dem @ fehlt eine Domain mit Punkt" in field
    assert 'value="Lena Vogel"' in page.text and '<option value="admin" selected>' in page.text
    assert "email:" not in page.text


async def test_an_api_token_works_for_scripts_until_revoked(
    admin_http: httpx.AsyncClient, sales_user: Staff
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    csrf = await signed_in_csrf(admin_http)
    created = await admin_http.post(
        "/api/v1/tokens", json={"name": "Export"}, headers={"X-CSRF-Token": csrf}
    )
    assert created.status_code == 201
    secret, token_id = created.json()["secret"], created.json()["token"]["id"]
    async with httpx.AsyncClient(
        transport=admin_http._transport,
        base_url="http://admin.test",
        headers={"Authorization": f"Bearer {secret}"},
    ) as script:
        me = await script.get("/api/v1/me")
        assert me.status_code == 200 and me.json()["email"] == sales_user.email
        assert (await script.get("/api/openapi.json")).json()["paths"]["/api/v1/leads"]
        assert (await script.delete(f"/api/v1/tokens/{token_id}")).status_code == 204
        assert (await script.get("/api/v1/me")).status_code == 401


async def test_logging_out_ends_the_session(
    admin_http: httpx.AsyncClient, sales_user: Staff
) -> None:
    await log_in(admin_http, sales_user.email, sales_user.password)
    cookie = admin_http.cookies.get("auftakt_session")
    csrf = await signed_in_csrf(admin_http)
    assert (await admin_http.post("/admin/logout", data={"csrf_token": csrf})).status_code == 303
    admin_http.cookies.set("auftakt_session", cookie or "")
    assert (await admin_http.get("/admin")).status_code == 303


async def test_pages_forbid_framing_and_foreign_scripts(admin_http: httpx.AsyncClient) -> None:
    headers = (await admin_http.get("/admin/login")).headers
    policy = headers["content-security-policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert headers["x-content-type-options"] == "nosniff"


async def test_a_database_outage_is_answered_503_not_a_crash(
    admin_settings: AdminSettings, clock: MovableClock
) -> None:
    unreachable = admin_settings.model_copy(
        update={"database_url": f"postgresql+psycopg://postgres@127.0.0.1:{free_port()}/x"}
    )
    service = AdminService(unreachable, clock=clock)  # not started: no consumers to disturb
    transport = httpx.ASGITransport(app=create_app(unreachable, service))
    async with httpx.AsyncClient(transport=transport, base_url="http://admin.test") as http:
        http.cookies.set("auftakt_session", "irgendein-token")
        page = await http.get("/admin/leads")
        api = await http.get("/api/v1/leads", headers={"Authorization": "Bearer akt_x"})
    await service.engine.dispose()
    assert page.status_code == 503 and "nicht erreichbar" in page.text
    assert api.status_code == 503 and api.headers["retry-after"] == "5"
