"""A new entry's set-up, finished in the background after its config flow.

Home Assistant answers a config flow only once the entry it created is set up. The
flow has logged in and identified the camera (``identify_only``); discovering the
rest takes a cheap camera 15-25 requests at a few hundred milliseconds each, one at
a time. So the set-up of that entry returns at once, with its device registered, and
this task discovers the camera, then sets up its entities (Home Assistant allows
platforms to be forwarded once the entry is loaded).

A camera that fails on the way is closed and the entry reloaded: the ordinary set-up
then connects afresh, with Home Assistant's retries (or its reauth) as at every start.
The task is tracked, so ``async_block_till_done`` waits for it; an unload while it
runs cancels it (:func:`async_cancel`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import logging

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError

from .client import Camera, CameraError
from .const import DOMAIN
from .data import CgiCameraConfigEntry
from .names import entry_name

_LOGGER = logging.getLogger(__name__)

_DATA = f"{DOMAIN}_finishing"

type Finish = Callable[[HomeAssistant, CgiCameraConfigEntry, Camera], Awaitable[None]]


def _running(hass: HomeAssistant) -> dict[str, asyncio.Task[bool]]:
    found: dict[str, asyncio.Task[bool]] = hass.data.setdefault(_DATA, {})
    return found


@callback
def async_start(
    hass: HomeAssistant, entry: CgiCameraConfigEntry, camera: Camera, finish: Finish
) -> None:
    """Discover ``camera`` (only identified so far), then ``finish`` the set-up with it."""

    async def _run() -> bool:
        try:
            await camera.discover()
            await finish(hass, entry, camera)
        except asyncio.CancelledError:
            await camera.close()
            raise
        except Exception as err:
            await camera.close()
            expected = isinstance(err, CameraError | HomeAssistantError)
            _LOGGER.warning("Could not finish setting up %s (%s); trying again",
                            entry_name(entry), err, exc_info=not expected)
            hass.config_entries.async_schedule_reload(entry.entry_id)
            return False
        return True

    # Kept until the unload asks (:func:`async_cancel`): how it ended tells what to unload.
    _running(hass)[entry.entry_id] = entry.async_create_task(
        hass, _run(), f"{DOMAIN} set-up of {entry.entry_id}")


async def async_cancel(hass: HomeAssistant, entry: CgiCameraConfigEntry) -> bool:
    """Stop the entry's set-up if it is still finishing; True when its entities were
    never set up (then there is nothing else to unload, and the camera is closed).

    Unload holds the entry's set-up lock, which forwarding the platforms waits for, so
    a set-up still running is before that point.
    """
    task = _running(hass).pop(entry.entry_id, None)
    if task is None:
        return False  # an ordinary set-up
    if not task.done():
        task.cancel()
        await asyncio.wait([task])  # its cancellation is not the unload's to raise
        return True
    return task.cancelled() or not task.result()
