"""How a camera's alarms reach their owner: one contract, whichever way they come.

An :class:`AlarmFeed` is one way: the dialect's push stream (``param_cgi``'s
attach), a poll of the dialect's alarm state, or ONVIF's pull point
(:mod:`.onvif.feed`). Its :meth:`~AlarmFeed.updates` yields:

- :class:`~.models.Heartbeat`: the feed is alive (connected, a keep-alive, an empty
  long poll);
- :class:`~.models.AlarmEvent`: one source changed, as it happened;
- :class:`~.models.AlarmReading`: the state of every source, read at once (a poll);
- :class:`~.onvif.TopicEvent`: an ONVIF event no alarm kind covers.

An iteration ends by raising a :class:`~.errors.CameraError` (the feed failed: back
off and iterate again), :class:`~.errors.AuthError` (the login was refused: stop),
:class:`~.errors.NotSupported` (the camera has no such feed after all: stop), or by
returning (the camera closed it: iterate again). The owner merges every feed into one
state per source and decides what is an event; a feed only reports.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import TYPE_CHECKING, ClassVar

from .models import AlarmEvent, AlarmKind, AlarmReading, Heartbeat

if TYPE_CHECKING:
    from .camera import Camera
    from .onvif.models import TopicEvent



class AlarmFeed(ABC):
    """One way the alarms of a camera arrive."""

    #: ``push``, ``poll`` or ``onvif``: names the feed in logs and diagnostics.
    name: ClassVar[str]
    #: Whether its updates arrive as they happen (a poll only finds them later).
    live: ClassVar[bool] = True

    @abstractmethod
    def updates(self) -> AsyncIterator[AlarmEvent | AlarmReading | Heartbeat | TopicEvent]:
        """The feed's updates, until it fails or the camera closes it (see the module)."""

    def covers(self) -> frozenset[AlarmKind] | None:
        """The alarm kinds this feed reports; None when it may report any."""
        return None

    async def close(self) -> None:  # noqa: B027 - optional hook
        """Release what the feed holds on the camera (a subscription); default nothing."""

    def login_refused(self) -> None:  # noqa: B027 - optional hook
        """The camera refused this login elsewhere: send it nothing more, not even
        to close (each refusal is a failed login to firmware that locks accounts)."""


class PushFeed(AlarmFeed):
    """The dialect's own push stream (``Camera.alarm_stream``)."""

    name = "push"

    def __init__(self, camera: Camera, idle_timeout: float) -> None:
        self.camera = camera
        self.idle_timeout = idle_timeout

    def updates(self) -> AsyncIterator[AlarmEvent | AlarmReading | Heartbeat | TopicEvent]:
        return self._updates()

    async def _updates(self) -> AsyncIterator[AlarmEvent | AlarmReading | Heartbeat | TopicEvent]:
        async for item in self.camera.alarm_stream(self.idle_timeout):
            yield item


class PollFeed(AlarmFeed):
    """The dialect's readable alarm state (``Camera.poll_alarms``), read at each tick.

    ``tick`` waits for the next read: the owner keeps the clock (and may make it
    faster while a live feed is down, or slower while one covers this camera).
    """

    name = "poll"
    live = False

    def __init__(self, camera: Camera, tick: Callable[[], Awaitable[None]]) -> None:
        self.camera = camera
        self._tick = tick

    def covers(self) -> frozenset[AlarmKind] | None:
        return frozenset(source.kind for source in self.camera.capabilities.alarms)

    async def read(self) -> AlarmReading:
        """One reading now (an owner with its own schedule calls this directly)."""
        return AlarmReading(await self.camera.poll_alarms())

    def updates(self) -> AsyncIterator[AlarmEvent | AlarmReading | Heartbeat | TopicEvent]:
        return self._updates()

    async def _updates(self) -> AsyncIterator[AlarmEvent | AlarmReading | Heartbeat | TopicEvent]:
        while True:
            await self._tick()
            yield await self.read()


__all__ = ["AlarmFeed", "PollFeed", "PushFeed"]
