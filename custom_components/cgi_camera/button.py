"""Buttons: the camera's one-shot actions, PTZ presets and PTZ routines."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from homeassistant.components.button import (
    ButtonDeviceClass,
    ButtonEntity,
    ButtonEntityDescription,
)
from homeassistant.const import EntityCategory
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Action, Camera, PresetOp
from .data import CgiCameraConfigEntry
from .entity import CgiCameraEntity
from .errors import raise_translated_error
from .platform_setup import async_add_as_found

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


CONFIG = {"entity_category": EntityCategory.CONFIG}
OFF = {"entity_registry_enabled_default": False}

DESCRIPTIONS: dict[Action, CgiButtonDescription] = {
    Action(d.key): d
    for d in (
        _action(Action.REBOOT, device_class=ButtonDeviceClass.RESTART, **CONFIG),
        _action(Action.TRIGGER_ALARM, **OFF),
        _action(Action.SYNC_TIME, recheck_clock=True, **CONFIG, **OFF),
        _action(Action.PTZ_STOP),
        _action(Action.STOP_ALARM, **OFF),
        _action(Action.AUTOFOCUS),
        _action(Action.PTZ_HOME),
        _action(Action.RESET_IMAGE, **CONFIG, **OFF),
        _action(Action.PTZ_AUTO_SCAN),
        _action(Action.OPEN_DOOR, **OFF),
    )
}


PRESET_KEY = "ptz_preset_"


@dataclass(frozen=True, slots=True)
class Preset:
    """A "go to preset" button; a new label is a new button under the same id."""

    number: int
    label: str

    def description(self) -> CgiButtonDescription:
        number = self.number

        async def press(camera: Camera) -> None:
            await camera.ptz_preset(PresetOp.GOTO, number)

        return CgiButtonDescription(
            key=f"{PRESET_KEY}{number}",
            translation_key="ptz_preset",
            translation_placeholders={"preset": self.label},
            press=press,
        )


@dataclass(frozen=True, slots=True)
class Routine:
    """A PTZ tour, scan or pattern; the button keeps the name it was made with."""

    key: str
    name: str = field(compare=False)

    def description(self) -> CgiButtonDescription:
        key = self.key

        async def press(camera: Camera) -> None:
            await camera.ptz_routine(key)

        return CgiButtonDescription(
            key=f"ptz_{key}",
            translation_key=f"ptz_{key.partition('_')[0]}",  # ptz_tour / ptz_scan / ptz_pattern
            translation_placeholders={"name": self.name},
            press=press,
        )


type Pressable = Action | Preset | Routine


def _pressables(camera: Camera) -> list[Pressable]:
    caps = camera.capabilities
    found: list[Pressable] = [a for a in sorted(caps.actions) if a in DESCRIPTIONS]
    if caps.ptz is not None:
        presets: dict[int, str | None] = dict(caps.ptz.presets or {})
        if caps.ptz.presets is None:
            presets = dict.fromkeys(range(1, UNLISTED_PRESETS + 1))
        # A listed preset is also in the preset select: buttons only for the first
        # few, so a camera listing hundreds does not flood the registry.
        shown = sorted(presets.items())[:MAX_PRESET_BUTTONS]
        found += [Preset(number, name or str(number)) for number, name in shown]
        found += [Routine(key, name) for key, name in sorted(caps.ptz.routines.items())]
    return found


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CgiCameraConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a button per supported action, PTZ preset and PTZ routine.

    Preset buttons whose names the camera's list replaced (ONVIF names for the blind
    "Go to preset N") are removed and added again under their new name.
    """
    coordinator = entry.runtime_data.coordinator

    def _make(thing: Pressable) -> CgiButton:
        described = DESCRIPTIONS[thing] if isinstance(thing, Action) else thing.description()
        return CgiButton(coordinator, described)

    async_add_as_found(
        entry, coordinator, async_add_entities,
        lambda: _pressables(coordinator.camera), _make,
        retire=lambda thing: isinstance(thing, Preset),
    )


class CgiButton(CgiCameraEntity, ButtonEntity):
    """Runs one action on the camera."""

    entity_description: CgiButtonDescription

    @raise_translated_error("action_failed")
    async def async_press(self) -> None:
        await self.entity_description.press(self.camera)
        if self.entity_description.recheck_clock:
            await self.coordinator.config_entry.runtime_data.clock.async_check()
