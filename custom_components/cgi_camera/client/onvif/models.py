"""Typed ONVIF results, decoded once from the camera's answers."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

# Name/value pairs of a message's Source, Key or Data (ONVIF ``tt:ItemList``).
Items = tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class OnvifEndpoint:
    """Where a camera's ONVIF device service answers, and how far off its clock is.

    ``time_offset`` is camera clock minus ours (None when the camera would not say).
    """

    url: str
    port: int
    time_offset: timedelta | None


@dataclass(frozen=True, slots=True)
class OnvifDeviceInfo:
    """GetDeviceInformation."""

    manufacturer: str
    model: str
    firmware: str
    serial: str
    hardware_id: str


@dataclass(frozen=True, slots=True)
class NetworkInterface:
    """One entry of GetNetworkInterfaces; ``mac`` normalised (``aa:bb:..``) or None."""

    token: str
    name: str
    mac: str | None
    enabled: bool


@dataclass(frozen=True, slots=True)
class Service:
    """One service of GetServices / GetCapabilities, at the address we use for it."""

    namespace: str
    url: str
    version: str = ""


@dataclass(frozen=True, slots=True)
class Profile:
    """A media profile: what one stream of the camera is."""

    token: str
    name: str
    encoding: str = ""  # H264, H265, JPEG, MPEG4 as the camera spells it
    width: int | None = None
    height: int | None = None
    video_source_token: str = ""
    ptz: bool = False  # the profile has a PTZ configuration (presets are per profile)

    @property
    def pixels(self) -> int:
        """Width x height (0 when unknown): main stream = largest."""
        return (self.width or 0) * (self.height or 0)


@dataclass(frozen=True, slots=True)
class MediaUri:
    """GetStreamUri / GetSnapshotUri, verbatim: the caller rewrites host and login."""

    uri: str
    invalid_after_connect: bool = False
    invalid_after_reboot: bool = False
    timeout: float | None = None


@dataclass(frozen=True, slots=True)
class Preset:
    """A PTZ preset."""

    token: str
    name: str


class PropertyOperation(StrEnum):
    """How a property message relates to the property's state (ONVIF Core 9.4.2)."""

    INITIALIZED = "Initialized"
    CHANGED = "Changed"
    DELETED = "Deleted"


@dataclass(frozen=True, slots=True)
class NotificationMessage:
    """One event, e.g. topic ``RuleEngine/CellMotionDetector/Motion``, data IsMotion=true.

    ``topic`` is the local path (namespace prefixes dropped); ``utc_time`` is in the
    camera's clock; ``operation`` is None for plain (non-property) events.
    """

    topic: str
    operation: PropertyOperation | None = None
    utc_time: datetime | None = None
    source: Items = ()
    key: Items = ()
    data: Items = ()

    def source_item(self, name: str) -> str | None:
        return _item(self.source, name)

    def data_item(self, name: str) -> str | None:
        return _item(self.data, name)


def _item(items: Items, name: str) -> str | None:
    for item_name, value in items:
        if item_name == name:
            return value
    return None


@dataclass(frozen=True, slots=True)
class Subscription:
    """A pull-point subscription.

    ``address`` is what the camera named it (sent back as ``wsa:To``), ``url`` where we
    send requests (host rewritten to the camera's); times are in the camera's clock.
    ``reference_parameters`` are echoed in the header of every request, as
    WS-Addressing wants.
    """

    address: str
    url: str
    termination_time: datetime | None
    current_time: datetime | None
    reference_parameters: tuple[bytes, ...] = ()

    def lifetime(self, default: float) -> float:
        """Seconds from the camera's ``CurrentTime`` to its ``TerminationTime``."""
        if self.termination_time is None or self.current_time is None:
            return default
        return (self.termination_time - self.current_time).total_seconds()


@dataclass(frozen=True, slots=True)
class PullResult:
    """One PullMessages answer."""

    messages: tuple[NotificationMessage, ...]
    current_time: datetime | None = None
    termination_time: datetime | None = None


@dataclass(frozen=True, slots=True)
class EventTopic:
    """A topic the camera announces in GetEventProperties."""

    path: str
    is_property: bool = False
    source_items: tuple[str, ...] = ()
    data_items: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class TopicEvent:
    """A message whose topic maps to no alarm kind: the owner decides what it is.

    ``active`` is the message's state when it has a recognisable boolean item.
    """

    topic: str
    active: bool | None
    message: NotificationMessage
