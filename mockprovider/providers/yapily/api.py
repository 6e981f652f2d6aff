"""Every Yapily API route, mounted under `/yapily` (the browser's routes are in `pages.py`)."""

from __future__ import annotations

from starlette.routing import BaseRoute

from mockprovider.providers.yapily import (
    auth_requests,
    consents,
    data_api,
    directory,
    lifecycle,
    listing,
    payments,
    reauth,
    webhook_registry,
)
from mockprovider.providers.yapily.hosted import create as hosted_create
from mockprovider.providers.yapily.hosted import reads as hosted_reads


def routes() -> list[BaseRoute]:
    """The API operations the sandbox imitates, in the order Yapily's reference lists them."""
    return (
        auth_requests.routes()
        + reauth.routes()
        + consents.routes()
        + listing.routes()
        + lifecycle.routes()
        + data_api.routes()
        + payments.routes()
        + directory.routes()
        + webhook_registry.routes()
        + hosted_create.routes()
        + hosted_reads.routes()
    )
