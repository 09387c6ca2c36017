"""Kinds of personal data, their placeholder labels, and the customer's known identifiers."""

from __future__ import annotations

from dataclasses import dataclass

PERSON = "PERSON"
EMAIL = "EMAIL_ADDRESS"
PHONE = "PHONE_NUMBER"
CARD = "CREDIT_CARD"
IBAN = "IBAN_CODE"
SSN = "US_SSN"
NATIONAL_ID = "NATIONAL_ID"  # identity and tax numbers of other countries (DNI, NIR, BSN, ...)
DRIVER_LICENSE = "US_DRIVER_LICENSE"
ADDRESS = "STREET_ADDRESS"
ZIP = "ZIP_CODE"
IP = "IP_ADDRESS"
SECRET = "SECRET"  # noqa: S105 (a kind name, not a password)
CUSTOMER_ID = "CUSTOMER_ID"
WEAK_ADDRESS = "WEAK_ADDRESS"  # rest of a sentence after "address is": loses to names

SECRET_KINDS = frozenset({CARD, IBAN, SSN, NATIONAL_ID, DRIVER_LICENSE, SECRET, CUSTOMER_ID})
CONTACT_KINDS = frozenset({PERSON, EMAIL, PHONE, ADDRESS, ZIP, IP})
ALL = SECRET_KINDS | CONTACT_KINDS

LABELS = {
    PERSON: "PERSON", EMAIL: "EMAIL", PHONE: "PHONE", CARD: "CARD", IBAN: "IBAN",
    SSN: "NATIONAL_ID", NATIONAL_ID: "NATIONAL_ID", DRIVER_LICENSE: "DRIVER_LICENSE",
    ADDRESS: "ADDRESS", ZIP: "POSTCODE", IP: "IP", SECRET: "SECRET", CUSTOMER_ID: "ID",
    WEAK_ADDRESS: "ADDRESS",
}  # fmt: skip

# Higher wins when two detections overlap (checksummed and record-based first).
PRIORITY = {
    CUSTOMER_ID: 100, SECRET: 95, EMAIL: 90, IBAN: 85, CARD: 80, SSN: 75, NATIONAL_ID: 75,
    IP: 70, DRIVER_LICENSE: 65, PHONE: 60, ZIP: 50, ADDRESS: 45, PERSON: 40, WEAK_ADDRESS: 30,
}  # fmt: skip


@dataclass(frozen=True)
class KnownIdentifiers:
    """What the customer's own record says about them: always masked."""

    names: tuple[str, ...] = ()
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()
