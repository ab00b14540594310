"""ONVIF side channel: events (PullPoint), stream URIs and presets of the cameras
whose CGI lacks them. No Home Assistant import; every request goes through the
client's :class:`~..transport.Transport` on the injected aiohttp session.

Typical use::

    endpoint = await find_onvif(session, host, [http_port])
    client = OnvifClient(Transport(session, host, endpoint.port), credentials,
                         device_url=endpoint.url, time_offset=endpoint.time_offset)
    await client.connect()
    if await same_device(client, mac=info.mac, serial=info.serial):
        subscription = PullPointSubscription(client)
        async for item in subscription:  # AlarmEvent | TopicEvent | Heartbeat
            ...
        await subscription.close()
"""

from __future__ import annotations

from .client import OnvifClient
from .const import DEVICE, EVENTS, MEDIA, PTZ
from .discovery import USUAL_PORTS, find_onvif, same_device
from .errors import Fault, NotAuthorized, ServiceNotFound, SoapFault, SubscriptionGone
from .models import (
    EventTopic,
    MediaUri,
    NetworkInterface,
    NotificationMessage,
    OnvifDeviceInfo,
    OnvifEndpoint,
    Preset,
    Profile,
    PropertyOperation,
    PullResult,
    Service,
    Subscription,
    TopicEvent,
)
from .pullpoint import PullPointSubscription
from .topics import TopicMapper, TopicRule, announced_kinds, rule_for

__all__ = [
    "DEVICE",
    "EVENTS",
    "MEDIA",
    "PTZ",
    "USUAL_PORTS",
    "EventTopic",
    "Fault",
    "MediaUri",
    "NetworkInterface",
    "NotAuthorized",
    "NotificationMessage",
    "OnvifClient",
    "OnvifDeviceInfo",
    "OnvifEndpoint",
    "Preset",
    "Profile",
    "PropertyOperation",
    "PullPointSubscription",
    "PullResult",
    "Service",
    "ServiceNotFound",
    "SoapFault",
    "Subscription",
    "SubscriptionGone",
    "TopicEvent",
    "TopicMapper",
    "TopicRule",
    "announced_kinds",
    "find_onvif",
    "rule_for",
    "same_device",
]
