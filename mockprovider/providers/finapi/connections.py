"""finAPI Access bank connections and accounts after a completed `BANK_CONNECTION_IMPORT` web
form (`finapi-access.yaml` 1.151.1: `BankConnection`, `Account`, `DailyBalanceList`).

A completed import is the bank connection `payload.bankConnectionId`; its accounts and
transactions come from the shared account-data engine (`mockprovider.core.accountdata`),
seeded by the web form, anchored at its completion, shaped by the scenario's `data:` section or
else the engine's default accounts (checking, savings, card) in euros. Deleting the connection
(`DELETE /api/v1/bankConnections/{id}`) removes its accounts and transactions [DOC-2].
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from mockprovider.core.accountdata import (
    Account,
    AccountKind,
    DataSet,
    DataSpec,
    Transaction,
    data_set_for,
    data_spec,
)
from mockprovider.core.accountdata.spec import DEFAULT_DATA
from mockprovider.core.engine import Sandbox
from mockprovider.core.sessions import Session
from mockprovider.errors import DataUnavailable
from mockprovider.providers.finapi.auth import NAME
from mockprovider.providers.finapi.banks import BANKS, bank_body
from mockprovider.providers.finapi.bodies import finapi_time
from mockprovider.providers.finapi.errors import access_error
from mockprovider.providers.finapi.listing import SCAN_LIMIT
from mockprovider.providers.finapi.webforms import visible_to

DEFAULT_SPEC = DataSpec(currency="EUR")
#: finAPI `accountType` and `accountTypeId` per engine kind [DOC-2: AccountType enum].
TYPES = {
    AccountKind.CHECKING: ("Checking", 1),
    AccountKind.SAVINGS: ("Savings", 2),
    AccountKind.CARD: ("CreditCard", 3),
    AccountKind.BUSINESS: ("Checking", 1),
}


@dataclass(frozen=True)
class Connection:
    """One imported bank connection of the user, with its data."""

    id: int
    session: Session
    data: DataSet

    @property
    def bank_id(self) -> int:
        bank = self.session.data.get("bank") or {}
        found = bank.get("id")
        return int(found) if isinstance(found, int) and found in BANKS else 280001

    def accounts(self) -> Iterator[tuple[int, Account]]:
        for n, account in enumerate(self.data.accounts):
            yield self.id * 100 + n + 1, account


def transaction_id(tx: Transaction) -> int:
    """An integer id from the engine's (finAPI ids are int64)."""
    return 10**11 + int(hashlib.sha256(tx.id.encode()).hexdigest()[:12], 16) % (9 * 10**11)


def _spec(sandbox: Sandbox, session: Session) -> DataSpec:
    spec = data_spec(sandbox, session)
    return DEFAULT_SPEC if spec is DEFAULT_DATA else spec


async def connections(request: Request, sandbox: Sandbox, user: str) -> list[Connection]:
    """The user's imported, undeleted bank connections, by id."""
    now = await sandbox.now()
    records = sandbox.records(NAME)
    found: list[Connection] = []
    for session in await sandbox.list_sessions(NAME, limit=SCAN_LIMIT):
        data = session.data
        payload = data.get("payload") or {}
        if data.get("type") != "BANK_CONNECTION_IMPORT" or not visible_to(session, user):
            continue
        bcid = payload.get("bankConnectionId")
        if data.get("status") != "COMPLETED" or bcid is None:
            continue
        if await records.get("deleted_connection", str(bcid)) is not None:
            continue
        spec = _spec(sandbox, session)
        if spec.failure is not None:
            message = spec.failure.message
            raise access_error(request, now, spec.failure.status, "BANK_SERVER_REJECTION", message)
        anchor = float(data.get("completed_at", session.created_at))
        try:
            dataset = await data_set_for(
                sandbox.store,
                f"finapi-connection-{bcid}",
                seed=spec.seed or session.id,
                anchor=anchor,
                spec=spec,
            )
        except DataUnavailable as exc:
            raise access_error(
                request, now, exc.status, "BANK_SERVER_REJECTION", str(exc)
            ) from None
        found.append(Connection(int(bcid), session, dataset))
    return sorted(found, key=lambda c: c.id)


