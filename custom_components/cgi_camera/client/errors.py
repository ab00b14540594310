"""The camera client's error taxonomy.

Every failure the client raises is a :class:`CameraError`, so callers can catch one
type; the subclasses tell the cases apart that need different handling (reauth,
retry later, give up on a feature). Messages never contain credentials.
"""

from __future__ import annotations


class CameraError(Exception):
    """Base class of every error raised by the camera client."""


class ConnectError(CameraError):
    """The camera could not be reached (refused, unreachable, TLS failure...)."""


class SSLVerifyError(ConnectError):
    """The TLS certificate of the camera was rejected by verification."""


class Timeout(ConnectError):
    """The camera accepted the request but did not answer in time."""


class AuthError(CameraError):
    """The camera rejected the credentials (or the session they opened)."""


class AuthDowngrade(AuthError):
    """The device now asks for a weaker login than it used before; nothing was sent.

    A camera that authenticated with Digest and now wants Basic (the password in
    clear) may not be the camera at all: the password is withheld until the user
    confirms the address again (Reconfigure).
    """


class ProtocolError(CameraError):
    """The camera answered something the dialect cannot understand."""


class CommandError(CameraError):
    """The camera understood the request but refused it (e.g. value out of range)."""

    def __init__(self, message: str, *, reason: str | None = None) -> None:
        super().__init__(message)
        self.reason = reason


class UnsupportedDevice(CameraError):
    """The host answers HTTP but speaks none of the known dialects."""


class NotSupported(CameraError):
    """The device does not support the requested feature or endpoint."""
