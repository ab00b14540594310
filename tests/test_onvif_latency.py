"""ONVIF event latency, camera event -> item yielded by the client (report only).

Measures over a few hundred motion on/off events against the simulator's real long
poll and prints p50/p99; asserts nothing about time (the machine is shared), only
that every event arrived, in order, with one request per event.
"""

from __future__ import annotations

import functools
import statistics
import time

import aiohttp

from custom_components.cgi_camera.client.models import AlarmEvent, AlarmKind
from custom_components.cgi_camera.client.onvif import PullPointSubscription
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import until
from tests.onvif_helpers import Consumer, connected_client
from tests.sim.onvif import OnvifSim

EVENTS = 300



def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


async def test_event_latency_report(session: aiohttp.ClientSession) -> None:
    async with OnvifSim(username=USERNAME, password=PASSWORD) as sim:
        client = await connected_client(session, sim)
        consumer = Consumer(PullPointSubscription(client, pull_timeout=60)).start()
        latencies: list[float] = []
        try:
            await until(lambda: consumer.saw(AlarmKind.MOTION, False))
            await until(lambda: sim.onvif.waiting_pulls == 1)
            polls_before = sim.onvif.count("PullMessages")
            for n in range(EVENTS):
                # Each event goes to a waiting poll, as on a real camera.
                await until(lambda: sim.onvif.waiting_pulls == 1)
                on = n % 2 == 0
                seen = len(consumer.items)
                raised = time.perf_counter()
                sim.onvif.set_motion(on)
                await until(functools.partial(consumer.saw, AlarmKind.MOTION, on, seen))
                arrived = next(
                    at for at, item in consumer.items[seen:]
                    if isinstance(item, AlarmEvent) and item.active is on
                )
                latencies.append((arrived - raised) * 1000)
            polls = sim.onvif.count("PullMessages") - polls_before
        finally:
            await consumer.stop()
    print(
        f"\nONVIF event latency over {EVENTS} events: "
        f"p50 {statistics.median(latencies):.2f} ms, p99 {_percentile(latencies, 0.99):.2f} ms, "
        f"max {max(latencies):.2f} ms; {polls} PullMessages"
    )
    assert len(latencies) == EVENTS
    assert polls == EVENTS  # one answered poll per event, no extra traffic
    assert consumer.errors == []
