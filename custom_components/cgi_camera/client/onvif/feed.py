"""ONVIF events as an :class:`~..alarm_feed.AlarmFeed`: the pull point, one subscription."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable

from ..alarm_feed import AlarmFeed
from ..models import AlarmEvent, AlarmKind, AlarmReading, Heartbeat
from .models import Subscription, TopicEvent
from .pullpoint import PullPointSubscription


class OnvifFeed(AlarmFeed):
    """The camera's ONVIF events over one :class:`PullPointSubscription`.

    Iterating again after a failure resumes the same subscription while it lives,
    so a feed never holds more than one of the camera's few subscription slots.
    ``on_subscription`` is told each subscription the feed comes to hold (None once
    released), so an owner can free one a crash left behind at its next start.
    """

    name = "onvif"

    def __init__(
        self,
        subscription: PullPointSubscription,
        kinds: frozenset[AlarmKind],
        *,
        on_subscription: Callable[[Subscription | None], None] | None = None,
    ) -> None:
        self.subscription = subscription
        self._kinds = kinds
        self._on_subscription = on_subscription
        self._told: Subscription | None = None

    def covers(self) -> frozenset[AlarmKind] | None:
        return self._kinds

    def updates(self) -> AsyncIterator[AlarmEvent | AlarmReading | Heartbeat | TopicEvent]:
        return self._updates()

    async def _updates(self) -> AsyncIterator[AlarmEvent | AlarmReading | Heartbeat | TopicEvent]:
        async for item in self.subscription:
            self._tell()
            yield item

    def _tell(self) -> None:
        held = self.subscription.subscription
        if held != self._told and self._on_subscription is not None:
            self._told = held
            self._on_subscription(held)

    def login_refused(self) -> None:
        self.subscription.login_refused()

    async def close(self) -> None:
        await self.subscription.close()
        if self._on_subscription is not None and self._told is not None:
            self._told = None
            self._on_subscription(None)
