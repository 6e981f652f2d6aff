from __future__ import annotations

from typing import Any

import pytest

from mockprovider.core.tokens import Purpose, TokenSigner
from mockprovider.errors import Forbidden

SECRET = "test-secret-key"
VALUES: list[Any] = ["3f0c-session", ["3f0c-session", "nonce-1"], {"a": 1}, 0, ""]


@pytest.mark.parametrize("purpose", list(Purpose))
@pytest.mark.parametrize("value", VALUES, ids=repr)
def test_signed_value_verifies_for_its_purpose(purpose: Purpose, value: Any) -> None:
    signer = TokenSigner(SECRET)
    token = signer.sign(purpose, value)

    assert isinstance(token, str)
    assert signer.verify(purpose, token) == value


@pytest.mark.parametrize(
    ("signed_for", "checked_for"),
    [(Purpose.HOSTED_PAGE, Purpose.OUTCOME_FORM), (Purpose.OUTCOME_FORM, Purpose.HOSTED_PAGE)],
)
def test_token_of_one_purpose_is_forbidden_for_another(
    signed_for: Purpose, checked_for: Purpose
) -> None:
    signer = TokenSigner(SECRET)
    token = signer.sign(signed_for, "sess_1")

    with pytest.raises(Forbidden, match="bad token"):
        signer.verify(checked_for, token)


def _flip_last_char(token: str) -> str:
    return token[:-1] + ("A" if token[-1] != "A" else "B")


def _swap_payload(token: str) -> str:
    payload, _, signature = token.rpartition(".")
    other = TokenSigner(SECRET).sign(Purpose.HOSTED_PAGE, "sess_2").rpartition(".")[0]
    assert other != payload
    return f"{other}.{signature}"


@pytest.mark.parametrize(
    "tamper",
    [
        _flip_last_char,
        _swap_payload,
        lambda t: t.rpartition(".")[0],  # signature removed
        lambda t: t + "x",
        lambda t: "",
        lambda t: "not-a-token",
    ],
    ids=["flipped-signature", "swapped-payload", "no-signature", "extra-char", "empty", "junk"],
)
def test_tampered_or_forged_token_is_forbidden(tamper: Any) -> None:
    signer = TokenSigner(SECRET)
    token = signer.sign(Purpose.HOSTED_PAGE, "sess_1")

    with pytest.raises(Forbidden):
        signer.verify(Purpose.HOSTED_PAGE, tamper(token))


def test_token_from_another_secret_is_forbidden() -> None:
    token = TokenSigner("another-secret").sign(Purpose.HOSTED_PAGE, "sess_1")

    with pytest.raises(Forbidden):
        TokenSigner(SECRET).verify(Purpose.HOSTED_PAGE, token)


def test_same_secret_in_a_new_signer_verifies() -> None:
    """Tokens survive a restart (the secret is kept in the store, the signer is rebuilt)."""
    token = TokenSigner(SECRET).sign(Purpose.OUTCOME_FORM, ["sess_1", "n"])
    assert TokenSigner(SECRET).verify(Purpose.OUTCOME_FORM, token) == ["sess_1", "n"]


def test_a_token_verified_before_still_gives_a_fresh_value_and_its_forgeries_still_fail() -> None:
    signer = TokenSigner(SECRET)
    token = signer.sign(Purpose.OUTCOME_FORM, ["sess_1", "nonce-1"])
    first = signer.verify(Purpose.OUTCOME_FORM, token)
    first.append("changed by a caller")

    assert signer.verify(Purpose.OUTCOME_FORM, token) == ["sess_1", "nonce-1"]
    with pytest.raises(Forbidden, match="bad token"):
        signer.verify(Purpose.OUTCOME_FORM, _flip_last_char(token))
    with pytest.raises(Forbidden, match="bad token"):
        signer.verify(Purpose.HOSTED_PAGE, token)
    with pytest.raises(Forbidden, match="bad token"):
        TokenSigner("another-secret").verify(Purpose.OUTCOME_FORM, token)
