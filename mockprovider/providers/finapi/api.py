"""Every finAPI API route, mounted under `/finapi`: Access's token and user endpoints and the Web
Form 2.0 API (spec §2.2, §2.3); the web form page is in `pages.py`."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from mockprovider.providers.finapi import (
    accounts,
    auth,
    balances,
    banks,
    customisation,
    listing,
    payments,
    tasks,
    transactions,
    users,
    webforms,
)


def routes() -> list[BaseRoute]:
    """The API operations the sandbox imitates."""
    create = webforms.create_route
    return [
        Route("/api/v2/oauth/token", auth.token, methods=["POST"]),
        Route("/oauth/token", auth.token, methods=["POST"]),
        Route("/api/v2/users", auth.create_user, methods=["POST"]),
        Route("/api/v1/users", users.get_user, methods=["GET"]),
        Route("/api/v1/users", users.patch_user, methods=["PATCH"]),
        Route("/api/v1/users", users.delete_user, methods=["DELETE"]),
        Route("/api/v1/banks", banks.list_banks, methods=["GET"]),
        Route("/api/v1/banks/{ids}", banks.get_banks, methods=["GET"]),
        Route("/api/v1/bankConnections", accounts.list_connections, methods=["GET"]),
        Route("/api/v1/bankConnections/{ids}", accounts.get_connections, methods=["GET"]),
        Route("/api/v1/bankConnections/{ids}", accounts.delete_connection, methods=["DELETE"]),
        Route("/api/v1/accounts", accounts.list_accounts, methods=["GET"]),
        Route("/api/v1/accounts/dailyBalances", balances.daily_balances, methods=["GET"]),
        Route("/api/v1/accounts/{ids}", accounts.get_accounts, methods=["GET"]),
        Route("/api/v1/transactions", transactions.list_transactions, methods=["GET"]),
        Route("/api/v1/transactions/{ids}", transactions.get_transactions, methods=["GET"]),
        Route("/api/v1/payments", payments.list_payments, methods=["GET"]),
        Route("/api/profiles", customisation.list_profiles, methods=["GET"]),
        Route("/api/profiles/{id}", customisation.get_one, methods=["GET"]),
        Route("/api/translations", customisation.list_translations, methods=["GET"]),
        Route("/api/translations/{id}", customisation.get_one, methods=["GET"]),
        Route(
            "/api/webForms/bankConnectionImport", create("BANK_CONNECTION_IMPORT"), methods=["POST"]
        ),
        Route("/api/webForms/standalonePayment", create("STANDALONE_PAYMENT"), methods=["POST"]),
        Route(
            "/api/webForms/paymentWithAccountId",
            create("PAYMENT_WITH_ACCOUNT_ID"),
            methods=["POST"],
        ),
        Route("/api/webForms", listing.list_webforms, methods=["GET"]),
        Route("/api/webForms/{id}", webforms.get_webform, methods=["GET"]),
        Route("/api/webForms/{id}", webforms.delete_webform, methods=["DELETE"]),
        Route("/api/tasks/backgroundUpdate", tasks.background_update, methods=["POST"]),
        Route("/api/tasks", listing.list_tasks, methods=["GET"]),
        Route("/api/tasks/{id}", tasks.get_task, methods=["GET"]),
    ]
