"""finAPI Web Form 2.0 flows (spec §2.4, §2.5, §2.6, §3.2): every outcome by button and by
control API with the exact browser return and callback, one-time links, 20-minute expiry, the
closed tab ending EXPIRED at expiresAt, one callback attempt, polling agreeing with callbacks,
test-bank logins and magic values."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from mockprovider.core.webhooks.dispatcher import Dispatcher
from tests.providers.finapi_helpers import (
    BROWSER,
    CB,
    PATHS,
    A,
    E,
    R,
    S,
    advance,
    callbacks,
    finish,
    new_form,
    page_url,
    poll,
    press,
    put_settings,
)
from tests.support import Receiver

#: outcome → (web form status, browser goes to (None: stays on a page))
TABLE = [
    ("success", "COMPLETED", R),
    ("user_abort", "ABORTED", A),
    ("capture_failure", "COMPLETED_WITH_ERROR", None),
    ("expiry", "EXPIRED", None),
]


def vector(form_id: str, status: str) -> bytes:
    """F-V1's shape, byte for byte (§2.7)."""
    return b'{"webFormId":"' + form_id.encode() + b'","status":"' + status.encode() + b'"}'


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize(("outcome", "status", "goes_to"), TABLE)
async def test_outcome_redirects_and_calls_back(
    client: httpx.AsyncClient,
    dispatcher: Dispatcher,
    receiver: Receiver,
    path: str,
    outcome: str,
    status: str,
    goes_to: str | None,
) -> None:
    token, form = await new_form(client)
    location, response = await finish(client, path, form, outcome, BROWSER)
    assert location == goes_to
    if outcome == "capture_failure" and path == "button":
        # No automatic redirect on error: a link to errorRedirectUrl and the support link.
        assert f'<a id="return-link" href="{E}">' in response.text
        assert f'<a id="support-link" href="{S}">' in response.text
    [sent] = await callbacks(dispatcher, receiver)
    assert str(sent.url) == CB
    assert sent.content == vector(form["id"], status)
    assert sent.headers["content-type"] == "application/json"
    assert not [h for h in sent.headers if "signature" in h.lower()]  # unsigned (§2.7)
    polled = await poll(client, token, form["id"])
    assert polled["status"] == status
    if status == "COMPLETED":
        assert isinstance(polled["payload"]["bankConnectionId"], int)
    if status == "COMPLETED_WITH_ERROR":
        assert polled["payload"] == {"bankConnectionId": None, "errorCode": "BANK_SERVER_REJECTION"}


@pytest.mark.parametrize("path", PATHS)
async def test_closed_tab_sends_expired_at_expires_at(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver, path: str
) -> None:
    token, form = await new_form(client)
    location, _ = await finish(client, path, form, "closed_tab", BROWSER)
    assert location is None
    assert await callbacks(dispatcher, receiver) == []
    assert (await poll(client, token, form["id"]))["status"] == "IN_PROGRESS"
    await advance(client, 20 * 60 - 1)
    assert await callbacks(dispatcher, receiver) == []
    await advance(client, 1)
    [sent] = await callbacks(dispatcher, receiver)
    assert sent.content == vector(form["id"], "EXPIRED")
    assert (await poll(client, token, form["id"]))["status"] == "EXPIRED"


async def test_success_without_redirect_url_closes_itself(client: httpx.AsyncClient) -> None:
    _, form = await new_form(client)
    location, response = await finish(client, "button", form, "success", {})
    assert location is None
    assert "window.close()" in response.text


@pytest.mark.parametrize("path", PATHS)
async def test_abort_as_link_and_without_abort_url(client: httpx.AsyncClient, path: str) -> None:
    await put_settings(client, abort_redirect="link")
    _, form = await new_form(client)
    location, response = await finish(client, path, form, "user_abort", BROWSER)
    assert location is None
    if path == "button":
        assert f'<a id="return-link" href="{A}">' in response.text
    _, other = await new_form(client)
    location, _ = await finish(client, path, other, "user_abort", {"redirectUrl": R})
    assert location is None


async def test_web_form_url_is_one_time(client: httpx.AsyncClient) -> None:
    _, form = await new_form(client)
    assert (await client.get(form["url"])).status_code == 200
    second = await client.get(form["url"])
    assert second.status_code == 410
    assert "already used" in second.text


