"""Adding a platform's entities as the camera reveals what they show.

Capabilities can appear after set-up (a probe that failed ambiguously then succeeds, a
recorder gaining channels, an alarm source first pushed, ONVIF found): every platform
adds its entities through :func:`async_add_as_found`, at set-up and at each update of
the coordinator that may reveal more.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine, Hashable, Iterable, Mapping
from typing import Any

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import entity_registry as er
from homeassistant.helpers.entity import Entity
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .client import SettingKey
from .const import DOMAIN
from .coordinator import SettingsCoordinator
from .data import CgiCameraConfigEntry
from .entity import CgiSettingDescription


@callback
def async_add_as_found[T: Hashable](
    entry: CgiCameraConfigEntry,
    coordinator: DataUpdateCoordinator[Any],
    async_add_entities: AddConfigEntryEntitiesCallback,
    found: Callable[[], Iterable[T]],
    make: Callable[[T], Entity],
    *,
    retire: Callable[[T], bool] | None = None,
    prepare: Callable[[list[T]], Awaitable[None]] | None = None,
) -> None:
    """Add an entity (``make``) for each thing ``found`` lists, now and at every update.

    ``retire``: a thing it holds for no longer found loses its entity (a replacement
    found under the same unique id is then added afresh). ``prepare``: the I/O things
    found after set-up need before their entities are added; run in the background.
    """
    hass = coordinator.hass
    entities: dict[T, Entity | None] = {}  # None: being prepared

    def _add(things: list[T]) -> None:
        made = [make(thing) for thing in things]
        entities.update(zip(things, made, strict=True))
        async_add_entities(made)

    async def _prepare_and_add(
        prepare: Callable[[list[T]], Awaitable[None]], things: list[T]
    ) -> None:
        await prepare(things)
        _add(things)

    @callback
    def _update(at_setup: bool = False) -> None:
        wanted = list(dict.fromkeys(found()))
        if retire is not None:
            _retire(hass, entities, [t for t in entities if t not in wanted and retire(t)])
        new = [thing for thing in wanted if thing not in entities]
        if not new:
            return
        if prepare is None or at_setup:
            _add(new)
            return
        entities.update(dict.fromkeys(new))
        entry.async_create_background_task(
            hass, _prepare_and_add(prepare, new), f"{DOMAIN} entities found after set-up"
        )

    _update(at_setup=True)
    entry.async_on_unload(coordinator.async_add_listener(_update))


def _retire[T](hass: HomeAssistant, entities: dict[T, Entity | None], gone: list[T]) -> None:
    registry = er.async_get(hass)
    for thing in gone:
        entity = entities.pop(thing)
        if entity is not None and entity.registry_entry is not None:
            registry.async_remove(entity.registry_entry.entity_id)


type SetupEntry = Callable[
    [HomeAssistant, CgiCameraConfigEntry, AddConfigEntryEntitiesCallback],
    Coroutine[Any, Any, None],
]


def setting_platform[D: CgiSettingDescription[Any]](
    descriptions: Mapping[SettingKey, D],
    factory: Callable[[SettingsCoordinator, D, int | None], Entity],
) -> SetupEntry:
    """A platform's ``async_setup_entry``: an entity per setting it has a description of.

    The device's settings first, then every channel's.
    """

    async def async_setup_entry(
        hass: HomeAssistant,
        entry: CgiCameraConfigEntry,
        async_add_entities: AddConfigEntryEntitiesCallback,
    ) -> None:
        async_add_setting_entities(entry, descriptions, factory, async_add_entities)

    return async_setup_entry


@callback
def async_add_setting_entities[D: CgiSettingDescription[Any]](
    entry: CgiCameraConfigEntry,
    descriptions: Mapping[SettingKey, D],
    factory: Callable[[SettingsCoordinator, D, int | None], Entity],
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add an entity per described setting: the device's, then every channel's."""
    coordinator = entry.runtime_data.coordinator
    caps = coordinator.camera.capabilities

    def _found() -> list[tuple[int | None, SettingKey]]:
        per_channel = [(None, caps.settings)] + [
            (channel, caps.channel_settings[channel]) for channel in sorted(caps.channel_settings)
        ]
        return [
            (channel, key)
            for channel, settings in per_channel
            for key, setting in settings.items()
            if key in descriptions and descriptions[key].supported_fn(setting)
        ]

    def _make(where: tuple[int | None, SettingKey]) -> Entity:
        channel, key = where
        return factory(coordinator, descriptions[key], channel)

    async_add_as_found(entry, coordinator, async_add_entities, _found, _make)
