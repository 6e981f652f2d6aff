"""`mockprovider topiic link`: build a signed deep link the way an integrator's server would."""

from __future__ import annotations

import json
import secrets
import time

import click

from mockprovider.core.yamlcheck import parse_duration
from mockprovider.providers.topiic.link import build_link
from mockprovider.providers.topiic.settings import (
    SANDBOX_AKID,
    SANDBOX_MID,
    SANDBOX_PLAN,
    SANDBOX_SECRET,
)


@click.group()
def topiic() -> None:
    """Topiic helpers.

    \b
    Example:
      mockprovider topiic link --ref cust_42 --ret https://app.example/done
    """


@topiic.command("link")
@click.option(
    "--base", default="http://127.0.0.1:8600/topiic", show_default=True, help="Topiic base URL."
)
@click.option(
    "--ref",
    default="cust_42",
    show_default=True,
    help="Your customer id (comes back as externalRef).",
)
@click.option(
    "--ret",
    default="http://127.0.0.1:3000/subscribed?customer=42",
    show_default=True,
    help="Return URL.",
)
@click.option("--plan", default=SANDBOX_PLAN, show_default=True)
@click.option("--email", default=None, help="contact.em (e.g. someone+declined@example.com).")
@click.option("--first-name", default=None)
@click.option("--ttl", default="30m", show_default=True, help="Link lifetime (exp = now + ttl).")
@click.option("--exp", type=int, default=None, help="Explicit exp (unix seconds); overrides --ttl.")
@click.option("--akid", default=SANDBOX_AKID, show_default=True)
@click.option("--mid", default=SANDBOX_MID, show_default=True)
@click.option("--secret", default=SANDBOX_SECRET, show_default=True, help="tss_… signing secret.")
@click.option("--events", default="checkout.completed,checkout.failed", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print the payload and the link as JSON.")
def link(
    base: str,
    ref: str,
    ret: str,
    plan: str,
    email: str | None,
    first_name: str | None,
    ttl: str,
    exp: int | None,
    akid: str,
    mid: str,
    secret: str,
    events: str,
    as_json: bool,
) -> None:
    """Print a signed /c?d=…&s=… link for the sandbox (defaults: the documented sandbox key).

    \b
    Example:
      curl -si "$(mockprovider topiic link --ref cust_42 --email maya+declined@example.com)"
    """
    try:
        lifetime = parse_duration(ttl)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--ttl") from None
    contact = {k: v for k, v in (("fn", first_name), ("em", email)) if v}
    payload = {
        "akid": akid,
        "mid": mid,
        "plan": plan,
        "ref": ref,
        "contact": contact,
        "ret": ret,
        "evts": [e for e in events.split(",") if e],
        "nonce": secrets.token_hex(16),
        "exp": exp if exp is not None else int(time.time() + lifetime),
    }
    url = build_link(secret, payload, base.rstrip("/"))
    click.echo(json.dumps({"payload": payload, "link": url}, indent=2) if as_json else url)
