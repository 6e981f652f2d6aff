"""Helpers for users' test suites: a live sandbox in a thread, a webhook receiver and a client
over the `/_sandbox` control API. `mockprovider.pytest_plugin` turns them into fixtures; they
work without pytest too:

    with LiveServer() as server, WebhookReceiver() as receiver:
        sandbox = SandboxClient(server.url, receiver)
        sandbox.reset()
"""

from __future__ import annotations

from mockprovider.testing.client import ControlError, SandboxClient
from mockprovider.testing.receiver import Received, WebhookReceiver
from mockprovider.testing.server import LiveServer
from mockprovider.testing.webhook import Webhook

__all__ = [
    "ControlError",
    "LiveServer",
    "Received",
    "SandboxClient",
    "Webhook",
    "WebhookReceiver",
]
