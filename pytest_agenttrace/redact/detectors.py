r"""The built-in detectors: what each finds, the placeholder it leaves, and how a candidate is confirmed.

Why our own patterns rather than a detection library: the candidates on PyPI either scan line by line
with one regular expression per plugin and a Python loop over plugins (detect-secrets), or pull in an NLP
stack (presidio), or validate phone numbers with megabytes of metadata at microseconds per candidate
(phonenumbers). Redaction runs on every string of every imported trace, so the detectors here are plain
regular expressions, combined into **one alternation** that the regex engine runs over each string once,
plus a cheap validator (checksum, digit count, address range) on the rare candidate.

Rules every pattern follows, because they keep the scan linear and the output valid:

* A pattern starts with a negative look-behind for the characters its token is made of, so the engine
  only tries it at the start of a run, never again in the middle of the same run (no quadratic rescans of
  long base64 blobs or digit strings). Patterns of the ``digit`` family start with the digit that anchors
  them (``[0-9]``, never ``\\d``, which also matches other scripts' digits and is slower) and look behind
  it for what comes before (the ``+`` of ``+44``, the letters of an IBAN; ``lead`` says how many), so the
  scanner can join them behind one shared ``[0-9]`` that the engine skips to quickly.
* Repetitions are possessive (``++``, ``{m,n}+``) where giving characters back could only produce a worse
  match, so a failed candidate costs one pass over it.
* What is replaced contains no quote or backslash, so a secret inside JSON text nested in a string (a tool
  call's ``arguments``) is replaced and the nested JSON stays valid. Where a pattern has a group named
  ``v``, only that group is replaced (``Bearer <BEARER_TOKEN_1>``,
  ``postgres://app:<PASSWORD_1>@db:5432``), so the context that makes the text readable stays.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from .placeholders import is_masked
from .validators import card_number_valid, iban_valid, phone_field_valid, phone_valid

__all__ = ["DETECTORS", "FIELD_DETECTORS", "Alternative", "Detector", "detector_names", "field_detector"]

Validator = Callable[[str], bool]


@dataclass(frozen=True)
class Alternative:
    """One pattern of a detector; ``validator`` confirms the value (the ``v`` group, or the whole match)."""

    pattern: str
    validator: Validator | None = None
    family: str = "key"  # which gated pass of the scanner runs it: key, at, digit, ipv6
    lead: int = 0  # digit family: characters of the match before the anchoring digit (`+` of `+44`)
    shrink: bool = False  # on rejection, retry without trailing groups ("+44 20 7946 0958 1000 items")
    before: str | None = None  # a candidate preceded by text matching this (ending with \Z) is rejected
    relabel: bool = False  # a token found by this one counts as its own kind (an sk- key under "api_key")
    escaped: bool = False  # `v` is a whole JSON string's content, escapes included: never trimmed


@dataclass(frozen=True)
class Detector:
    """A named kind of secret or personal data.

    ``name`` is what ``source.redaction.counts``, ``agenttrace scan`` and ``disable = [...]`` use;
    ``label`` is the placeholder's stem (``EMAIL`` -> ``<EMAIL_1>``).
    """

    name: str
    label: str
    summary: str
    alternatives: tuple[Alternative, ...]
    secret: bool = True  # a credential (vs personal data); used for documentation and reporting


def _has_digit(value: str) -> bool:
    return any(ch.isdigit() for ch in value)


def _random_looking(value: str) -> bool:
    """Keys and tokens are random: a digit, or both cases. A long hyphenated slug is neither."""
    return _has_digit(value) or (any(ch.isupper() for ch in value) and any(ch.islower() for ch in value))


_NOT_SECRETS = frozenset({"null", "none", "true", "false", "undefined", "required", "string", "optional"})


def _password_value(value: str) -> bool:
    return (
        value.lower() not in _NOT_SECRETS
        and not value.startswith(("/", "~", "$", "%"))
        and any(ch.isalnum() for ch in value)
    )


def _aws_secret(value: str) -> bool:
    return any(ch.isupper() for ch in value) and any(ch.islower() for ch in value)


def _phone_international(value: str) -> bool:
    return phone_valid(value, international=True)


def _phone_national(value: str) -> bool:
    return phone_valid(value, international=False)


def _ipv6_plausible(value: str) -> bool:
    """An address, not C++ (``std::vector``) or words (``cafe::1``, ``abc::def``, ``a::b``).

    Hex words joined by ``::`` are valid IPv6 syntax, so the pattern alone cannot tell them apart. A real
    address written in text has three groups or more (``2001:db8::1``), or starts with a global unicast
    prefix written in full (``2a00::1``, four hex digits from 2000 to 3fff).
    """
    groups = [group for group in value.split(":") if group]
    if len(groups) >= 3:
        return True
    first = groups[0] if groups else ""
    return len(groups) == 2 and not value.startswith(":") and len(first) == 4 and first[0] in "23"


def _field_value(value: str) -> bool:
    """A value under a secret-named key in nested JSON text: anything not already masked."""
    return not is_masked(value)


def _query_value(value: str) -> bool:
    return len(value) >= 4 and _password_value(value) and not is_masked(value)


# Look-behinds: a token starts where the characters it is made of start.
_KEYCHARS = r"(?<![A-Za-z0-9_-])"
# Separator between a key name and its value in `k=v`, `k: v`, `"k": "v"` and JSON nested in a string.
_ASSIGN = r"""[\s"'\\]{0,4}[:=]{1,2}>?[\s"'\\]{0,4}"""
_NUM_END = r"(?![A-Za-z0-9_]|[.,:/-][0-9])"
# A quoted key in JSON text nested in a string (at any escaping level: `"k"`, `\"k\"`, `\\\"k\\\"`), its
# colon and a string value, the value being `v` (after an HTTP auth scheme, which is kept); the key's dotted
# prefix (`http.request.header.`) is allowed.
_JSON_KEY = r'"(?:[A-Za-z0-9_.-]{0,120}\.)?'


def _json_value(q: str) -> str:
    r"""The colon and string value after a quoted key, the value's content (escapes and all) being ``v``.

    The text may be JSON nested ``k`` levels deep, where its own quotes are preceded by ``d = 2**k - 1``
    backslashes (captured as group ``q``, from the key's closing quote) and each backslash of the
    innermost string by ``2**k``. So the value ends at the first quote preceded by ``d + m * (2d + 2)``
    backslashes (an even number of innermost ones); any other quote (``\"``, ``\\\"``), and ``\n``,
    ``\\``, ``\u00e9``, is content, and the whole value is replaced, leaving the nested JSON valid.
    """
    chunk = rf"(?P={q})(?P={q})\\\\"  # one innermost backslash pair (`\\`), at this level
    close = rf'(?:{chunk})*+(?P={q})"'
    return (
        rf'(?P<{q}>\\{{0,7}})"\s*:\s*(?P={q})"(?:(?i:bearer|basic|token|digest)\s++)?'
        rf'(?P<v>(?:[^"\\]++|\\++(?!")|(?!{close})\\++"|(?:{chunk})++(?=(?P={q})")){{1,4096}}+){close}'
    )


# An e-mail's domain. Its last label is not a file extension that no top-level domain is spelled like
# (checked against the public suffix list), so an address written in a file name keeps the name's suffix:
# `alice@example.com.trace.json` is `alice@example.com` then `.trace.json`, not one long domain.
_FILE_EXTENSIONS = (
    "json|jsonl|ndjson|gz|zst|xz|otlp|trace|runs|agents|log|logs|txt|yaml|yml|csv|tsv|toml|tmp|bak"
)
_EMAIL_DOMAIN = (
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"(?!(?i:" + _FILE_EXTENSIONS + r")(?![A-Za-z0-9]))[A-Za-z]{2,24}(?![A-Za-z0-9]|-[A-Za-z0-9-]*\.[A-Za-z])"
)


def _names(*names: str) -> str:
    """Key names as a case-insensitive alternation, with `-` and `_` read alike (`x-api-key`, `x_api_key`)."""
    ordered = sorted(names, key=len, reverse=True)  # the longest first: `api_key` before `key`
    return "(?i:" + "|".join(re.escape(n).replace("_", "[_-]") for n in ordered) + ")"


# Object keys whose values are secrets whatever they look like. Matched on the key's last dotted
# segment, lower-cased, with `-` read as `_`, so `http.request.header.x-api-key` is `x_api_key`.
_PASSWORD_KEYS = ("password", "passwd", "passphrase")  # not "pwd": that is usually a folder
_AWS_SECRET_KEYS = frozenset({"aws_secret_access_key", "aws_secret_key", "secret_access_key"})
_SECRET_KEYS = frozenset(
    {
        "secret",
        "client_secret",
        "secret_key",
        "api_key",
        "apikey",
        "x_api_key",
        "api_token",
        "access_token",
        "refresh_token",
        "id_token",
        "auth_token",
        "session_token",
        "x_auth_token",
        "private_key",
        "authorization",
        "proxy_authorization",
        "cookie",
        "set_cookie",
        "token",
    }
)
# URL query parameters that carry credentials (OAuth tokens, API keys, signatures of signed URLs).
_QUERY_KEYS = (
    "token",
    "access_token",
    "refresh_token",
    "id_token",
    "auth_token",
    "api_key",
    "apikey",
    "key",
    "sig",
    "signature",
    "x-amz-signature",
    "x-amz-security-token",
    "x-amz-credential",
    "x-goog-signature",
    "x-goog-credential",
    "client_secret",
    "secret",
    "password",
    "passwd",
)
# Keys whose values are phone numbers when they look like one (digits and `+ ( ) - . /` and spaces).
_PHONE_KEYS = frozenset(
    {"mobile", "cell", "cellphone", "tel", "telephone", "fax", "msisdn", "mobile_number", "phone_number"}
)

DETECTORS: tuple[Detector, ...] = (
    Detector(
        "private_key",
        "PRIVATE_KEY",
        "PEM private key blocks (RSA, EC, OpenSSH, PGP, PKCS#8), also truncated ones",
        (
            Alternative(
                r"-----BEGIN[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----"
                r"(?:(?s:.*?)-----END[A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----|[A-Za-z0-9+/=\s\\:,.-]*+)"
            ),
        ),
    ),
    Detector(
        "anthropic_key",
        "ANTHROPIC_KEY",
        "Anthropic API keys (`sk-ant-...`)",
        (Alternative(_KEYCHARS + r"sk-ant-[A-Za-z0-9_-]{20,}+", _random_looking),),
    ),
    Detector(
        "openai_key",
        "OPENAI_KEY",
        "OpenAI API keys (`sk-...`, `sk-proj-...`, `sk-svcacct-...`, `sk-admin-...`)",
        (Alternative(_KEYCHARS + r"sk-(?!ant-)[A-Za-z0-9_-]{20,}+", _random_looking),),
    ),
    Detector(
        "aws_access_key_id",
        "AWS_ACCESS_KEY_ID",
        "AWS access key ids (`AKIA...` long-term, `ASIA...` temporary)",
        (
            Alternative(
                r"(?<![A-Za-z0-9])(?:AKIA|ASIA)"
                r"[A-Z0-9]{16}(?![A-Za-z0-9])"
            ),
        ),
    ),
    Detector(
        "aws_secret_key",
        "AWS_SECRET_KEY",
        "AWS secret access keys, recognised by the name they are assigned to",
        (
            Alternative(
                r"(?<![A-Za-z0-9])(?i:aws_?secret_?(?:access_?)?key|secret_?access_?key)"
                + _ASSIGN
                + r"(?P<v>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=])",
                _aws_secret,
            ),
        ),
    ),
    Detector(
        "google_api_key",
        "GOOGLE_API_KEY",
        "Google API keys (`AIza...`)",
        (Alternative(_KEYCHARS + r"AIza[0-9A-Za-z_-]{35}(?![A-Za-z0-9_-])"),),
    ),
    Detector(
        "github_token",
        "GITHUB_TOKEN",
        "GitHub tokens (`ghp_`, `gho_`, `ghu_`, `ghs_`, `ghr_`, `github_pat_`)",
        (
            Alternative(
                r"(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,255}+|github_pat_[A-Za-z0-9_]{22,255}+)"
                r"(?![A-Za-z0-9_])"
            ),
        ),
    ),
    Detector(
        "slack_token",
        "SLACK_TOKEN",
        "Slack tokens (`xoxb-`, `xoxp-`, `xoxa-`, `xoxr-`, `xoxs-`)",
        (Alternative(_KEYCHARS + r"xox[abprs]-[A-Za-z0-9-]{10,}+", _has_digit),),
    ),
    Detector(
        "stripe_key",
        "STRIPE_KEY",
        "Stripe secret and restricted keys (`sk_live_`, `rk_live_`, `sk_test_`, `rk_test_`) and webhook secrets",
        (
            Alternative(
                r"(?<![A-Za-z0-9_])(?:(?:sk|rk)_(?:live|test)_[0-9A-Za-z]{16,}+|whsec_[0-9A-Za-z]{24,}+)"
            ),
        ),
    ),
    Detector(
        "jwt",
        "JWT",
        "JSON Web Tokens (`eyJ...`.`eyJ...`.signature)",
        (Alternative(_KEYCHARS + r"eyJ[A-Za-z0-9_-]{5,}+\.eyJ[A-Za-z0-9_-]{5,}+\.[A-Za-z0-9_-]*+"),),
    ),
    Detector(
        "bearer_token",
        "BEARER_TOKEN",
        "credentials after `Bearer` and in `Authorization: Basic|Token ...` headers (the scheme is kept)",
        (
            Alternative(
                r"(?<![A-Za-z0-9_-])(?i:bearer)\s++(?P<v>[A-Za-z0-9._~+/-]{16,}+=*+)",
                _random_looking,
            ),
            Alternative(
                r"(?<![A-Za-z0-9_-])(?i:(?:proxy-)?authorization)"
                + _ASSIGN
                + r"(?i:basic|token|digest)\s++(?P<v>[A-Za-z0-9._~+/-]{8,}+=*+)",
                _random_looking,
            ),
        ),
    ),
    Detector(
        "password",
        "PASSWORD",
        "passwords in URLs (`scheme://user:PASSWORD@host`) and in `password=`/`pwd=` settings and "
        "connection strings (the rest is kept)",
        (
            Alternative(
                r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{1,30}+:(?:\\?/){2}"
                r"""[^\s:/?#@"'\\<>]{0,128}+:(?P<v>[^\s/?#@"'\\<>]{1,256}+)@""",
                _password_value,
                family="at",
            ),
            Alternative(
                r"(?<![A-Za-z0-9_])(?i:password|passwd|pwd)(?![A-Za-z0-9_])"
                + _ASSIGN
                + r"""(?P<v>[^\s;,&"'\\<>{}\[\]()]{3,256}+)""",
                _password_value,
            ),
            # `"db_password": "two words"` in JSON text nested in a string: the whole value, as for a key
            # of the document itself (see field_detector)
            Alternative(
                r'"[A-Za-z0-9_.-]{0,120}' + _names(*_PASSWORD_KEYS) + _json_value("pw_q"),
                _field_value,
                relabel=True,
                escaped=True,
            ),
        ),
    ),
    Detector(
        "secret",
        "SECRET",
        "values assigned to secret-named keys in text (`api_key=`, `client_secret:`, `access_token=`, ...) "
        "and, in JSON objects, the values of keys named like a secret (see FIELD_DETECTORS)",
        (
            Alternative(
                r"(?<![A-Za-z0-9_-])(?i:client_secret|api_key|apikey|x-api-key|secret_key|access_token"
                r"|refresh_token|auth_token|session_token)(?![A-Za-z0-9_-])"
                + _ASSIGN
                + r"(?P<v>[A-Za-z0-9._~+/=-]{8,256}+)",
                _has_digit,
            ),
            Alternative(
                _JSON_KEY + _names(*_SECRET_KEYS, *_AWS_SECRET_KEYS) + _json_value("secret_q"),
                _field_value,
                relabel=True,
                escaped=True,
            ),
            # HTTP headers written out as text: `Cookie: a=b; c=d`, `X-Api-Key: ...`
            Alternative(
                r"(?<![A-Za-z0-9_-])(?i:set-cookie|cookie)[ \t]*+:[ \t]*+"
                r"""(?P<v>[^\s=;"'\\]{1,256}+=[^\r\n"\\]{1,4096}+)""",
                _field_value,
            ),
            Alternative(
                r"(?<![A-Za-z0-9_-])(?i:x-api-key|api-key|x-auth-token|x-access-token)[ \t]*+:[ \t]*+"
                r"(?P<v>[A-Za-z0-9._~+/=-]{8,256}+)",
                _query_value,
            ),
            # URL query parameters: `?token=...`, `&access_token=...`, `&sig=...` (signed URLs)
            Alternative(
                r"[?&](?:amp;)?" + _names(*_QUERY_KEYS) + r"""=(?P<v>[^&#\s"'\\<>]{1,2048}+)""",
                _query_value,
            ),
        ),
    ),
    Detector(
        "email",
        "EMAIL",
        "e-mail addresses",
        (
            Alternative(
                r"(?<![A-Za-z0-9._%+-])[A-Za-z0-9][A-Za-z0-9._%+-]{0,63}+@" + _EMAIL_DOMAIN,
                family="at",
            ),
            # percent-encoded in a URL or form body: `jane%40example.com`, `bob%2Bbilling%40example.com`
            Alternative(
                r"(?:(?<=%[0-9A-Fa-f]{2})|(?<![A-Za-z0-9._%+-]))[A-Za-z0-9](?:[A-Za-z0-9._+-]|%2[Bb])"
                r"{0,63}+%40" + _EMAIL_DOMAIN,
                family="at",
            ),
        ),
        secret=False,
    ),
    Detector(
        "card_number",
        "CARD_NUMBER",
        "payment card numbers: 13-19 digits, a card network's prefix, Luhn-valid",
        (
            Alternative(
                # contiguous 13-19 digits, or grouped 4-4-4-4 / 4-6-5 (Amex) with one kind of separator;
                # the groups are explicit so "4111 1111 1111 1111 2 items" still ends after the card
                r"[0-9](?<=(?<![A-Za-z0-9_.+/-])[2-6])(?:[0-9]{12,18}+|[0-9]{3}(?P<card_sep>[ -])"
                r"(?:[0-9]{6}(?P=card_sep)[0-9]{5}|[0-9]{4}(?P=card_sep)[0-9]{4}(?P=card_sep)[0-9]{4}))"
                # or a float with no fraction, as a producer that writes every number as a double does
                r"(?:(?=\.0++(?![0-9A-Za-z_.]))|" + _NUM_END + ")",
                card_number_valid,
                "digit",
            ),
        ),
        secret=False,
    ),
    Detector(
        "iban",
        "IBAN",
        "international bank account numbers, checked with the ISO 7064 mod-97 checksum",
        (
            Alternative(
                r"[0-9](?<=(?<![A-Za-z0-9])[A-Z]{2}[0-9])[0-9](?: ?[A-Z0-9]{4}){2,7}+(?: ?[A-Z0-9]{1,4})?"
                r"(?![A-Za-z0-9])",
                iban_valid,
                "digit",
                lead=2,
            ),
        ),
        secret=False,
    ),
    Detector(
        "phone",
        "PHONE",
        "phone numbers: international (`+44 20 7946 0958`, `+1 (555) 123-4567`, `+15551234567`) and "
        "national with separators (`(555) 123-4567`, `555-123-4567`, `020 7946 0958`, `06 12 34 56 78`)",
        (
            Alternative(
                r"[0-9](?<=(?<![A-Za-z0-9+/_.-])\+[1-9])[0-9]{0,3}(?:[ .-]?\([0-9]{1,4}\))?"
                r"(?:[ .-]?[0-9]{1,5}+){1,5}" + _NUM_END,
                _phone_international,
                "digit",
                lead=1,
                shrink=True,
            ),
            Alternative(
                r"[0-9](?<=(?<![A-Za-z0-9+_./#-])\([0-9])[0-9]{2}\) ?[0-9]{3}[-. ][0-9]{4}" + _NUM_END,
                _phone_national,
                "digit",
                lead=1,
            ),
            # North American 1-800-555-0199, 1 800 555 0199: one kind of separator throughout
            Alternative(
                r"[0-9](?<=(?<![A-Za-z0-9+_./:#-])1)(?P<ph_sep1>[ .-])[2-9][0-9]{2}(?P=ph_sep1)[0-9]{3}"
                r"(?P=ph_sep1)[0-9]{4}" + _NUM_END,
                _phone_national,
                "digit",
            ),
            # 555-123-4567, 555 123 4567, 555.123.4567: one kind of separator throughout
            Alternative(
                r"[0-9](?<![A-Za-z0-9+_./:#-][0-9])[0-9]{2}(?P<ph_sep>[ .-])[0-9]{3}(?P=ph_sep)[0-9]{4}"
                + _NUM_END,
                _phone_national,
                "digit",
            ),
            Alternative(
                r"[0-9](?<=(?<![A-Za-z0-9+_./:#-])\(0)[0-9]{1,4}\)(?:[ /-][0-9]{2,8}+){1,4}" + _NUM_END,
                _phone_national,
                "digit",
                lead=1,
                shrink=True,
            ),
            Alternative(
                r"[0-9](?<=(?<![A-Za-z0-9+_./:#-])0)[0-9]{1,4}(?:[ /-][0-9]{2,8}+){1,4}" + _NUM_END,
                _phone_national,
                "digit",
                shrink=True,
            ),
            # `"mobile": 5551234567` or `"customer_phone": "555 1234567"` in JSON text nested in a string:
            # a value under a phone-named key is a phone number when it looks like one, bare digits too
            Alternative(
                r'"(?:[A-Za-z0-9_.-]{0,120}(?i:phone)|(?:[A-Za-z0-9_.-]{0,120}[._-])?'
                + _names(*_PHONE_KEYS)
                + r')\\{0,7}"\s*:\s*(?:\\{0,7}")?(?P<v>\+?\(?[0-9](?:[0-9 ()./-]{0,24}[0-9])?)'
                r"(?![0-9A-Za-z])",
                phone_field_valid,
            ),
        ),
        secret=False,
    ),
    Detector(
        "ip_address",
        "IP_ADDRESS",
        "IPv4 and IPv6 addresses; by default only public ones (see `ip_addresses`)",
        (
            Alternative(
                r"[0-9](?<![A-Za-z0-9_.][0-9])[0-9]{0,2}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}"
                r"(?![A-Za-z0-9_]|\.[0-9])",
                family="digit",
                # not a version: `Chrome/120.0.0.0`, `version 1.2.3.4`, `v10.0.19041.1`, `build 6.1.7601.1`
                before=r"(?:(?<![A-Za-z])(?i:v|ver|version|build|release|firmware|rev|revision)[ :=]{0,2}"
                r"|[A-Za-z]/)\Z",
            ),
            Alternative(
                r"(?<![A-Za-z0-9_:.])(?:[0-9A-Fa-f]{1,4})?(?:::?[0-9A-Fa-f]{1,4}){1,7}+(?:::)?"
                r"(?![A-Za-z0-9_.]|:[0-9A-Fa-f:])",
                _ipv6_plausible,
                family="ipv6",
            ),
        ),
        secret=False,
    ),
)

#: Which detector a secret-named key's value counts under (documentation; see :func:`field_detector`).
FIELD_DETECTORS = {
    "password": "keys ending in password, passwd, passphrase",
    "aws_secret_key": ", ".join(sorted(_AWS_SECRET_KEYS)),
    "secret": ", ".join(sorted(_SECRET_KEYS)),
    "phone": "keys ending in phone, and "
    + ", ".join(sorted(_PHONE_KEYS))
    + " (when the value reads as a number)",
}


def field_detector(key: str) -> str | None:
    """The detector whose placeholder replaces a value stored under ``key``, if the key names its kind.

    ``phone`` is returned for phone-named keys (``phone``, ``customer_phone``, ``mobile``, ``tel``); the
    walker replaces such a value only when it reads as a phone number (:func:`phone_field_valid`).
    """
    last = key.rsplit(".", 1)[-1].lower().replace("-", "_")
    if last in _SECRET_KEYS:
        return "secret"
    if last in _AWS_SECRET_KEYS:
        return "aws_secret_key"
    if last.endswith(_PASSWORD_KEYS):
        return "password"
    if last.endswith("phone") or last in _PHONE_KEYS or last.rsplit("_", 1)[-1] in _PHONE_KEYS:
        return "phone"
    return None


def detector_names() -> list[str]:
    """The names of the built-in detectors, in the order they are tried."""
    return [d.name for d in DETECTORS]
