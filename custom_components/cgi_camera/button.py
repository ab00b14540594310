"""Buttons: the camera's one-shot actions and PTZ presets."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from homeassistant.components.button import (
    ButtonDeviceClass,
    ButtonEntity,
    ButtonEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Action, Camera, PresetOp
from .data import CgiCameraConfigEntry
from .entity import CgiCameraEntity

PARALLEL_UPDATES = 1

# Without a preset list from the device, offer this many "go to preset" buttons.
UNLISTED_PRESETS = 5
# With a list, buttons for at most this many (the preset select has them all).
MAX_PRESET_BUTTONS = 16


@dataclass(frozen=True, kw_only=True)
class CgiButtonDescription(ButtonEntityDescription):
    """What pressing does."""

    press: Callable[[Camera], Coroutine[Any, Any, None]]
    # The clock watch looks again at once, so a clock repair issue clears itself.
    recheck_clock: bool = False


def _action(action: Action, **kwargs: Any) -> CgiButtonDescription:
    async def press(camera: Camera) -> None:
        await camera.press(action)

    return CgiButtonDescription(key=action, translation_key=action, press=press, **kwargs)


DESCRIPTIONS: dict[Action, CgiButtonDescription] = {
    d.key: d  # type: ignore[misc]
    for d in (
        _action(Action.REBOOT, device_class=ButtonDeviceClass.RESTART,
                entity_category=EntityCategory.CONFIG),
        _action(Action.TRIGGER_ALARM, entity_registry_enabled_default=False),
        _action(Action.SYNC_TIME, entity_category=EntityCategory.CONFIG,
                entity_registry_enabled_default=False, recheck_clock=True),
        _action(Action.PTZ_STOP),
        _action(Action.STOP_ALARM, entity_registry_enabled_default=False),
        _action(Action.AUTOFOCUS),
        _action(Action.PTZ_HOME),
        _action(Action.RESET_IMAGE, entity_category=EntityCategory.CONFIG,
                entity_registry_enabled_default=False),
        _action(Action.PTZ_AUTO_SCAN),
        # cgi_action
        _action(Action.OPEN_DOOR, entity_registry_enabled_default=False),
    )
}


PRESET_KEY = "ptz_preset_"


def _preset(number: int, name: str | None) -> CgiButtonDescription:
    async def press(camera: Camera) -> None:
        await camera.ptz_preset(PresetOp.GOTO, number)

    return CgiButtonDescription(
        key=f"{PRESET_KEY}{number}",
        translation_key="ptz_preset",
        translation_placeholders={"preset": name or str(number)},
        press=press,
    )


def _routine(key: str, name: str) -> CgiButtonDescription:
    async def press(camera: Camera) -> None:
        await camera.ptz_routine(key)

    return CgiButtonDescription(
        key=f"ptz_{key}",
        translation_key=f"ptz_{key.partition('_')[0]}",  # ptz_tour / ptz_scan / ptz_pattern
        translation_placeholders={"name": name},
        press=press,
    )


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CgiCameraConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a button per supported action, PTZ preset and PTZ routine.

    Actions and a PTZ head the camera reveals after set-up (a probe that failed
    ambiguously then) get their buttons at the refresh that finds them.
    """
    coordinator = entry.runtime_data.coordinator
    done: dict[str, CgiButton] = {}

    @callback
    def _sync() -> None:
        wanted = {d.key: d for d in _descriptions(coordinator.camera)}
        # Preset buttons the camera's list replaced (ONVIF names for the blind
        # "Go to preset N"): removed, and added again under their new name.
        registry = er.async_get(hass)
        for key, button in list(done.items()):
            described = wanted.get(key)
            if key.startswith(PRESET_KEY) and (
                described is None or described.translation_placeholders
                != button.entity_description.translation_placeholders
            ):
                del done[key]
                if button.registry_entry is not None:
                    registry.async_remove(button.registry_entry.entity_id)
        new = [d for key, d in wanted.items() if key not in done]
        if new:
            buttons = [CgiButton(coordinator, d) for d in new]
            done.update((b.entity_description.key, b) for b in buttons)
            async_add_entities(buttons)

    _sync()
    entry.async_on_unload(coordinator.async_add_listener(_sync))


def _descriptions(camera: Camera) -> list[CgiButtonDescription]:
    caps = camera.capabilities
    descriptions = [DESCRIPTIONS[a] for a in sorted(caps.actions) if a in DESCRIPTIONS]
    if caps.ptz is not None:
        presets: dict[int, str | None] = dict(caps.ptz.presets or {})
        if caps.ptz.presets is None:
            presets = dict.fromkeys(range(1, UNLISTED_PRESETS + 1))
        # A listed preset is also in the preset select: buttons only for the first
        # few, so a camera listing hundreds does not flood the registry.
        shown = sorted(presets.items())[:MAX_PRESET_BUTTONS]
        descriptions += [_preset(n, name) for n, name in shown]
        descriptions += [_routine(key, name) for key, name in sorted(caps.ptz.routines.items())]
    return descriptions


class CgiButton(CgiCameraEntity, ButtonEntity):
    """Runs one action on the camera."""

    entity_description: CgiButtonDescription

    async def async_press(self) -> None:
        await self._device_call(self.entity_description.press(self.camera), "action_failed")
        if self.entity_description.recheck_clock:
            await self.coordinator.config_entry.runtime_data.clock.async_check()
