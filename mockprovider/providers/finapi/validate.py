"""Request-body checks of the create calls, as `(field, message)` pairs for a 400
`ValidationError` (spec §2.3; field rules from the OpenAPI schemas [DOC-2 F7])."""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from mockprovider.core.redirects import check_callback_url
from mockprovider.errors import UnsafeURL

Problems = list[tuple[str, str]]
#: finAPI's URL pattern for `callbacks.*` and body `redirectUrl`: HTTPS and a dotted host, so
#: `https://localhost/…` and every `http://` URL fail (§2.3 notes) [DOC-2 F7].
HTTPS_URL = re.compile(
    r"https://(www\.)?[-a-zA-Z0-9@:%._+~#=]{1,256}\.[a-zA-Z0-9()]{1,63}\b"
    r"([-a-zA-Z0-9()@:%_+.~#?&/=]*)"
)

#: Appended to finAPI's own message when the faithful check refuses a URL: the sandbox setting
#: that accepts local callbacks, and how to change it.
DEV_HINT = (
    " (sandbox: callback_url_check is faithful; for an http:// or local URL set it to dev: "
    'PUT /_sandbox/providers/finapi/settings {"callback_url_check": "dev"})'
)


def url_problem(value: Any, mode: str) -> str | None:
    """Why `value` is no acceptable callback URL (None if it is). `dev` mode (sandbox choice
    §3.2.4) accepts any safe http(s) URL such as `http://127.0.0.1:9000/cb`."""
    if not isinstance(value, str) or len(value) > 2048:
        return "must be a string of at most 2048 characters"
    if mode == "dev":
        try:
            check_callback_url(value)
        except UnsafeURL as exc:
            return exc.message
        return None if value.startswith(("http://", "https://")) else "must be an http(s) URL"
    return None if HTTPS_URL.fullmatch(value) else f'must match "{HTTPS_URL.pattern}"{DEV_HINT}'


def callbacks(body: Mapping[str, Any], names: tuple[str, ...], mode: str) -> Problems:
    raw = body.get("callbacks")
    if raw is None:
        return []
    if not isinstance(raw, dict):
        return [("callbacks", "must be an object")]
    problems: Problems = []
    for name in names:
        value = raw.get(name)
        if value is not None and (problem := url_problem(value, mode)):
            problems.append((f"callbacks.{name}", problem))
    return problems


def _amount_ok(value: Any) -> bool:
    """Numbers or numeric strings: finAPI coerces types (§2.1)."""
    if isinstance(value, bool):
        return False
    try:
        return Decimal(str(value)) > 0
    except InvalidOperation:
        return False


def _text(obj: Mapping[str, Any], key: str, where: str, limit: int) -> Problems:
    value = obj.get(key)
    if not isinstance(value, str) or not value:
        return [(f"{where}.{key}", "must not be blank")]
    if len(value) > limit:
        return [(f"{where}.{key}", f"size must be between 1 and {limit}")]
    return []


def orders(body: Mapping[str, Any]) -> Problems:
    raw = body.get("orders")
    if not isinstance(raw, list) or not raw:
        return [("orders", "must contain at least one order")]
    problems: Problems = []
    for i, order in enumerate(raw):
        where = f"orders[{i}]"
        if not isinstance(order, dict):
            problems.append((where, "must be an object"))
            continue
        amount = order.get("amount")
        if not isinstance(amount, dict) or not _amount_ok(amount.get("value")):
            problems.append((f"{where}.amount.value", "must be a positive number"))
        if not isinstance(amount, dict) or not isinstance(amount.get("currency"), str):
            problems.append((f"{where}.amount.currency", "must not be null"))
        recipient = order.get("recipient")
        if not isinstance(recipient, dict):
            problems.append((f"{where}.recipient", "must not be null"))
            continue
        problems += _text(recipient, "name", f"{where}.recipient", 70)
        problems += _text(recipient, "iban", f"{where}.recipient", 34)
    return problems


def bank_import(body: Mapping[str, Any], mode: str) -> Problems:
    """`bankConnectionImport`: no field is required; `bank.id` and `bank.search` exclude each
    other; `maxDaysForDownload` 0…3650."""
    problems = callbacks(body, ("finalised",), mode)
    bank = body.get("bank")
    if bank is not None:
        if not isinstance(bank, dict):
            problems.append(("bank", "must be an object"))
        elif bank.get("id") is not None and bank.get("search") is not None:
            problems.append(("bank", "id and search are mutually exclusive"))
        elif bank.get("id") is not None and (
            isinstance(bank["id"], bool) or not isinstance(bank["id"], int)
        ):
            problems.append(("bank.id", "must be an integer"))
    days = body.get("maxDaysForDownload")
    if days is not None and (not isinstance(days, int) or not 0 <= days <= 3650):
        problems.append(("maxDaysForDownload", "must be between 0 and 3650"))
    return problems


def payment(body: Mapping[str, Any], mode: str, *, with_account: bool) -> Problems:
    """`standalonePayment` (`sender.iban` when a sender is given) and `paymentWithAccountId`
    (`sender.accountId` required)."""
    problems = orders(body) + callbacks(body, ("finalised",), mode)
    sender = body.get("sender")
    if with_account:
        if not isinstance(sender, dict) or not isinstance(sender.get("accountId"), int):
            problems.append(("sender.accountId", "must not be null"))
    elif sender is not None and (not isinstance(sender, dict) or not sender.get("iban")):
        problems.append(("sender.iban", "must not be null"))
    return problems


def update(body: Mapping[str, Any], mode: str) -> Problems:
    """`tasks/backgroundUpdate`: `bankConnectionId` required; `userMetadata` needs all three."""
    problems = callbacks(body, ("finalised", "webFormRequired"), mode)
    bcid = body.get("bankConnectionId")
    if isinstance(bcid, bool) or not isinstance(bcid, int):
        problems.append(("bankConnectionId", "must not be null"))
    meta = body.get("userMetadata")
    if meta is not None:
        for key in ("ipAddress", "deviceOs", "userAgent"):
            if not isinstance(meta, dict) or not isinstance(meta.get(key), str):
                problems.append((f"userMetadata.{key}", "must not be null"))
    return problems
