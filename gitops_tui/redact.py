"""Credentials out of everything shown: a URL's user info and query values, and the
same inside any text (error messages, audit records, a status line).

A token rides in a remote URL as the password (``user:token@``), as the user name
itself (``token@``, which GitHub accepts), or as a query parameter (``?token=``,
``?access_token=``, a signature): all three are masked or dropped here, in their
percent-encoded spelling too.
"""

from __future__ import annotations

import re
from urllib.parse import quote, unquote

MASK = "***"

# Schemes whose user name is a login (``ssh://git@host``), shown as it is; for every
# other scheme the user name may be the token.
LOGIN_SCHEMES = frozenset({"ssh", "git+ssh", "ssh+git"})

_URL = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://(?P<authority>[^/?#]*)"
    r"(?P<path>[^?#]*)(?:\?(?P<query>[^#]*))?(?P<fragment>#.*)?$",
    re.S,
)
# A URL inside text: from its scheme to the first space or quote.
_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^\s'\"<>`]+")
# The same URL percent-encoded as a whole (``https%3A%2F%2Fuser%3Atoken%40host``).
_ENCODED_IN_TEXT = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*%3A%2F%2F[^\s'\"<>`&]+", re.I)


def strip_credentials(url: str) -> str:
    """The URL safe to show: no password; no user name either, except ssh's login;
    every query value masked. Text that is no scheme URL (a path, ``git@host:path``)
    comes back unchanged, but for a ``user:token@`` in front."""
    m = _URL.match(url)
    if not m:
        return _strip_schemeless(url)
    scheme, authority = m["scheme"], m["authority"]
    if "@" in authority:
        userinfo, host = authority.rsplit("@", 1)
        user = userinfo.split(":", 1)[0]
        authority = f"{user}@{host}" if scheme.lower() in LOGIN_SCHEMES and user else host
    out = f"{scheme}://{authority}{m['path']}"
    if m["query"] is not None:
        out += "?" + _mask_query(m["query"])
    return out + (m["fragment"] or "")


def _strip_schemeless(text: str) -> str:
    # ``user:token@host/path`` typed without its scheme (git reads it as scp-like
    # syntax, the host being ``user``): mask what comes before the '@'.
    head, slash, tail = text.partition("/")
    if "@" in head and ":" in head.rsplit("@", 1)[0]:
        return f"{MASK}@{head.rsplit('@', 1)[1]}{slash}{tail}"
    return text


def _mask_query(query: str) -> str:
    parts = []
    for part in re.split(r"([&;])", query):
        if part in ("&", ";") or not part:
            parts.append(part)
        elif "=" in part:
            key, _, value = part.partition("=")
            parts.append(f"{key}={MASK}" if value else part)
        else:
            parts.append(MASK)  # a bare value (``?ghp_xxx``) may be the token itself
    return "".join(parts)


def redact(text: str) -> str:
    """Any text with the credentials of every URL in it removed."""
    text = _IN_TEXT.sub(lambda m: _strip_in_text(m[0]), text)
    return _ENCODED_IN_TEXT.sub(lambda m: _strip_in_text(unquote(m[0])), text)


def _strip_in_text(url: str) -> str:
    # The sentence's punctuation after a URL is no part of it (nor of a masked value).
    body = url.rstrip(".,;:!?)]}")
    return strip_credentials(body) + url[len(body) :]


def secret_forms(secret: str) -> list[str]:
    """A secret as it may appear in a text: as given, percent-decoded and -encoded."""
    forms = {secret, unquote(secret), quote(secret, safe="")}
    return sorted((f for f in forms if f), key=len, reverse=True)
