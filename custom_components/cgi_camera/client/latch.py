"""One camera's refused-login latch, shared by every channel to it.

A camera has several channels that carry its login: the CGI (settings, commands,
snapshots), its alarm feeds (poll, push stream) and ONVIF (events, presets). Once any
of them had the login refused, none sends the same credentials again: each refusal is
a failed login to firmware that locks the account after a few, and a password that
changed on the camera does not come back by itself. The latch lives as long as the
connection (the :class:`~.camera.Camera`); the owner's re-authentication makes a new
one.

Every transport that carries the login checks it before sending
(:meth:`LoginLatch.check`); whoever sees a refusal trips it (:meth:`LoginLatch.trip`),
and the owner hears it once (:meth:`LoginLatch.listen`) to ask the user.
"""

from __future__ import annotations

from collections.abc import Callable
import logging

from .errors import AuthError

_LOGGER = logging.getLogger(__name__)


class LoginLatch:
    """Whether the camera refused its login (and why), for every channel at once."""

    def __init__(self) -> None:
        self.refused: str | None = None
        self._listeners: list[Callable[[str], None]] = []

    def __repr__(self) -> str:
        return f"LoginLatch({'refused' if self.refused is not None else 'open'})"

    def check(self) -> None:
        """Raise :class:`AuthError` (nothing is sent) once the login was refused."""
        if self.refused is not None:
            raise AuthError(f"not retried after a refused login: {self.refused}")

    def trip(self, why: str) -> None:
        """The login was refused: latch it, and tell the listeners (once)."""
        if self.refused is not None:
            return
        self.refused = why
        for listener in list(self._listeners):
            try:
                listener(why)
            except Exception:  # one listener's bug must not keep the others deaf
                _LOGGER.exception("A login latch listener failed")

    def listen(self, listener: Callable[[str], None]) -> Callable[[], None]:
        """Call ``listener(why)`` when the latch trips; returns the undo."""
        self._listeners.append(listener)

        def remove() -> None:
            if listener in self._listeners:
                self._listeners.remove(listener)

        return remove
