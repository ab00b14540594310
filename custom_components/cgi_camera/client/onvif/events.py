"""Event service: pull-point subscriptions (ONVIF Core 9.1) and the topic set.

Requests carry WS-Addressing headers (Action, To, MessageID) and echo the
subscription's reference parameters, as ONVIF requires of event clients; some
firmware routes PullMessages by them.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING
import uuid

from yarl import URL

from ..errors import NotSupported, ProtocolError
from ..safe_xml import Element, parse_xml
from .const import (
    ACTIONS,
    EVENT_PATH,
    EVENTS,
    MAX_ITEMS,
    MAX_MESSAGES,
    MAX_REFERENCE_PARAMETERS,
    MAX_TOPICS,
    TEV,
    URI_LIMIT,
    WSA,
    WSNT,
)
from .models import (
    EventTopic,
    Items,
    NotificationMessage,
    PropertyOperation,
    PullResult,
    Subscription,
)
from .soap import element, expect
from .xmlutil import (
    attr,
    child,
    children,
    descendants,
    format_duration,
    local,
    parse_bool,
    parse_datetime,
    serialize,
    text,
)

if TYPE_CHECKING:
    from .client import OnvifClient

# Slack on top of a PullMessages' own Timeout before the HTTP request gives up.
PULL_GRACE = 15.0
_REFERENCE_LIMIT = 4096
_TOPIC_DEPTH = 12


class EventService:
    """``tev:`` / ``wsnt:`` operations of one camera."""

    def __init__(self, client: OnvifClient) -> None:
        self._client = client
        # Where an unlisted event service turned out to answer (see _call_service).
        self._found: URL | None = None

    @property
    def url(self) -> URL:
        return self._found or self._client.service_url(EVENTS)

    async def create_pull_point_subscription(self, termination: float = 600.0) -> Subscription:
        """A new pull point, terminating after ``termination`` s unless renewed."""
        request = element(
            TEV, "CreatePullPointSubscription", None,
            element(TEV, "InitialTerminationTime", format_duration(termination)),
        )
        body = await self._call_service("CreatePullPointSubscription", request)
        response = expect(body, "CreatePullPointSubscriptionResponse",
                          "CreatePullPointSubscription")
        reference = child(response, "SubscriptionReference")
        address = text(child(reference, "Address"), URI_LIMIT)
        url = self._client.rebase(address)
        if url is None:
            raise ProtocolError("CreatePullPointSubscription: no usable subscription address")
        return Subscription(
            address=address,
            url=str(url),
            termination_time=parse_datetime(text(child(response, "TerminationTime"))),
            current_time=parse_datetime(text(child(response, "CurrentTime"))),
            reference_parameters=_reference_parameters(child(reference, "ReferenceParameters")),
        )

    async def pull_messages(
        self, subscription: Subscription, timeout: float, limit: int
    ) -> PullResult:
        """Wait up to ``timeout`` s for messages (the camera answers as soon as it has one)."""
        request = element(
            TEV, "PullMessages", None,
            element(TEV, "Timeout", format_duration(timeout)),
            element(TEV, "MessageLimit", str(limit)),
        )
        body = await self._call_subscription(
            "PullMessages", request, subscription, timeout=timeout + PULL_GRACE
        )
        response = expect(body, "PullMessagesResponse", "PullMessages")
        messages = [
            _notification(n) for n in children(response, "NotificationMessage")[:MAX_MESSAGES]
        ]
        return PullResult(
            messages=tuple(m for m in messages if m.topic),
            current_time=parse_datetime(text(child(response, "CurrentTime"))),
            termination_time=parse_datetime(text(child(response, "TerminationTime"))),
        )

    async def renew(self, subscription: Subscription, termination: float = 600.0) -> Subscription:
        """Extend the subscription by ``termination`` s; the updated subscription."""
        request = element(
            WSNT, "Renew", None, element(WSNT, "TerminationTime", format_duration(termination))
        )
        body = await self._call_subscription("Renew", request, subscription)
        response = expect(body, "RenewResponse", "Renew")
        return replace(
            subscription,
            termination_time=parse_datetime(text(child(response, "TerminationTime"))),
            current_time=parse_datetime(text(child(response, "CurrentTime"))),
        )

    async def unsubscribe(
        self, subscription: Subscription, *, timeout: float | None = None
    ) -> None:
        await self._call_subscription(
            "Unsubscribe", element(WSNT, "Unsubscribe"), subscription, timeout=timeout
        )

    async def set_synchronization_point(self, subscription: Subscription) -> None:
        """Ask for every property's current state again (as Initialized messages)."""
        await self._call_subscription(
            "SetSynchronizationPoint", element(TEV, "SetSynchronizationPoint"), subscription
        )

    async def get_event_properties(self) -> list[EventTopic]:
        """The topics the camera announces (capped at :data:`MAX_TOPICS`)."""
        body = await self._call_service("GetEventProperties", element(TEV, "GetEventProperties"))
        response = expect(body, "GetEventPropertiesResponse", "GetEventProperties")
        return parse_topic_set(child(response, "TopicSet"))

    async def _call_service(self, operation: str, request: Element) -> Element:
        url = self.url
        try:
            return await self._client.call(
                operation, request, url=url, headers=_addressing(operation, str(url), ()),
            )
        except NotSupported:
            # Firmware that leaves its event service out of the service list still
            # serves it, most often at the path ONVIF's own examples use: asked once.
            if self._found is not None or EVENTS in self._client.services:
                raise
            guess = self._client.device_url.with_path(EVENT_PATH)
            body = await self._client.call(
                operation, request, url=guess, headers=_addressing(operation, str(guess), ()),
            )
            self._found = guess
            return body

    async def _call_subscription(
        self,
        operation: str,
        request: Element,
        subscription: Subscription,
        *,
        timeout: float | None = None,
    ) -> Element:
        headers = _addressing(operation, subscription.address, subscription.reference_parameters)
        return await self._client.call(
            operation, request, url=URL(subscription.url, encoded=True), headers=headers,
            timeout=timeout,
        )


