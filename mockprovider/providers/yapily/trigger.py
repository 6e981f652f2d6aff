"""`mockprovider trigger yapily …`: an account authorisation request with the sandbox
application's Basic credentials, for the first institution in the settings."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import httpx

from mockprovider.web.triggering import TriggerRefused, answer, return_url


async def start(http: httpx.AsyncClient, settings: Mapping[str, Any]) -> str:
    """`POST /account-auth-requests`; the consent (session) id."""
    institutions = [i for i in settings.get("institutions") or [] if isinstance(i, dict)]
    if not institutions:
        raise TriggerRefused("yapily has no institutions in its settings")
    body = {
        "applicationUserId": "trigger",
        "institutionId": institutions[0]["id"],
        "callback": return_url(http),
    }
    auth = (str(settings["application_key"]), str(settings["application_secret"]))
    response = await http.post("/yapily/account-auth-requests", json=body, auth=auth)
    return str(answer(response, 201, "POST /account-auth-requests")["data"]["id"])


async def start_hosted(http: httpx.AsyncClient, settings: Mapping[str, Any]) -> str:
    """`POST /hosted/payment-requests` (Hosted Pages): the payment request (session) id; its
    outcomes send the `hosted_pis.payment_status.*` webhooks."""
    institutions = [i for i in settings.get("institutions") or [] if isinstance(i, dict)]
    if not institutions:
        raise TriggerRefused("yapily has no institutions in its settings")
    first = institutions[0]
    body = {
        "applicationUserId": "trigger",
        "institutionIdentifiers": {
            "institutionId": first["id"],
            "institutionCountryCode": first.get("country") or "GB",
        },
        "redirectUrl": return_url(http),
        "paymentRequestDetails": {
            "paymentIdempotencyId": "trigger0001",
            "type": "DOMESTIC_PAYMENT",
            "amountDetails": {"amountToPay": 1.0, "currency": "GBP"},
            "payee": {
                "name": "Sandbox Payee",
                "accountIdentifications": [
                    {"type": "SORT_CODE", "identification": "123456"},
                    {"type": "ACCOUNT_NUMBER", "identification": "12345678"},
                ],
            },
        },
    }
    auth = (str(settings["application_key"]), str(settings["application_secret"]))
    response = await http.post("/yapily/hosted/payment-requests", json=body, auth=auth)
    return str(answer(response, 201, "POST /hosted/payment-requests")["data"]["paymentRequestId"])


#: Further trigger recipes of this provider: name → starter (`mockprovider trigger NAME …`).
FLOWS = {"yapily-hosted": start_hosted}
