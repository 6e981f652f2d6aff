"""Gigs' settings: sandbox credentials and every sandbox choice of spec §3.1 (all [GAP]/[INF])."""

from __future__ import annotations

from mockprovider.core.contract import Setting

#: The documented sandbox API key (`Authorization: Bearer …`); any string works once configured.
SANDBOX_API_KEY = "gigs_sandbox_key_0SNlurA049MEWV"
SANDBOX_PROJECT = "gigs"  # spec §1.2: "{project} is the project id, for example gigs" [DOC G2]
#: The secret of the spec's Svix vectors (§1.6), so they verify against the sandbox unchanged.
SANDBOX_WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # noqa: S105 (public)
#: `version` of the event envelope (spec §1.5 example) [DOC G9].
EVENT_VERSION = "2024-10-28"
CREATED = "com.gigs.connectSession.created"
SUBSCRIPTION_CREATED = "com.gigs.subscription.created"
SUBSCRIPTION_ACTIVATED = "com.gigs.subscription.activated"

SETTINGS: tuple[Setting, ...] = (
    Setting("webhook_url", "", "Where com.gigs.* events are POSTed (the Svix endpoint URL)."),
    Setting("api_key", SANDBOX_API_KEY, "Bearer key the API accepts.", secret=True),
    Setting("project", SANDBOX_PROJECT, "Project id accepted in /projects/{project}/…"),
    Setting(
        "webhook_secret",
        SANDBOX_WEBHOOK_SECRET,
        "whsec_<base64> endpoint secret: the base64-decoded part is the HMAC key (§1.6).",
        secret=True,
    ),
    Setting(
        "additional_webhook_secrets",
        [],
        "More whsec_… secrets during a rotation: one more `v1,` entry each in webhook-signature.",
        secret=True,
    ),
    Setting(
        "session_ttl",
        900,
        "Seconds a Connect Session's url stays valid [GAP, sandbox choice 15 min] (sandbox clock).",
    ),
    Setting(
        "legacy_not_allowed",
        False,
        "Emit the older status name not_allowed instead of bad_configuration [DOC G5-old].",
    ),
    Setting(
        "events",
        [CREATED, SUBSCRIPTION_CREATED, SUBSCRIPTION_ACTIVATED],
        "Event types the endpoint subscribes to (Svix event filter); others are not sent.",
    ),
    Setting(
        "activation_delay",
        0,
        "Sandbox seconds between subscription.created and .activated [INF: activation comes "
        "later, from the network]; 0 sends both at once, in that order.",
    ),
    Setting(
        "payment_error",
        "Your card was declined. Try another card or cancel.",
        "Inline error Connect shows on a capture failure [GAP]: no redirect, retry or abort.",
    ),
)
