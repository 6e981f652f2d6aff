"""finAPI's JSON shapes: timestamps, WebForm and Task bodies, and the callback messages
(spec §2.3, §2.6). Web form and task statuses are derived from the session every time, so
polling and callbacks can never disagree."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

from mockprovider.core.sessions import Session, SessionStatus
from mockprovider.core.webhooks.messages import WebhookMessage

FINAL = ("COMPLETED", "COMPLETED_WITH_ERROR", "EXPIRED", "ABORTED")
#: The payload key of each web form type (spec §2.3: examples show only the relevant key).
PAYLOAD_KEY = {
    "BANK_CONNECTION_IMPORT": "bankConnectionId",
    "BANK_CONNECTION_UPDATE": "bankConnectionId",
    "STANDALONE_PAYMENT": "paymentId",
    "PAYMENT_WITH_ACCOUNT_ID": "paymentId",
}
#: Task errorCode is a smaller enum than the web form's [DOC-2 F7].
TASK_ERROR_CODES = frozenset(
    {"BANK_SERVER_REJECTION", "INTERNAL_ERROR", "INVALID_TOKEN", "UNEXPECTED_ACCESS_RESPONSE"}
)


def finapi_time(ts: float) -> str:
    """`yyyy-MM-dd'T'HH:mm:ss.SSSZ`, e.g. `2021-03-02T13:51:08.973+0000` (§2.1, no colon)."""
    moment = datetime.fromtimestamp(ts, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}+0000"


def dumps(value: Any) -> bytes:
    """Compact JSON in insertion order: the exact bytes of vectors F-V1/F-V2 (§2.7)."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def webform_status(session: Session) -> str:
    """`NOT_YET_OPENED` → `IN_PROGRESS` (on open; still so after a closed tab, which finAPI
    only notices at `expiresAt`) → a final status (§2.5)."""
    if session.status is SessionStatus.CREATED:
        return "NOT_YET_OPENED"
    if session.status is SessionStatus.EXPIRED:
        return "EXPIRED"
    if session.status is SessionStatus.FINISHED:
        return str(session.data.get("status") or "COMPLETED")
    return "IN_PROGRESS"


def webform_body(session: Session) -> dict[str, Any]:
    """The WebForm object: all seven fields are required [DOC-2 F7]."""
    kind = str(session.data["type"])
    payload = session.data.get("payload") or {PAYLOAD_KEY[kind]: None}
    return {
        "id": session.id,
        "url": session.hosted_url,
        "createdAt": finapi_time(session.created_at),
        "expiresAt": finapi_time(session.expires_at),
        "type": kind,
        "status": webform_status(session),
        "payload": dict(payload),
    }


def webform_info(session: Session, status: str | None = None) -> dict[str, Any]:
    """`{id, url, status}`: the web form as a task shows it."""
    return {
        "id": session.id,
        "url": session.hosted_url,
        "status": status or webform_status(session),
    }


def task_status(webform: str) -> str:
    """Sandbox choice §2.5 step 4: COMPLETED/COMPLETED_WITH_ERROR carry over; EXPIRED and
    ABORTED leave the task `WEB_FORM_REQUIRED`."""
    return webform if webform in ("COMPLETED", "COMPLETED_WITH_ERROR") else "WEB_FORM_REQUIRED"


def task_body(task: dict[str, Any], session: Session | None) -> dict[str, Any]:
    """The Task object for `task` (a stored record) and its web form session, if any."""
    error_code: str | None = None
    web_form: dict[str, Any] | None = None
    if session is not None:
        web_form = webform_info(session)
        status = task_status(web_form["status"])
        if status == "COMPLETED_WITH_ERROR":
            code = (session.data.get("payload") or {}).get("errorCode")
            error_code = code if code in TASK_ERROR_CODES else "INTERNAL_ERROR"
    else:
        status = str(task["result"])
        if status == "COMPLETED_WITH_ERROR":
            error_code = "BANK_SERVER_REJECTION"
    payload: dict[str, Any] = {"bankConnectionId": task["bankConnectionId"], "webForm": web_form}
    if error_code is not None:  # not nullable in the 2.430 schema [DOC-2 F7]: left out
        payload["errorCode"] = error_code
    return {
        "id": task["id"],
        "createdAt": finapi_time(float(task["createdAt"])),
        "type": "BANK_CONNECTION_UPDATE",
        "status": status,
        "payload": payload,
    }


def message(kind: str, url: str | None, body: dict[str, Any]) -> WebhookMessage:
    """One callback POST (`application/json`, §2.6); no URL means none is sent."""
    return WebhookMessage(
        event_id=str(uuid.uuid4()),
        event_type=kind,
        url=url or "",
        body=dumps(body),
        headers={"Content-Type": "application/json"},
    )


def finalised_messages(session: Session, status: str) -> list[WebhookMessage]:
    """What finalising the web form sends: `{webFormId, status}` to its own
    `callbacks.finalised`, or for an update task's web form the TaskCallback with `webForm`
    to the task's `callbacks.finalised` (seeds/finapi-callbacks.txt)."""
    task = session.data.get("task")
    if task:
        body = {
            "taskId": task["id"],
            "status": task_status(status),
            "webForm": webform_info(session, status),
        }
        return [message("task.finalised", (task.get("callbacks") or {}).get("finalised"), body)]
    url = (session.data.get("callbacks") or {}).get("finalised")
    return [message("webForm.finalised", url, {"webFormId": session.id, "status": status})]
