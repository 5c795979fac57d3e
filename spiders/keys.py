"""Keeping API keys out of everything the registry stores or prints.

Why a module of its own: SAM.gov wants its key as an `api_key` query parameter, so the key would
otherwise travel inside URLs — into Scrapy's "Crawled <GET ...>" log lines, `source_url` columns, reject
rows and HTTP caches. The spiders build key-less URLs, a downloader middleware adds the key only for the
moment of the download (see spiders/sam/spider.py, SamApiKeyMiddleware), and these helpers strip or mask it
wherever it could still surface (a URL the server echoes back, a log record, a raw payload).
"""

from __future__ import annotations

import logging
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

MASK = "REDACTED"


def strip_query_param(url: str | None, name: str) -> str | None:
    """The URL without the query parameter `name` (case-insensitive); other parameters keep their order.

    A URL without that parameter is returned unchanged (re-encoding could alter a signed attachment link).
    """
    if not url:
        return url
    parts = urlsplit(url)
    pairs = parse_qsl(parts.query, keep_blank_values=True)
    if not any(k.lower() == name.lower() for k, _ in pairs):
        return url  # untouched, byte for byte
    kept = [(k, v) for k, v in pairs if k.lower() != name.lower()]
    return urlunsplit(parts._replace(query=urlencode(kept, safe="/:,")))


def add_query_param(url: str, name: str, value: str) -> str:
    """The URL with `name=value` appended (an existing `name` is replaced)."""
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k.lower() != name.lower()]
    kept.append((name, value))
    return urlunsplit(parts._replace(query=urlencode(kept, safe="/:,")))


def mask(text: str | None, secret: str | None) -> str | None:
    """Text with every occurrence of the secret replaced (a no-op for short or absent secrets)."""
    if text is None or not secret or len(secret) < 6:
        return text
    return text.replace(secret, MASK)


class RedactingFilter(logging.Filter):
    """A log filter that masks a secret in the formatted message, whatever logger produced it."""

    def __init__(self, secret: str) -> None:
        super().__init__()
        self.secret = secret

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a malformed record is not ours to fix
            return True
        if self.secret in message:
            record.msg = message.replace(self.secret, MASK)
            record.args = None
        return True


def install_log_redaction(secret: str | None) -> RedactingFilter | None:
    """Mask `secret` in every record that reaches the root logger's handlers (where Scrapy's logs go).

    Handler filters see records from every logger (a logger filter would only see its own), so the filter
    goes on each root handler, and on handlers added later by `logging.lastResort` users via the root logger.
    """
    if not secret or len(secret) < 6:
        return None
    flt = RedactingFilter(secret)
    root = logging.getLogger()
    for handler in root.handlers:
        if not any(isinstance(f, RedactingFilter) and f.secret == secret for f in handler.filters):
            handler.addFilter(flt)
    root.addFilter(flt)
    return flt
