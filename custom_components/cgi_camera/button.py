"""Buttons: the camera's one-shot actions, PTZ steps, presets and routines.

A direction, zoom or focus button moves the head for one step (the entry's step length
and speed, see :mod:`.ptz`) and stops it. Preset buttons start disabled: the preset
select is the one way to go to a preset from the dashboard, the buttons are for those
who want one tap per preset.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any

from homeassistant.components.button import (
    ButtonDeviceClass,
    ButtonEntity,
    ButtonEntityDescription,
)
from homeassistant.const import EntityCategory, Platform
from homeassistant.core import HomeAssistant
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback

from .client import Action, Camera, PresetOp, PtzMove
from .coordinator import SettingsCoordinator
from .data import CgiCameraConfigEntry
from .devices import registered, unique_id
from .entity import CgiCameraEntity
from .errors import raise_translated_error
from .platform_setup import async_add_as_found
from .ptz import StepSettings, async_step, nudges, unlisted_presets

# Presses queue on the camera's own request slot: a PTZ stop must not wait for a step to end.
PARALLEL_UPDATES = 0

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
    """A "go to preset" button; a new label is a new button under the same id.

    Off unless ``enabled``: the preset select covers every preset.
    """

    number: int
    label: str

    @property
    def key(self) -> str:
        return f"{PRESET_KEY}{self.number}"

    def description(self, enabled: bool = False) -> CgiButtonDescription:
        number = self.number

        async def press(camera: Camera) -> None:
            await camera.ptz_preset(PresetOp.GOTO, number)

        return CgiButtonDescription(
            key=self.key,
            translation_key="ptz_preset",
            translation_placeholders={"preset": self.label},
            entity_registry_enabled_default=enabled,
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


# Few heads have a manual iris worth turning from a dashboard: off by default.
_IRIS = frozenset({PtzMove.IRIS_OPEN, PtzMove.IRIS_CLOSE})


@dataclass(frozen=True, slots=True)
class Nudge:
    """One step of a PTZ move per press."""

    move: PtzMove

    def description(self) -> ButtonEntityDescription:
        key = f"ptz_{self.move}"
        return ButtonEntityDescription(
            key=key,
            translation_key=key,
            entity_registry_enabled_default=self.move not in _IRIS,
        )


type Pressable = Action | Nudge | Preset | Routine


def _pressables(camera: Camera) -> list[Pressable]:
    caps = camera.capabilities
    found: list[Pressable] = [a for a in sorted(caps.actions) if a in DESCRIPTIONS]
    if caps.ptz is not None:
        found += [Nudge(move) for move in nudges(caps.ptz)]
        presets: dict[int, str | None] = dict(caps.ptz.presets or {})
        if caps.ptz.presets is None:
            # Gone to blindly by number: the same numbers as the preset select.
            presets = dict.fromkeys(unlisted_presets(caps.ptz))
        # The preset select has them all: buttons only for the first few, so a
        # camera listing hundreds does not flood the registry.
        shown = sorted(presets.items())[:MAX_PRESET_BUTTONS]
        found += [Preset(number, name or str(number)) for number, name in shown]
        found += [Routine(key, name) for key, name in sorted(caps.ptz.routines.items())]
    return found


async def async_setup_entry(
    hass: HomeAssistant,
    entry: CgiCameraConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add a button per supported action, PTZ move, PTZ preset and PTZ routine.

    Preset buttons whose names the camera's list replaced (ONVIF names for the blind
    "Go to preset N") are removed and added again under their new name, enabled if
    the user had enabled the one they replace.
    """
    coordinator = entry.runtime_data.coordinator
    settings = entry.runtime_data.ptz_step
    enabled_by_user: set[int] = set()  # numbers of retired preset buttons that were on

    def _retire(thing: Pressable) -> bool:
        if not isinstance(thing, Preset):
            return False
        retired = registered(hass, Platform.BUTTON, unique_id(entry, thing.key))
        if retired is not None and retired.disabled_by is None:
            enabled_by_user.add(thing.number)
        return True

    def _make(thing: Pressable) -> ButtonEntity:
        if isinstance(thing, Nudge):
            return PtzStepButton(coordinator, thing, settings)
        if isinstance(thing, Preset):
            return CgiButton(coordinator, thing.description(thing.number in enabled_by_user))
        described = DESCRIPTIONS[thing] if isinstance(thing, Action) else thing.description()
        return CgiButton(coordinator, described)

    async_add_as_found(
        entry, coordinator, async_add_entities,
        lambda: _pressables(coordinator.camera), _make, retire=_retire,
    )


class CgiButton(CgiCameraEntity, ButtonEntity):
    """Runs one action on the camera."""

    entity_description: CgiButtonDescription

    @raise_translated_error("action_failed")
    async def async_press(self) -> None:
        await self.entity_description.press(self.camera)
        if self.entity_description.recheck_clock:
            await self.coordinator.config_entry.runtime_data.clock.async_check()


class PtzStepButton(CgiCameraEntity, ButtonEntity):
    """Moves the head one step (the entry's step length and speed), then stops it."""

    def __init__(
        self, coordinator: SettingsCoordinator, nudge: Nudge, settings: StepSettings
    ) -> None:
        super().__init__(coordinator, nudge.description())
        self._move = nudge.move
        self._settings = settings

    @raise_translated_error("ptz_failed")
    async def async_press(self) -> None:
        await async_step(self.camera, self._move, self._settings.speed, self._settings.length)