def _addressing(operation: str, to: str, parameters: tuple[bytes, ...]) -> list[Element]:
    headers = [
        element(WSA, "Action", ACTIONS[operation]),
        element(WSA, "MessageID", f"urn:uuid:{uuid.uuid4()}"),
        element(WSA, "To", to),
    ]
    for raw in parameters:
        try:
            parameter = parse_xml(raw)
        except ProtocolError:
            continue
        parameter.set(f"{{{WSA}}}IsReferenceParameter", "true")
        headers.append(parameter)
    return headers


def _reference_parameters(node: Element | None) -> tuple[bytes, ...]:
    kept = (serialize(c) for c in children(node)[:MAX_REFERENCE_PARAMETERS])
    return tuple(raw for raw in kept if len(raw) <= _REFERENCE_LIMIT)


def topic_path(expression: str) -> str:
    """``tns1:RuleEngine/CellMotionDetector/Motion`` -> ``RuleEngine/CellMotionDetector/Motion``.

    Every segment loses its namespace prefix (vendor segments too:
    ``tns1:Device/Trigger/tnshik:AlarmIn`` -> ``Device/Trigger/AlarmIn``).
    """
    segments = (s.strip().rpartition(":")[2].strip() for s in expression.split("/"))
    return "/".join(s for s in segments if s and s != ".")


def _notification(node: Element) -> NotificationMessage:
    outer = child(node, "Message")
    # The payload is a tt:Message inside wsnt:Message; some firmware flattens the two.
    inner = child(outer, "Message")
    message = inner if inner is not None else outer
    try:
        operation: PropertyOperation | None = PropertyOperation(
            attr(message, "PropertyOperation")
        )
    except ValueError:
        operation = None
    return NotificationMessage(
        topic=topic_path(text(child(node, "Topic"), 512)),
        operation=operation,
        utc_time=parse_datetime(attr(message, "UtcTime")),
        source=_items(child(message, "Source")),
        key=_items(child(message, "Key")),
        data=_items(child(message, "Data")),
    )


def _items(node: Element | None) -> Items:
    items = ((attr(i, "Name"), attr(i, "Value")) for i in children(node, "SimpleItem"))
    return tuple((name, value) for name, value in items if name)[:MAX_ITEMS]


def parse_topic_set(topic_set: Element | None) -> list[EventTopic]:
    """The topics of a ``wstop:TopicSet``: elements marked ``topic="true"`` or carrying
    a MessageDescription, named by their path below the set."""
    found: list[EventTopic] = []
    stack: list[tuple[Element, tuple[str, ...]]] = [
        (c, (local(c),)) for c in reversed(children(topic_set))
    ]
    while stack and len(found) < MAX_TOPICS:
        node, names = stack.pop()
        if names[-1] == "MessageDescription":
            continue
        description = child(node, "MessageDescription")
        if parse_bool(attr(node, "topic")) is True or description is not None:
            found.append(_topic(names, description))
        if len(names) < _TOPIC_DEPTH:
            stack.extend((c, (*names, local(c))) for c in reversed(children(node)))
    return found


def _topic(names: tuple[str, ...], description: Element | None) -> EventTopic:
    def item_names(part: str) -> tuple[str, ...]:
        items = descendants(child(description, part), "SimpleItemDescription")
        return tuple(n for n in (attr(i, "Name") for i in items) if n)[:MAX_ITEMS]

    return EventTopic(
        path="/".join(names),
        is_property=parse_bool(attr(description, "IsProperty")) is True,
        source_items=item_names("Source"),
        data_items=item_names("Data"),
    )
