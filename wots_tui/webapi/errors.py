"""What can go wrong talking to iRacing, each said in one line the racer can act on.

No message ever carries a secret: not the password, the client secret, their masked forms or a token.
"""

from __future__ import annotations


class WebApiError(Exception):
    """A failure of the Data API or its login; `str()` is one line for the racer."""


class LoginError(WebApiError):
    """The login failed: wrong credentials, no client id, too many logins, a 2FA-only account."""


class Maintenance(WebApiError):
    """iRacing is down for maintenance: stop, and say the server's own message."""


class DataApiError(WebApiError):
    """A call that failed for good: a refused request, a broken link, retries exhausted."""
