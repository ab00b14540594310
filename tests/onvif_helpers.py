"""Shared pieces of the ONVIF tests: a connected client and an owner-like consumer."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
import time

import aiohttp

from custom_components.cgi_camera.client.errors import CameraError
from custom_components.cgi_camera.client.models import AlarmEvent, AlarmKind, Heartbeat
from custom_components.cgi_camera.client.onvif import (
    OnvifClient,
    PullPointSubscription,
    TopicEvent,
    find_onvif,
)
from custom_components.cgi_camera.client.transport import Credentials, Transport
from tests.conftest import PASSWORD, USERNAME
from tests.sim.onvif import OnvifSim

CREDS = Credentials(USERNAME, PASSWORD)

Item = AlarmEvent | TopicEvent | Heartbeat


async def connected_client(
    session: aiohttp.ClientSession, sim: OnvifSim, credentials: Credentials = CREDS
) -> OnvifClient:
    """Find the simulator's device service and connect to it, as an owner would."""
    endpoint = await find_onvif(session, sim.host, [sim.port], usual_ports=())
    client = OnvifClient(
        Transport(session, sim.host, endpoint.port, timeout=10),
        credentials,
        device_url=endpoint.url,
        time_offset=endpoint.time_offset,
    )
    await client.connect()
    return client


@dataclass
class Consumer:
    """Iterates a subscription like the alarm coordinator: on an error it backs off
    (briefly, for the tests) and iterates again."""

    subscription: PullPointSubscription
    retry: bool = True
    backoff: float = 0.05
    items: list[tuple[float, Item]] = field(default_factory=list)
    errors: list[CameraError] = field(default_factory=list)
    task: asyncio.Task[None] | None = None

    def start(self) -> Consumer:
        self.task = asyncio.get_running_loop().create_task(self._run())
        return self

    async def _run(self) -> None:
        while True:
            try:
                async for item in self.subscription:
                    self.items.append((time.perf_counter(), item))
                return
            except CameraError as err:
                self.errors.append(err)
                if not self.retry:
                    return
                await asyncio.sleep(self.backoff)  # the owner's backoff

    @property
    def done(self) -> bool:
        return self.task is not None and self.task.done()

    def heartbeats(self) -> int:
        return sum(1 for _t, item in self.items if isinstance(item, Heartbeat))

    def alarms(self, kind: AlarmKind | None = None) -> list[AlarmEvent]:
        return [
            item for _t, item in self.items
            if isinstance(item, AlarmEvent) and (kind is None or item.source.kind is kind)
        ]

    def topics(self) -> list[TopicEvent]:
        return [item for _t, item in self.items if isinstance(item, TopicEvent)]

    def saw(self, kind: AlarmKind, active: bool, after: int = 0) -> bool:
        """Whether an alarm of ``kind`` with state ``active`` arrived after item ``after``."""
        return any(
            isinstance(item, AlarmEvent) and item.source.kind is kind and item.active is active
            for _t, item in self.items[after:]
        )

    async def stop(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task
        await self.subscription.close()