def _update(at: float) -> dict[str, Any]:
    return {"result": "OK", "errorMessage": None, "errorType": None, "timestamp": _time(at)}


def _time(ts: float) -> str:
    """Access v1 timestamps: `yyyy-MM-dd HH:mm:ss.SSS` [DOC-2 examples]."""
    return finapi_time(ts).replace("T", " ")[:23]


def connection_body(connection: Connection) -> dict[str, Any]:
    at = connection.data.anchor
    interface = {
        "interface": "XS2A",
        "loginCredentials": [{"label": "Onlinebanking-ID", "value": "demo"}],
        "defaultTwoStepProcedureId": None,
        "twoStepProcedures": [],
        "aisConsent": {"status": "PRESENT", "expiresAt": _time(at + 90 * 86400)},
        "lastManualUpdate": _update(at),
        "lastAutoUpdate": _update(at),
        "userActionRequired": False,
        "maxDaysForDownload": 90,
    }
    owner = connection.data.owner.split(" ", 1)
    return {
        "id": connection.id,
        "bankId": connection.bank_id,
        "name": None,
        "bankingUserId": "demo",
        "bankingCustomerId": None,
        "bankingPin": None,
        "type": "DEMO",
        "updateStatus": "READY",
        "categorizationStatus": "READY",
        "lastManualUpdate": _update(at),
        "lastAutoUpdate": _update(at),
        "ibanOnlyMoneyTransferSupported": True,
        "ibanOnlyDirectDebitSupported": False,
        "collectiveMoneyTransferSupported": False,
        "defaultTwoStepProcedureId": None,
        "twoStepProcedures": [],
        "interfaces": [interface],
        "accountIds": [i for i, _ in connection.accounts()],
        "owners": [
            {
                "firstName": owner[0],
                "lastName": owner[-1],
                "salutation": None,
                "title": None,
                "email": None,
                "dateOfBirth": None,
                "postCode": None,
                "country": None,
                "city": None,
                "street": None,
                "houseNumber": None,
            }
        ],
        "bank": bank_body(connection.bank_id),
        "furtherLoginNotRecommended": False,
    }


def account_body(connection: Connection, account_id: int, account: Account) -> dict[str, Any]:
    at = _time(connection.data.anchor)
    kind, type_id = TYPES[account.kind]
    balance = round(account.booked_minor / 100, 2)
    return {
        "id": account_id,
        "bankConnectionId": connection.id,
        "accountName": account.name,
        "iban": account.iban or None,
        "accountNumber": account.iban[-10:] if account.iban else account.account_number,
        "subAccountNumber": None,
        "accountHolderName": account.owner,
        "accountHolderId": None,
        "accountCurrency": account.currency,
        "accountTypeId": type_id,
        "accountTypeName": kind,
        "accountType": kind,
        "balance": balance,
        "overdraft": round(min(0, account.booked_minor) / 100, 2),
        "overdraftLimit": round(account.credit_limit_minor / 100, 2),
        "availableFunds": round(account.available_minor / 100, 2),
        "lastSuccessfulUpdate": at,
        "lastUpdateAttempt": at,
        "isNew": False,
        "status": "UPDATED",
        "supportedOrders": ["SEPA_MONEY_TRANSFER"],
        "interfaces": [
            {
                "interface": "XS2A",
                "status": "UPDATED",
                "capabilities": ["DATA_DOWNLOAD", "SEPA_MONEY_TRANSFER"],
                "paymentCapabilities": {"sepaInstantMoneyTransfer": False},
                "lastSuccessfulUpdate": at,
                "lastUpdateAttempt": at,
            }
        ],
        "clearingAccounts": [],
        "isSeized": False,
    }
