"""What lands on `redirectUrl` (spec §3.3, §7): the `hosted` profile's parameters, or the
`direct-callback` profile (the direct flow's callback parameters plus the request id)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from mockprovider.providers.yapily import callbacks
from mockprovider.providers.yapily.hosted.phases import family
from mockprovider.providers.yapily.hosted.shapes import ID_KEYS


def success(
    data: Mapping[str, Any],
    request_id: str,
    settings: Mapping[str, Any],
    token: str | None,
    one_time: str | None,
) -> list[tuple[str, str]]:
    """Success parameters, in the order of `hosted_success_params[flow]`."""
    flow = str(data["hosted"])
    id_param = (ID_KEYS[flow], request_id)
    if settings["hosted_redirect_profile"] == "direct-callback":
        if family(flow) == "payment":
            return [
                id_param,
                *callbacks.success_params(
                    data, consent=None, one_time=None, settings=settings, consent_id=request_id
                )[1:],
            ]
        return [
            id_param,
            *callbacks.success_params(
                data,
                consent=token,
                one_time=one_time,
                settings=settings,
                consent_id=str(data.get("consentId")),
            ),
        ]
    params = []
    for key in settings["hosted_success_params"].get(flow, [ID_KEYS[flow]]):
        if key == ID_KEYS[flow]:
            params.append(id_param)
        elif key == "consent" and one_time is not None:
            params.append(("one-time-token", one_time))
        elif key == "consent" and token is not None:
            params.append(("consent", token))
        elif key == "consentId" and data.get("consentId"):
            params.append(("consentId", str(data["consentId"])))
    return params


def failure(
    data: Mapping[str, Any], request_id: str, settings: Mapping[str, Any], error: str
) -> list[tuple[str, str]]:
    """`<idparam>=<id>&error=…&error_source=…&error_description=…` for the failure `error`
    (a key of `hosted_error_params`: user_abort, capture_failure, payment_rejected, bad_config)."""
    flow = str(data["hosted"])
    id_param = (ID_KEYS[flow], request_id)
    if settings["hosted_redirect_profile"] == "direct-callback":
        outcome = "capture_failure" if error == "payment_rejected" else error
        return [id_param, *callbacks.failure_params(data, outcome, {}, settings)[0]]
    code, source, text = (str(v) for v in settings["hosted_error_params"][error])
    return [id_param, ("error", code), ("error_source", source), ("error_description", text)]
