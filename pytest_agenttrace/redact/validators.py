"""Checksums and plausibility checks that turn a pattern's candidate into a finding.

A pattern alone cannot tell a card number from a 16-digit order id, or an IBAN from a product code that
happens to start with two letters and two digits. The checksums these formats carry (Luhn, ISO 7064
mod 97) can, and they cost a few microseconds on the rare candidate that reaches them. Everything here is
a pure function of the candidate text so it can be tested on its own.
"""

from __future__ import annotations

import ipaddress

__all__ = [
    "card_number_valid",
    "digit_count",
    "iban_valid",
    "ip_is_public",
    "ip_valid",
    "luhn_valid",
    "phone_field_valid",
    "phone_valid",
]

_DIGITS = frozenset("0123456789")


def digit_count(text: str) -> int:
    """How many ASCII digits ``text`` holds."""
    return sum(1 for ch in text if ch in _DIGITS)


def luhn_valid(digits: str) -> bool:
    """The Luhn (mod 10) check every payment card number passes and ~90% of random numbers fail."""
    if not digits or not digits.isdigit():
        return False
    total = 0
    for index, ch in enumerate(reversed(digits)):
        value = ord(ch) - 48
        if index % 2:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


# Issuer prefixes of the card networks in use (Visa, Mastercard, Amex, Discover, JCB, Diners, UnionPay,
# Maestro, Mir). A Luhn-valid number that starts with anything else is far more likely an id.
_CARD_PREFIXES = ("4", "5", "34", "37", "36", "30", "38", "39", "35", "6", "2")


def card_number_valid(candidate: str) -> bool:
    """A payment card number: 13-19 digits, one kind of separator at most, a known network, Luhn-valid."""
    separators = {ch for ch in candidate if ch in " -"}
    if len(separators) > 1:
        return False
    digits = candidate.replace(" ", "").replace("-", "")
    if not 13 <= len(digits) <= 19 or not digits.isdigit():
        return False
    if not digits.startswith(_CARD_PREFIXES):
        return False
    if digits[0] == "2" and not 2221 <= int(digits[:4]) <= 2720:  # Mastercard's 2-series only
        return False
    if len(set(digits)) == 1:  # 4444 4444 4444 4444 passes Luhn but is a placeholder, not a card
        return False
    return luhn_valid(digits)


# Length of the IBAN of each country that issues them (ISO 13616 registry).
_IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22, "BR": 29,
    "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DK": 18, "DO": 28, "EE": 20, "EG": 29,
    "ES": 24, "FI": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28,
    "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20,
    "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "MC": 27, "MD": 24, "ME": 22, "MK": 19,
    "MR": 27, "MT": 31, "MU": 30, "NL": 18, "NO": 15, "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29,
    "RO": 24, "RS": 22, "SA": 24, "SC": 31, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}  # fmt: skip


def iban_valid(candidate: str) -> bool:
    """An IBAN of a registered country, of that country's length, passing the ISO 7064 mod-97 check."""
    iban = candidate.replace(" ", "")
    if _IBAN_LENGTHS.get(iban[:2]) != len(iban) or not iban.isalnum() or not iban.isascii():
        return False
    rearranged = iban[4:] + iban[:4]
    number = "".join(str(int(ch, 36)) for ch in rearranged)
    return int(number) % 97 == 1


def phone_valid(candidate: str, *, international: bool) -> bool:
    """A plausible phone number: E.164 allows 15 digits at most; a national number has 9 at least."""
    count = digit_count(candidate)
    low = 8 if international else 9
    return low <= count <= 15


_PHONE_CHARS = frozenset("0123456789+()-./ ")


def phone_field_valid(candidate: str) -> bool:
    """A value stored under a phone-named key (``"mobile": "555 1234567"``) that reads as a phone number.

    The key says what it is, so bare digits count (``5551234567``); the value must hold only the
    characters numbers are written with, and 7 to 15 digits (a local number to E.164's maximum), so
    ``"phone": "n/a"`` or ``"phone_verified": "2026-01-02"`` stay.
    """
    text = candidate.strip()
    if not text or not all(ch in _PHONE_CHARS for ch in text) or text.count("+") > 1:
        return False
    if text.count("-") == 2 and len(text) == 10 and text[4] == "-":  # a date, 2026-01-02
        return False
    return 7 <= digit_count(text) <= 15


_LOCAL_V4 = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
)
_LOCAL_V6 = tuple(
    ipaddress.ip_network(net) for net in ("::/128", "::1/128", "fe80::/10", "fc00::/7", "ff00::/8")
)


def ip_valid(candidate: str) -> bool:
    """Whether ``candidate`` parses as an IPv4 or IPv6 address."""
    try:
        ipaddress.ip_address(candidate)
    except ValueError:
        return False
    return True


def ip_is_public(candidate: str) -> bool:
    """True for an address that may identify a person or a host on the internet.

    Private (RFC 1918, ULA), loopback, link-local, CGNAT, multicast and unspecified addresses are the
    infrastructure's own and say nothing about a customer. The documentation ranges (192.0.2.0/24, ...)
    count as public on purpose: they are what examples and tests plant as "someone's address".
    """
    try:
        address = ipaddress.ip_address(candidate)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv4Address):
        return not any(address in net for net in _LOCAL_V4)
    if address.ipv4_mapped is not None:
        return ip_is_public(str(address.ipv4_mapped))
    return not any(address in net for net in _LOCAL_V6)
