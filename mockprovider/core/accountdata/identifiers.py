"""Believable, checksum-valid bank identifiers from a seeded random source."""

from __future__ import annotations

import random

FIRST = ("Amelia", "Oliver", "Isla", "Noah", "Ava", "Leo", "Mia", "Arthur", "Lena", "Jonas")
LAST = ("Smith", "Jones", "Taylor", "Brown", "Wilson", "Evans", "Müller", "Schmidt", "Weber")


def iban_check(country: str, bban: str) -> str:
    """The two ISO 13616 check digits for `country` + `bban`."""
    digits = "".join(str(int(c, 36)) for c in bban + country + "00")
    return f"{98 - int(digits) % 97:02d}"


def iban(country: str, bban: str) -> str:
    return country + iban_check(country, bban) + bban


def valid_iban(value: str) -> bool:
    """Whether `value` passes the ISO 13616 mod-97 check."""
    text = value[4:] + value[:4]
    return value.isalnum() and int("".join(str(int(c, 36)) for c in text)) % 97 == 1


def owner(rng: random.Random) -> str:
    return f"{rng.choice(FIRST)} {rng.choice(LAST)}"


def uk_identifiers(rng: random.Random) -> tuple[str, str, str]:
    """(IBAN, sort code, account number) of a UK account at the sandbox bank `MODL`."""
    sort_code = f"{rng.randrange(100000, 999999)}"
    number = f"{rng.randrange(10**7, 10**8)}"
    return iban("GB", "MODL" + sort_code + number), sort_code, number


def eu_iban(rng: random.Random) -> str:
    """A German IBAN (8-digit bank code, 10-digit account number)."""
    return iban("DE", f"{rng.randrange(10**7, 10**8)}{rng.randrange(10**9, 10**10)}")
