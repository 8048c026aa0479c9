"""Planted secrets and personal data, one or more per detector, and look-alikes that must stay.

Every value is fake but has the real format (keys of the right length and alphabet, Luhn-valid cards,
mod-97-valid IBANs), so a detector that finds them would find the real thing.
"""

from __future__ import annotations

# detector name -> values that detector must find (the whole value is replaced)
SECRETS: dict[str, list[str]] = {
    "openai_key": [
        "sk-Ab3dEf6hIj9kLm2nOp5qRs8tUv1wXy4zAb7cDe0fGh3iJk6l",
        "sk-proj-4fQ9xL2mN7pR1sT6vW3yZ8bC5dE0gH4jK9mN2pQ7rS1tU6vW3xY8zA5bC0dE7fG2hJ4kL9mN1pQ6rS3tU8vW",
        "sk-svcacct-Zx81Lq72Mn63Po54Qr45St36Uv27Wx18Yz09",
    ],
    "anthropic_key": ["sk-ant-api03-Xy7Zq2Lm9Np4Rs6Tv1Wx3Yz8Ab5Cd0Ef2Gh7Ij4Kl9Mn1Op6Qr3St8Uv-AbCdEfAA"],
    "aws_access_key_id": ["AKIAIOSFODNN7EXAMPLE", "ASIAY34FZKBOKMUTVV7A"],
    "google_api_key": ["AIzaSyD-9tSrke72PouQMnMX-a7eZSW0jkFMBWY"],
    "github_token": [
        "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",
        "github_pat_11ABCDEFG0123456789abc_abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVW",
        "gho_16C7e42F292c6912E7710c838347Ae178B4a",
    ],
    "slack_token": ["xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"],
    "stripe_key": [
        "sk_live_51H8abcDEFghiJKLmnoPQRstu",
        "rk_live_51H8abcDEFghiJKLmnoPQRstu",
        "sk_test_4eC39HqLyjWDarjtT1zdp7dc",
    ],
    "jwt": [
        "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkFsaWNlIn0"
        ".SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c"
    ],
    "email": [
        "alice.smith@example.com",
        "bob+billing@mail.corp.co.uk",
        "j_doe99@sub.domain.io",
        "jane%40example.com",  # percent-encoded, in a URL or a form body
        "bob%2Bbilling%40example.org",
    ],
    "card_number": [
        "4111 1111 1111 1111",
        "5500-0000-0000-0004",
        "378282246310005",
        "3782 822463 10005",
        "6011111111111117",
    ],
    "iban": ["DE89 3704 0044 0532 0130 00", "GB82WEST12345698765432", "FR1420041010050500013M02606"],
    "phone": [
        "+44 20 7946 0958",
        "+1 (555) 123-4567",
        "+15551234567",
        "+49 30 1234567",
        "(555) 123-4567",
        "555-123-4567",
        "020 7946 0958",
        "06 12 34 56 78",
        "555 123 4567",
        "555.123.4567",
        "1-800-555-0199",
        "1 800 555 0199",
    ],
    "ip_address": ["81.2.69.160", "203.0.113.7", "2001:db8:85a3::8a2e:370:7334"],
}

