"""The one translation of the camera client's errors into Home Assistant's.

Whoever talks to the camera wraps the call in the translator for its place, so a
refused login, a missing feature and a failed request read the same everywhere:

==============  ==========================  ===================  ==========================
place           AuthError                   NotSupported         any other CameraError
==============  ==========================  ===================  ==========================
set-up          ConfigEntryAuthFailed       ConfigEntryNotReady  ConfigEntryNotReady
coordinators    ConfigEntryAuthFailed       UpdateFailed         UpdateFailed
commands        HomeAssistantError, reauth  HomeAssistantError   HomeAssistantError (its key)
config flow     "invalid_auth"              "protocol_error"     by class (FLOW_ERRORS)
==============  ==========================  ===================  ==========================

Anything that is no CameraError passes through untouched (validation errors, bugs).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Iterator
from contextlib import AbstractContextManager, contextmanager
import functools
from typing import TYPE_CHECKING, Any, Concatenate, Protocol

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import (
    ConfigEntryAuthFailed,
    ConfigEntryNotReady,
    HomeAssistantError,
)
from homeassistant.helpers.update_coordinator import UpdateFailed

from .client import AuthError, CameraError, NotSupported
from .client.errors import AuthDowngrade, ConnectError, SSLVerifyError, UnsupportedDevice
from .const import DOMAIN

if TYPE_CHECKING:
    from .data import CgiCameraConfigEntry


@contextmanager
def setup_errors() -> Iterator[None]:
    """Set-up: a refused login asks for reauth; anything else is retried later."""
    try:
        yield
    except AuthError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        ) from err
    except CameraError as err:
        raise ConfigEntryNotReady(
            translation_domain=DOMAIN,
            translation_key="cannot_connect",
            translation_placeholders={"error": str(err)},
        ) from err


@contextmanager
def update_errors() -> Iterator[None]:
    """A coordinator's refresh: a refused login stops polling until reauth succeeds.

    No login storm against a camera that locks accounts out.
    """
    try:
        yield
    except AuthError as err:
        raise ConfigEntryAuthFailed(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        ) from err
    except CameraError as err:
        raise UpdateFailed(
            translation_domain=DOMAIN,
            translation_key="update_failed",
            translation_placeholders={"error": str(err)},
        ) from err


@contextmanager
def command_errors(
    hass: HomeAssistant, entry: CgiCameraConfigEntry, failed: str, **placeholders: str
) -> Iterator[None]:
    """A command a user gave (entity action, service): the error the user sees.

    ``failed`` is the translation key of a plain failure, with ``placeholders`` and
    the client's message as ``error``. A refused login also starts reauth.
    """
    try:
        yield
    except AuthError as err:
        entry.async_start_reauth(hass)
        raise HomeAssistantError(
            translation_domain=DOMAIN, translation_key="invalid_auth"
        ) from err
    except NotSupported as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key="not_supported",
            translation_placeholders={"error": str(err)},
        ) from err
    except CameraError as err:
        raise HomeAssistantError(
            translation_domain=DOMAIN,
            translation_key=failed,
            translation_placeholders={**placeholders, "error": str(err)},
        ) from err


class Commanding(Protocol):
    """What :func:`raise_translated_error` needs of an entity."""

    def command_errors(self, failed: str) -> AbstractContextManager[None]:
        """:func:`command_errors` for this entity."""


def raise_translated_error[S: Commanding, **P, R](
    failed: str,
) -> Callable[
    [Callable[Concatenate[S, P], Awaitable[R]]], Callable[Concatenate[S, P], Coroutine[Any, Any, R]]
]:
    """Decorate an entity's command method: client errors become ``failed`` & co."""

    def decorate(
        method: Callable[Concatenate[S, P], Awaitable[R]],
    ) -> Callable[Concatenate[S, P], Coroutine[Any, Any, R]]:
        @functools.wraps(method)
        async def translated(self: S, /, *args: P.args, **kwargs: P.kwargs) -> R:
            with self.command_errors(failed):
                return await method(self, *args, **kwargs)

        return translated

    return decorate


# First match wins: the subclasses before their bases.
FLOW_ERRORS: tuple[tuple[type[Exception], str], ...] = (
    (AuthDowngrade, "auth_downgrade"),
    (AuthError, "invalid_auth"),
    (SSLVerifyError, "ssl_error"),
    (ConnectError, "cannot_connect"),
    (UnsupportedDevice, "unsupported_device"),
    (CameraError, "protocol_error"),
)


def flow_error(err: Exception) -> str:
    """The config flow's error key for a failed connection attempt ("unknown": a bug)."""
    return next((key for kind, key in FLOW_ERRORS if isinstance(err, kind)), "unknown")
