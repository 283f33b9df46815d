"""BrightCart's population: every attribute of a person is a pure function of its id.

Nothing is stored per person, so a population of twenty million costs nothing until someone is
rendered, and the same id always renders the same name, email, phone and devices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from brightcart_pipeline.simulator.catalog import (
    CITIES,
    COUNTRIES,
    EMAIL_DOMAINS,
    FIRST_NAMES,
    INTERNAL_EMAIL_DOMAIN,
    LAST_NAMES,
    PHONE_PREFIX,
    TEST_ACCOUNT_EMAIL,
)

N_INTERNAL = 6  # employees whose browsing is internal traffic
N_TEST = 4  # QA people who all place test orders with the shared test-account email
SHOPIFY_CUSTOMER_ID_BASE = 6_000_000_000_000
HUBSPOT_CONTACT_ID_BASE = 50_000


_U64 = (1 << 64) - 1


def mix(values: np.ndarray | int, salt: int) -> np.ndarray:
    """splitmix64: a fast, well-spread hash so attributes of one id are independent of each other."""
    if isinstance(values, int):  # one id: plain integers are ~20x faster than numpy scalars, same bits
        z = (values + salt * 0x9E3779B97F4A7C15) & _U64
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _U64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _U64
        return np.uint64(z ^ (z >> 31))  # type: ignore[return-value]
    with np.errstate(over="ignore"):
        z = (np.asarray(values, dtype=np.uint64) + np.uint64(salt) * np.uint64(0x9E3779B97F4A7C15))
        z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
        return z ^ (z >> np.uint64(31))


def uniform(values: np.ndarray | int, salt: int) -> np.ndarray:
    """A deterministic float in [0, 1) per id."""
    return (mix(values, salt) >> np.uint64(11)).astype(np.float64) / float(1 << 53)


def is_internal(pid: int) -> bool:
    return pid < N_INTERNAL


def is_test(pid: int) -> bool:
    return N_INTERNAL <= pid < N_INTERNAL + N_TEST


def is_special(pid: int) -> bool:
    return pid < N_INTERNAL + N_TEST


@dataclass(frozen=True)
class Person:
    """One rendered person; `email` is the address as the person usually types it."""

    pid: int
    first_name: str
    last_name: str
    email: str
    phone: str
    country: str
    city: str
    has_account: bool
    marketing_consent: bool
    ad_audience_consent: bool  # freely given consent to ad-platform audiences (HubSpot's legal basis)
    devices: int

    @property
    def shopify_customer_id(self) -> int | None:
        return SHOPIFY_CUSTOMER_ID_BASE + self.pid if self.has_account else None

    @property
    def hubspot_contact_id(self) -> int:
        return HUBSPOT_CONTACT_ID_BASE + self.pid * 3

    def client_id(self, device: int) -> str:
        """GA4 `user_pseudo_id`: random number and first-visit epoch, as gtag writes it."""
        random_part, first_visit = client_id_parts(np.array([self.pid]), np.array([device]))
        return f"{int(random_part[0])}.{int(first_visit[0])}"

    @property
    def email_local_part(self) -> str:
        return self.email.split("@", 1)[0]


def client_id_parts(pid: np.ndarray, device: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The two numbers of `Person.client_id` ("random.first_visit") for many clients at once."""
    client = pid.astype(np.uint64) * np.uint64(2) + device.astype(np.uint64)
    random_part = (mix(client, 11) % np.uint64(2_000_000_000)).astype(np.int64) + 100_000_000
    first_visit = 1_690_000_000 + (mix(client, 12) % np.uint64(60_000_000)).astype(np.int64)
    return random_part, first_visit


def has_accounts(pid: np.ndarray) -> np.ndarray:
    """`Person.has_account` for many people at once."""
    return (uniform(pid, 6) < 0.55) & ~((pid >= N_INTERNAL) & (pid < N_INTERNAL + N_TEST))


def person(pid: int) -> Person:
    """Render person `pid`."""
    first = FIRST_NAMES[int(mix(pid, 1) % np.uint64(len(FIRST_NAMES)))]
    last = LAST_NAMES[int(mix(pid, 2) % np.uint64(len(LAST_NAMES)))]
    country = COUNTRIES[int(mix(pid, 3) % np.uint64(len(COUNTRIES)))]
    if is_internal(pid):
        email = f"{first.lower()}.{last.lower()}@{INTERNAL_EMAIL_DOMAIN}"
        country = "US"
    elif is_test(pid):
        email = TEST_ACCOUNT_EMAIL
        country = "US"
    else:
        domain = EMAIL_DOMAINS[int(mix(pid, 4) % np.uint64(len(EMAIL_DOMAINS)))]
        email = f"{first.lower()}.{last.lower()}{pid}@{domain}"
    phone = f"{PHONE_PREFIX[country]}{int(mix(pid, 5) % np.uint64(10_000)):04d}"
    return Person(
        pid=pid,
        first_name=first,
        last_name=last,
        email=email,
        phone=phone,
        country=country,
        city=CITIES[country],
        has_account=bool(has_accounts(np.array([pid]))[0]),
        marketing_consent=bool(uniform(pid, 7) < 0.62),
        ad_audience_consent=bool(uniform(pid, 7) < 0.62) and bool(uniform(pid, 9) < 0.8),
        devices=1 + int(uniform(pid, 8) < 0.35),
    )


def email_variant(p: Person, variant: int) -> str:
    """How a person's email shows up in one record: case, plus-tags, gmail dots, stray spaces."""
    if is_special(p.pid):
        return p.email
    local, domain = p.email.split("@", 1)
    match variant % 6:
        case 1:
            return f"{local.title()}@{domain.title()}"
        case 2:
            return f"{local}+shop@{domain}"
        case 3 if domain == "gmail.com":
            return f"{local.replace('.', '')}@{domain}"
        case 4:
            return f"  {local.upper()}@{domain} "
        case _:
            return p.email


def canonical_email(email: str) -> str:
    """The matching form: trimmed, lower-cased, plus-tag stripped, gmail dots removed."""
    local, _, domain = email.strip().lower().partition("@")
    local = local.split("+", 1)[0]
    if domain in ("gmail.com", "googlemail.com"):
        local = local.replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"
