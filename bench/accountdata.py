"""The data row: `GET /yapily/accounts/{id}/transactions?limit=1000` on one core, as a ratio to
the hosted page measured on the same server in the same run, plus what generating and storing
a 10,000-transaction data set costs (once per consent; later calls read it back)."""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any

import flows
import httpx
from phases import FixedGet, measure

AUTH = ("3fa85f64-5717-4562-b3fc-2c963f66afa6", "yapily-sandbox-application-secret")


def _basic() -> str:
    return "Basic " + base64.b64encode(":".join(AUTH).encode()).decode()


def consent_with_huge_account(port: int) -> tuple[str, str]:
    """An authorised consent of the built-in `huge-account` scenario: (token, account id of
    its 10,000-transaction account)."""
    with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as http:
        body = {"applicationUserId": "bench", "institutionId": "modelo-sandbox"}
        made = http.post("/yapily/account-auth-requests", json=body, auth=AUTH).json()["data"]
        done = http.post(
            f"/_sandbox/sessions/{made['id']}/outcome", json={"outcome": "huge-account"}
        )
        done.raise_for_status()
        consent = http.get(f"/yapily/consents/{made['id']}", auth=AUTH).json()["data"]
        token = consent["consentToken"]
        accounts = http.get("/yapily/accounts", headers={"consent": token}, auth=AUTH).json()
        return token, accounts["data"][-1]["id"]


def generation_cpu_ms(runs: int = 5) -> float:
    """Median CPU ms of building a 10,000-transaction data set and encoding it for the store,
    in this process (the server does the same once per consent)."""
    from mockprovider.core.accountdata.build import build
    from mockprovider.core.accountdata.codec import encode_data_set
    from mockprovider.core.accountdata.spec import DataSpec

    spec = DataSpec(accounts=(), huge_account=10_000)
    found = []
    for n in range(runs):
        start = time.process_time()
        encode_data_set(build(f"bench-{n}", time.time(), spec))
        found.append((time.process_time() - start) * 1000)
    return sorted(found)[len(found) // 2]


def run(bench: Any) -> dict[str, Any]:
    from servers import ServerSpec

    proc = ServerSpec.mockprovider("sqlite").start(bench.pinning, bench.workdir, "data")
    try:
        token, account = consent_with_huge_account(proc.port)
        path = f"/yapily/accounts/{account}/transactions?limit=1000"
        headers = (("consent", token), ("Authorization", _basic()))
        with httpx.Client(base_url=f"http://127.0.0.1:{proc.port}") as http:
            size = len(http.get(path, headers=dict(headers)).content)
        page = asyncio.run(flows.create_forms(proc.port, 1))[0].page_path
        pages = measure("data: hosted page GET", proc, FixedGet(page), bench.generator, bench.plan)
        data = measure(
            "data: transactions?limit=1000",
            proc,
            FixedGet(path, 200, headers),
            bench.generator,
            bench.plan,
        )
    finally:
        proc.stop()
    generation = generation_cpu_ms()
    print(
        f"  transactions page {size:,} B; {data.rps:,.0f} req/s = {data.rps * size / 1e6:,.1f} MB/s"
        f" ({data.rps / max(pages.rps, 1e-9):.3f}x the hosted page); 10,000-transaction data set"
        f" built and encoded in {generation:.1f} ms CPU",
        flush=True,
    )
    return {"page": pages, "data": data, "bytes": size, "generation_cpu_ms": generation}