async def test_never_opened_form_expires_after_20_minutes(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    token, form = await new_form(client)
    assert form["createdAt"] == "2026-01-26T23:43:20.000+0000"
    assert form["expiresAt"] == "2026-01-27T00:03:20.000+0000"
    await advance(client, 20 * 60)
    [sent] = await callbacks(dispatcher, receiver)
    assert sent.content == vector(form["id"], "EXPIRED")
    page = await client.get(form["url"])
    assert page.status_code == 410
    assert "expired" in page.text
    assert (await poll(client, token, form["id"]))["status"] == "EXPIRED"


async def test_one_attempt_only(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    receiver.default = 500
    _, form = await new_form(client)
    await finish(client, "api", form, "success", {})
    assert len(await callbacks(dispatcher, receiver)) == 1
    await advance(client, 24 * 3600)
    assert len(await callbacks(dispatcher, receiver)) == 1
    listed = await client.get("/_sandbox/webhooks", params={"session_id": form["id"]})
    [delivery] = listed.json()["webhooks"] if "webhooks" in listed.json() else listed.json()
    assert delivery["status"] == "failed"
    assert len(delivery["attempts"]) == 1


async def test_no_callback_without_callbacks_finalised(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    token, form = await new_form(client, callbacks=None)
    await finish(client, "api", form, "success", {})
    assert await callbacks(dispatcher, receiver) == []
    assert (await poll(client, token, form["id"]))["status"] == "COMPLETED"


async def test_status_moves_to_in_progress_on_open(client: httpx.AsyncClient) -> None:
    token, form = await new_form(client)
    assert (await poll(client, token, form["id"]))["status"] == "NOT_YET_OPENED"
    await client.get(form["url"])
    assert (await poll(client, token, form["id"]))["status"] == "IN_PROGRESS"


async def test_wrong_credentials_end_with_error(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    token, form = await new_form(client)
    page = await client.get(page_url(form, BROWSER))
    response = await press(client, page, "success", username="someone", password="wrong")
    assert response.status_code == 200
    assert f'href="{E}"' in response.text
    assert (await poll(client, token, form["id"]))["status"] == "COMPLETED_WITH_ERROR"


async def test_wrong_tan_lets_the_user_retry(client: httpx.AsyncClient) -> None:
    token, form = await new_form(client)
    page = await client.get(page_url(form, BROWSER))
    response = await press(client, page, "success", tan="000000")
    assert response.status_code == 422
    assert "Wrong TAN" in response.text
    assert (await poll(client, token, form["id"]))["status"] == "IN_PROGRESS"
    again = await press(client, response, "success", tan="123456")
    assert again.headers["location"] == R


async def test_no_sca_login_succeeds_without_tan(client: httpx.AsyncClient) -> None:
    _, form = await new_form(client)
    page = await client.get(page_url(form, BROWSER))
    login = {"username": "demo_no_msa", "password": "demo_no_msa", "tan": ""}
    assert (await press(client, page, "success", **login)).headers["location"] == R


async def test_unsafe_return_url_is_refused_without_burning_the_link(
    client: httpx.AsyncClient,
) -> None:
    _, form = await new_form(client)
    bad = await client.get(page_url(form, {"redirectUrl": "javascript:alert(1)"}))
    assert bad.status_code == 400
    assert (await client.get(page_url(form, BROWSER))).status_code == 200


@pytest.mark.parametrize(
    ("user", "body", "status", "goes_to"),
    [
        ("qa+abort", {}, "ABORTED", A),
        ("qa+bankerror", {}, "COMPLETED_WITH_ERROR", None),
        ("qa-user-1", {"bank": {"id": 280500}}, "COMPLETED_WITH_ERROR", None),
    ],
)
async def test_magic_values_pick_the_outcome(
    client: httpx.AsyncClient,
    dispatcher: Dispatcher,
    receiver: Receiver,
    user: str,
    body: dict[str, Any],
    status: str,
    goes_to: str | None,
) -> None:
    token, form = await new_form(client, user=user, **body)
    page = await client.get(page_url(form, BROWSER))
    assert page.headers.get("location") == goes_to
    [sent] = await callbacks(dispatcher, receiver)
    assert sent.content == vector(form["id"], status)
    assert (await poll(client, token, form["id"]))["status"] == status


async def test_forced_error_code(client: httpx.AsyncClient) -> None:
    token, form = await new_form(client, user="qa+internalerror")
    await client.get(form["url"])
    polled = await poll(client, token, form["id"])
    assert polled["payload"] == {"bankConnectionId": None, "errorCode": "INTERNAL_ERROR"}


async def test_debug_signature_only_when_enabled(
    client: httpx.AsyncClient, dispatcher: Dispatcher, receiver: Receiver
) -> None:
    import hashlib
    import hmac

    await put_settings(client, debug_signature=True)
    _, form = await new_form(client)
    await finish(client, "api", form, "success", {})
    [sent] = await callbacks(dispatcher, receiver)
    expected = hmac.new(b"finapi-sandbox-debug", sent.content, hashlib.sha256).hexdigest()
    assert sent.headers["x-mockprovider-debug-signature"] == f"sha256={expected}"
