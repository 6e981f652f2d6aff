"""Validating `POST /projects/{project}/connectSessions` bodies, and Gigs' error envelope.

Order [DOC G11]: headers first (401), then the URL path (404), then the body. Which body problem
gets which status is [GAP]; the sandbox's choice: **400** when the body is not a JSON object at
all, **422** for a well-formed object whose fields are wrong (every problem listed in
`details`). Gigs "rejects ambiguous input instead of guessing" [DOC G11], so unknown fields and
`user` together with `userDetails` are refused too.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from mockprovider.core.redirects import check_callback_url
from mockprovider.errors import ProviderError, UnsafeURL

DOCS = "https://developers.gigs.com/api/latest/connect/connect-sessions"
TOP_LEVEL = ("intent", "callbackUrl", "user", "userDetails", "appearance")
USER_DETAILS = ("email", "fullName", "preferredLocale", "birthday")  # [DOC-2 G12]
#: Params per intent type [DOC G3, G4, G8]: field -> (kind, required). A kind is an id prefix
#: (`pln_`), `[add_` for a list of ids, `str`, or `behavior` (completePorting's flags).
#: None: the intent takes no params object (absent or `{}`).
INTENTS: dict[str, dict[str, tuple[str, bool]] | None] = {
    "checkoutNewSubscription": {
        "plan": ("pln_", True),
        "addons": ("[add_", False),
        "device": ("dev_", False),
        "sim": ("sim_", False),
        "imei": ("str", False),
        "voucherCode": ("str", False),
    },
    "checkoutAddon": {"subscription": ("sub_", True), "addons": ("[add_", True)},
    "cancelSubscription": {"subscription": ("sub_", True)},
    "changeSubscription": {"subscription": ("sub_", True)},
    "completePorting": {"subscription": ("sub_", True), "behavior": ("behavior", False)},
    "confirmPayment": {"payment": ("pay_", True)},
    "resumeSubscription": {"subscription": ("sub_", True)},
    "updatePaymentMethod": None,
    "updateUserAddress": None,  # params [GAP]
    "updateUserFullName": None,  # params [GAP]
    "viewEsimInstallation": {"subscription": ("sub_", True)},
    "viewSubscription": {"subscription": ("sub_", True)},
    "viewSubscriptions": None,
}
_ID_TAIL = re.compile(r"[A-Za-z0-9]+")


def error(
    status: int,
    type_: str,
    code: str,
    message: str,
    *,
    hint: str | None = None,
    details: list[dict[str, str]] | None = None,
) -> ProviderError:
    """A `ProviderError` carrying Gigs' envelope [DOC G11], keys in the documented order."""
    body: dict[str, Any] = {"object": "error", "type": type_, "code": code, "message": message}
    if hint:
        body["hint"] = hint
    body["documentation"] = [DOCS]
    if details:
        body["details"] = details
    return ProviderError(status, json.dumps(body, separators=(",", ":")).encode())


def _is_id(value: Any, prefix: str) -> bool:
    return (
        isinstance(value, str)
        and value.startswith(prefix)
        and _ID_TAIL.fullmatch(value[len(prefix) :]) is not None
    )


def _check_param(path: str, kind: str, value: Any, problems: list[dict[str, str]]) -> None:
    if kind == "str":
        ok, want = isinstance(value, str) and value != "", "a non-empty string"
    elif kind == "behavior":
        flags = ("hideIntroPage", "hideOutroPage")
        ok = isinstance(value, dict) and all(
            k in flags and isinstance(v, bool) for k, v in value.items()
        )
        want = "an object with the booleans hideIntroPage and hideOutroPage"
    elif kind.startswith("["):
        prefix = kind[1:]
        ok = isinstance(value, list) and all(_is_id(v, prefix) for v in value)
        want = f"a list of {prefix}… ids"
    else:
        ok, want = _is_id(value, kind), f"an id starting with {kind}"
    if not ok:
        problems.append({"path": path, "message": f"must be {want}"})


def _check_intent(intent: Any, problems: list[dict[str, str]]) -> None:
    if not isinstance(intent, dict):
        problems.append({"path": "intent", "message": "is required and must be an object"})
        return
    kind = intent.get("type")
    if not isinstance(kind, str) or kind not in INTENTS:
        problems.append(
            {"path": "intent.type", "message": "must be one of " + ", ".join(sorted(INTENTS))}
        )
        return
    for key in intent:
        if key not in ("type", kind):
            problems.append({"path": f"intent.{key}", "message": f"is not allowed for {kind}"})
    fields = INTENTS[kind]
    params = intent.get(kind)
    if fields is None:
        if params not in (None, {}):
            problems.append({"path": f"intent.{kind}", "message": f"{kind} takes no params"})
        return
    if not isinstance(params, dict):
        problems.append({"path": f"intent.{kind}", "message": "is required and must be an object"})
        return
    for name, (field_kind, required) in fields.items():
        if name in params:
            _check_param(f"intent.{kind}.{name}", field_kind, params[name], problems)
        elif required:
            problems.append({"path": f"intent.{kind}.{name}", "message": "is required"})
    for name in params:
        if name not in fields:
            problems.append({"path": f"intent.{kind}.{name}", "message": "is not a known param"})


def _check_optional(body: Mapping[str, Any], problems: list[dict[str, str]]) -> None:
    url = body.get("callbackUrl")
    if url is not None:
        try:
            if not isinstance(url, str):
                raise UnsafeURL("callbackUrl must be a string or null")
            check_callback_url(url, field="callbackUrl")
        except UnsafeURL as exc:
            problems.append({"path": "callbackUrl", "message": exc.message})
    if body.get("user") is not None and not _is_id(body["user"], "usr_"):
        problems.append({"path": "user", "message": "must be a user id starting with usr_"})
    details = body.get("userDetails")
    if details is not None:
        if not isinstance(details, dict):
            problems.append({"path": "userDetails", "message": "must be an object"})
        else:
            for key, value in details.items():
                if key not in USER_DETAILS:
                    problems.append({"path": f"userDetails.{key}", "message": "is not known"})
                elif not isinstance(value, str):
                    problems.append({"path": f"userDetails.{key}", "message": "must be a string"})
    if body.get("user") is not None and details is not None:
        problems.append(
            {"path": "userDetails", "message": "send either user or userDetails, not both"}
        )
    appearance = body.get("appearance")
    if appearance is not None and not (
        isinstance(appearance, dict)
        and set(appearance) <= {"theme"}
        and appearance.get("theme", "light") in ("light", "dark")
    ):
        problems.append(
            {"path": "appearance", "message": 'must be {"theme": "light"} or {"theme": "dark"}'}
        )


def parse_body(raw: bytes) -> dict[str, Any]:
    """The validated request body; raises a Gigs-shaped `ProviderError` (400 or 422)."""
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError, RecursionError):  # deep nesting is not JSON to us
        raise error(400, "invalid", "invalidJson", "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise error(400, "invalid", "invalidBody", "The request body must be a JSON object.")
    problems: list[dict[str, str]] = []
    for key in body:
        if key not in TOP_LEVEL:
            problems.append({"path": key, "message": "is not a known field"})
    _check_intent(body.get("intent"), problems)
    _check_optional(body, problems)
    if problems:
        first = problems[0]
        raise error(
            422,
            "invalid",
            "validationFailed",
            f"The request is invalid: {first['path']} {first['message']}.",
            hint="Fix every entry in details and send the request again.",
            details=problems,
        )
    return body
