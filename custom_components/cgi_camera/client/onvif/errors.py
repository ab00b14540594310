"""ONVIF failures, as members of the client's error taxonomy.

Each class is a subclass of a :mod:`..errors` class, so owners that only know the
taxonomy (AuthError, NotSupported, CommandError...) handle them correctly; the
finer classes are for the event code, which must tell a vanished subscription from
a refused login.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..errors import AuthError, CommandError, NotSupported


@dataclass(frozen=True, slots=True)
class Fault:
    """A SOAP 1.2 or 1.1 fault, reduced to local names.

    ``code`` is ``Sender``/``Receiver`` (SOAP 1.1's ``Client``/``Server`` are mapped),
    ``subcodes`` the nested subcode values (``NotAuthorized``...), ``details`` the
    local names of the elements inside ``Detail``.
    """

    status: int
    code: str
    subcodes: tuple[str, ...] = ()
    reason: str = ""
    details: tuple[str, ...] = ()
    # (local name, text) of the detail's leaf elements, e.g. ("MaxTimeout", "PT10S").
    values: tuple[tuple[str, str], ...] = ()

    def names(self) -> frozenset[str]:
        """Every name that can tell what went wrong."""
        return frozenset((self.code, *self.subcodes, *self.details))

    def value(self, name: str) -> str | None:
        return next((v for n, v in self.values if n == name), None)

    def describe(self) -> str:
        parts = "/".join(p for p in (self.code, *self.subcodes) if p) or "fault"
        return f"{parts}: {self.reason}" if self.reason else parts


class SoapFault(CommandError):
    """The camera understood the request and refused it with a SOAP fault."""

    def __init__(self, message: str, fault: Fault) -> None:
        super().__init__(message, reason=fault.describe())
        self.fault = fault


class NotAuthorized(AuthError):
    """The camera refused the WS-Security token or the HTTP login.

    ``clock_related``: the refusal may come from the token's timestamp, not from an
    HTTP login the clock has nothing to do with; ``soap``: it came as a SOAP fault
    (so an ONVIF service did answer).
    """

    def __init__(self, message: str, *, clock_related: bool, soap: bool) -> None:
        super().__init__(message)
        self.clock_related = clock_related
        self.soap = soap
        # The refusal came long after sending: the camera held the request, and its
        # token may have aged there (set by the client that sent it).
        self.held = False


class ServiceNotFound(NotSupported):
    """The service address answered HTTP 404/405: no such service (or subscription)."""

    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class SubscriptionGone(CommandError):
    """The camera no longer knows the subscription (expired, rebooted, refused)."""