# detector name -> (text, the secret part of it that must go, a part that must stay)
IN_CONTEXT: dict[str, list[tuple[str, str, str]]] = {
    "aws_secret_key": [
        (
            "aws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "aws_secret_access_key = ",
        ),
        (
            'AWS_SECRET_ACCESS_KEY="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"',
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            "AWS_SECRET_ACCESS_KEY=",
        ),
    ],
    "bearer_token": [
        (
            "Authorization: Bearer 9f8e7d6c5b4a39281706f5e4d3c2b1a0",
            "9f8e7d6c5b4a39281706f5e4d3c2b1a0",
            "Bearer ",
        ),
        ("authorization: Basic dXNlcjpodW50ZXIyMjIy", "dXNlcjpodW50ZXIyMjIy", "Basic "),
        (
            "Proxy-Authorization: Basic cHJveHk6aHVudGVyMg==",
            "cHJveHk6aHVudGVyMg",
            "Proxy-Authorization: Basic ",
        ),
        # `Bearer ...` under a secret-named key in nested JSON text counts as a bearer token, as it does
        # in a document, however short
        ('{"Authorization": "Bearer short"}', "short", '{"Authorization": "Bearer '),
    ],
    "password": [
        (
            "postgres://app:s3cr3t-P4ss@db.internal:5432/shop",
            "s3cr3t-P4ss",
            "postgres://app:",
        ),
        ("redis://:hunter2hunter2@cache:6379/0", "hunter2hunter2", "@cache:6379/0"),
        ("Server=db;User Id=sa;Password=Tr0ub4dor&3x;", "Tr0ub4dor", "Server=db;User Id=sa;Password="),
        ("host=db user=app password=correcthorse dbname=shop", "correcthorse", "dbname=shop"),
        # a password-named key in JSON text nested in a string: the whole value, spaces and all
        ('{"db_password": "correct horse"}', "correct horse", '{"db_password": "'),
        ('{\\"userPassword\\": \\"tr0ub4dor & 3\\"}', "tr0ub4dor & 3", '\\"userPassword\\": \\"'),
    ],
    "secret": [
        ("client_secret=Zm9vYmFyYmF6cXV4MTIz", "Zm9vYmFyYmF6cXV4MTIz", "client_secret="),
        ('{"api_key": "k3y-0123456789abcdef"}', "k3y-0123456789abcdef", '{"api_key": "'),
        # headers written out as text
        ("Cookie: sessionid=abc123def456; csrftoken=xyz", "sessionid=abc123def456", "Cookie: "),
        ("Set-Cookie: sid=31d4d96e407aad42; Path=/; HttpOnly", "31d4d96e407aad42", "Set-Cookie: "),
        ("X-Api-Key: abcdefghijklmnop", "abcdefghijklmnop", "X-Api-Key: "),
        # URL query parameters
        ("https://x.io/cb?token=abcdef123456&x=1", "abcdef123456", "&x=1"),
        ("GET /v1/me?access_token=ya29abcdefgh HTTP/1.1", "ya29abcdefgh", " HTTP/1.1"),
        ("https://maps.x/api?api_key=abcdefghijkl", "abcdefghijkl", "https://maps.x/api?api_key="),
        ("https://blob.x/f.pdf?sv=2024&sig=Zm9vYmFy%2Bbaz%3D&se=2026", "Zm9vYmFy%2Bbaz", "&se=2026"),
        # secret-named keys in JSON text (nested in a string in a document), whatever the value looks like
        ('{"token": "abc"}', '"abc"', '{"token": "'),
        ('{\\"secret\\": \\"plain words\\"}', "plain words", '{\\"secret\\": \\"'),
        ('{"http.request.header.cookie": "a=b"}', '"a=b"', '{"http.request.header.cookie": "'),
        ('{"Authorization": "Token plain"}', "plain", '{"Authorization": "Token '),
    ],
    "private_key": [
        (
            "key:\n-----BEGIN RSA PRIVATE KEY-----\nMIIEpAIBAAKCAQEA1c2V3kR4nb9W\nq8eLr7pY2Z3x\n"
            "-----END RSA PRIVATE KEY-----\ndone",
            "MIIEpAIBAAKCAQEA1c2V3kR4nb9W",
            "done",
        ),
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ (truncated",
            "b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ",
            "(truncated",
        ),
    ],
}

# Text that looks a bit like the above and must come out unchanged with the default settings.
CLEAN: list[str] = [
    "Order ORD-2002 was placed",
    "order id 4111111111111112",  # 16 digits, fails Luhn
    "order 1234567812345678",  # 16 digits, fails Luhn
    "ref 9999999999999995",  # Luhn-valid, but no card network starts with 9
    "2026-01-02T03:04:05.123456Z",
    "2026-01-02 03:04:05",
    "1700000000",
    "1700000000123",  # epoch milliseconds
    "1700000000123456789",  # epoch nanoseconds
    "123e4567-e89b-12d3-a456-426614174000",
    "da39a3ee5e6b4b0d3255bfef95601890afd80709",  # sha1
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # sha256
    "4bf92f3577b34da6a3ce929d0e0e4736",  # OTel trace id
    "00f067aa0ba902b7",  # OTel span id
    "traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "version 1.2.3",
    "v10.0.19041",
    "pytest-agenttrace 0.1.0",
    "Total: $1,234.56 (EUR 99.99)",
    "price 19.99 USD x 3",
    "localhost:8080",
    "10.0.0.1 and 192.168.1.20 and 127.0.0.1",  # private addresses: kept by default
    "12:30:45",
    "call_abc123DEF456",
    "task-summary-for-the-weekly-report-generation",
    "sk-learn is a library",
    "Use the bearer token from the vault",
    "password: <PASSWORD_1>",
    "Contact <EMAIL_1> at <PHONE_2>",
    "see https://example.com/docs?page=2#install",
    "SKU-12345 x 2",
    "gen_ai.usage.input_tokens",
    "http.request.header.authorization",
    "ISBN 978-3-16-148410-0",
    "The meeting is on 01/02/2026",
    "A1B2C3D4E5",
    # versions and user agents are not IPv4 addresses
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36",
    "version 1.2.3.4",
    "Version: 8.1.0.2",
    "v10.0.19041.1",
    "build 6.1.7601.2",
    # words and C++ are not IPv6 addresses
    "abc::def",
    "cafe::1",
    "std::vector",
    "a::b",
    "use std::vector<int>::iterator and boost::asio",
    # an order number, timestamps, UUIDs and trace ids are not phone or card numbers
    "Order #0123 4567 8901",
    "2026-01-02T03:04:05.123456789+01:00",
    "20260102T030405Z",
    "12345678-1234-5678-1234-567812345678",
    "00000000-0000-0000-0000-000000000000",
    "trace 0af7651916cd43dd8448eb211c80319c span b7ad6b7169203331",
    "40000000000000000000000000000001",  # an all-digit hex trace id
    "Received at 1700000000.123456",
]
