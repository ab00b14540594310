"""The one setting-table engine every dialect uses.

A dialect describes its settings as :class:`Group` s of :class:`Field` s (its tables)
and speaks its wire through a :class:`Codec` plus two calls: ``fetch`` (one group's
answer) and ``store`` (one group's set request). :class:`Table` does the rest the same
way for every dialect: which fields this device has, reading them all with one
failure rule, decoding with one bad-value rule, and read-modify-write with partners.

Cadence: a read may take the control groups (what a user operates: picture, lights,
detection, audio, outputs) every time and the configuration groups (storage, network,
versions, schedules, mounting) only every few reads, each in its own turn so no read
carries them all. The table keeps what each group last answered, so every read still
returns every setting.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum
import logging
from typing import Any

from .errors import CameraError, CommandError, NotSupported, ProtocolError
from .models import Capabilities, Setting, SettingKey, SettingKind, State, StateKey

_LOGGER = logging.getLogger(__name__)

# What decoding one bad camera value raises: it costs only that value.
BAD_VALUE = (ValueError, ArithmeticError, IndexError, TypeError, ProtocolError)
# What reading one group may fail with and cost only that group's keys. Anything
# else (a refused login, a timeout, a lost connection) is the camera's, not the group's.
GROUP_FAILURE = (NotSupported, CommandError, ProtocolError)
# An uptime read as a boot time moves by less than this between reads: kept steady.
BOOT_JITTER = 60


class _Missing(Enum):
    MISSING = "missing"


# A value the answer does not carry (None may be a value: JSON null reads as unknown).
MISSING = _Missing.MISSING


@dataclass(frozen=True, slots=True, kw_only=True)
class Field:
    """One setting inside a group: its wire name, vocabulary entry and codec overrides."""

    key: SettingKey
    name: str  # in the group's answer
    kind: SettingKind
    set_name: str | None = None  # in the set request, where it differs from ``name``
    writable: bool = True  # a VALUE is never writable
    minimum: float | None = None  # the table's range (a device-reported one overrides)
    maximum: float | None = None
    options: Mapping[Any, str] | None = None  # wire value -> vocabulary option
    unit: str | None = None
    # Names sent along with their current value whenever this field is written.
    partners: tuple[str, ...] = ()
    decode: Callable[[Any], Any] | None = None  # instead of the codec's default
    # (current wire value, new value) -> new wire value, for a wire key fields share.
    merge: Callable[[Any, Any], Any] | None = None

    @property
    def param(self) -> str:
        return self.set_name or self.name

    @property
    def settable(self) -> bool:
        return self.writable and self.kind is not SettingKind.VALUE

    def setting(self, minimum: float | None = None, maximum: float | None = None) -> Setting:
        """The vocabulary entry; a range the device reported overrides the table's."""
        return Setting(
            key=self.key,
            kind=self.kind,
            minimum=self.minimum if minimum is None else minimum,
            maximum=self.maximum if maximum is None else maximum,
            options=tuple(self.options.values()) if self.options else (),
            unit=self.unit,
        )

    def wire_option(self, value: Any) -> Any:
        """The wire value of an option; a value outside the options is refused."""
        for wire, option in (self.options or {}).items():
            if option == value:
                return wire
        raise CommandError(f"{value!r} is not an option of {self.key}")


class Cadence(Enum):
    """How often a group is read."""

    CONTROL = "control"  # every refresh: a change on the camera shows within one
    CONFIG = "config"  # every few refreshes (the owner says how many): set up once, or reports


class Partners(Enum):
    """What goes along with a written value in the set request."""

    OWN = "own"  # only the field's own partners (and the group's carry)
    FIELDS = "fields"  # every settable field of the group this device reported
    ANSWER = "answer"  # the whole answer just read, without the group's read-only keys


@dataclass(frozen=True, slots=True, kw_only=True)
class Group:
    """One get/set pair of a dialect (a dialect subclasses it with its address)."""

    fields: tuple[Field, ...]
    partners: Partners = Partners.OWN
    carry: tuple[str, ...] = ()  # keys every set repeats from the get
    readonly: frozenset[str] = frozenset()  # answer keys the set never takes (ANSWER)
    poll: bool = True  # False: read once at set-up (versions)
    cadence: Cadence = Cadence.CONTROL


class Codec(ABC):
    """How a dialect spells values on the wire; fields override it one by one."""

    # The client refuses a number outside the device's range before sending it
    # (else the device's own refusal, with its reason, is the answer).
    checks_range = False

    def lookup(self, values: Mapping[str, Any], name: str) -> Any:
        """``values[name]``, :data:`MISSING` when absent (some dialects spell it several ways)."""
        return values.get(name, MISSING)

    def value(self, group: Group, values: Mapping[str, Any], fld: Field) -> Any:
        """The raw value of ``fld`` in a group's answer; :data:`MISSING` when not reported."""
        return self.lookup(values, fld.name)

    def decode(self, fld: Field, raw: Any, values: Mapping[str, Any]) -> Any:
        """The vocabulary value; may raise a :data:`BAD_VALUE` error."""
        return fld.decode(raw) if fld.decode is not None else self.plain_decode(fld, raw)

    def encode(self, fld: Field, value: Any, current: Any) -> Any:
        """The wire value to send (``current``: the field's value just read, if any)."""
        return fld.merge(current, value) if fld.merge is not None else self.plain_encode(
            fld, value)

    @abstractmethod
    def plain_decode(self, fld: Field, raw: Any) -> Any: ...

    @abstractmethod
    def plain_encode(self, fld: Field, value: Any) -> Any: ...


Fetch = Callable[[Any, int | None], Awaitable[Mapping[str, Any]]]
# -> the echo of a set request, when the device names what it changed (else None).
Store = Callable[[Any, int | None, list[tuple[str, Any]]], Awaitable[Mapping[str, Any] | None]]
# One read of a refresh: a group of the device (channel None) or of a recorder channel.
Read = tuple[int, int | None]  # (id of the group, channel)


class Table[G: Group]:
    """The settings one device has, read and written the same way for every dialect.

    ``fetch(group, channel)`` returns a group's answer (or raises the taxonomy's
    error); ``store(group, channel, params)`` sends its set request.
    """

    def __init__(self, owner: object, capabilities: Capabilities, codec: Codec,
                 fetch: Fetch, store: Store) -> None:
        self._owner = owner  # for log lines
        self._caps = capabilities
        self._codec = codec
        self._fetch = fetch
        self._store = store
        self._groups: dict[int | None, list[G]] = {None: []}
        self._fields: dict[int | None, dict[SettingKey, tuple[G, Field]]] = {None: {}}
        # Write-only settings: the last value written is what the device is assumed to have.
        self.assumed: State = {}
        self._static: State = {}  # groups read once at set-up
        self._boot: datetime | None = None
        # What each read last answered; a read that failed (or never ran) has none.
        self._answers: dict[Read, State] = {}
        # Answers discovery just read (adopt's values): the next read takes them as
        # they are instead of asking the device again.
        self._fresh: set[Read] = set()
        # Answers that lacked values (garbled, cut short): read again at the next read.
        self._retry: set[Read] = set()
        self._refreshes = 0  # reads so far
        self._full_next = True  # the first read, and the one after a camera failure

    # -- set-up -------------------------------------------------------------------

    def adopt(
        self,
        group: G,
        settings: Iterable[tuple[Field, Setting]],
        channel: int | None = None,
        values: Mapping[str, Any] | None = None,
    ) -> bool:
        """Take these fields of ``group`` (with the settings they become) as this device's.

        ``values`` is the answer that found them: a group read only at set-up keeps
        its values from it, and the next read of any other group takes them instead of
        asking again (discovery's first read costs no second round trip). Returns
        whether anything was taken.
        """
        found = list(settings)
        if not found:
            return False
        groups = self._groups.setdefault(channel, [])
        if not any(known is group for known in groups):  # by identity: dicts inside
            groups.append(group)
        fields = self.fields(channel)
        target = (self._caps.settings if channel is None
                  else self._caps.channel_settings.setdefault(channel, {}))
        for fld, setting in found:
            fields[fld.key] = (group, fld)
            target[setting.key] = setting
        if values is not None:
            decoded = self.decode(group, values, channel)
            if not group.poll:
                self._static.update(decoded)
            else:
                self._answers[(id(group), channel)] = decoded
                self._fresh.add((id(group), channel))
        return True

    def fields(self, channel: int | None = None) -> dict[SettingKey, tuple[G, Field]]:
        """The fields this device (or recorder ``channel``) has, by key."""
        return self._fields.setdefault(channel, {})

    def groups(self, channel: int | None = None) -> list[G]:
        """The groups this device (or ``channel``) has, in the order they were found."""
        return list(self._groups.get(channel, ()))

    def has_channel(self, channel: int) -> bool:
        return channel in self._fields

    def assume(self, key: SettingKey, value: Any) -> State:
        """Record the value a write-only setting was just set to; what that changed."""
        self.assumed[key] = value
        return {key: value}

    # -- reading ------------------------------------------------------------------

    def _reads(self) -> list[tuple[G, int | None]]:
        reads: list[tuple[G, int | None]] = [(g, None) for g in self._groups[None] if g.poll]
        for channel in sorted(c for c in self._groups if c is not None):
            reads += [(g, channel) for g in self._groups[channel] if g.poll]
        return reads

    def _due(self, reads: list[tuple[G, int | None]], config_every: int,
             full: bool, retry: set[Read]) -> list[tuple[G, int | None]]:
        """The reads of this refresh: controls, the configuration groups whose turn it
        is, every group without a current answer (failed last time: back at once) and
        every one whose last answer lacked values (``retry``: once more).

        Configuration groups take turns, so no refresh carries them all.
        """
        if full or config_every <= 1:
            return reads
        due: list[tuple[G, int | None]] = []
        turn = 0
        for group, channel in reads:
            if group.cadence is Cadence.CONFIG:
                mine = (self._refreshes + turn) % config_every == 0
                turn += 1
                slot = (id(group), channel)
                if not mine and slot in self._answers and slot not in retry:
                    continue
            due.append((group, channel))
        return due

    async def read(self, config_every: int = 1) -> State:
        """Every setting: the groups due read now (one request each), the others as
        they last answered.

        Control groups are read every time, configuration groups every
        ``config_every`` reads (1: every group every time). One failing group costs
        only its own keys (and is read again at the next read); when every group read
        fails, the first failure is raised (it explains why nothing could be read).
        The first read, and the one after a read that raised, reads every group.
        """
        full, self._full_next = self._full_next, True  # stays set if this read raises
        self._refreshes += 1
        reads = self._reads()
        fresh, self._fresh = self._fresh, set()
        retry, self._retry = self._retry, set()
        due = [read for read in self._due(reads, config_every, full, retry)
               if (id(read[0]), read[1]) not in fresh]
        failures: list[CameraError] = []
        for group, channel in due:
            slot = (id(group), channel)
            try:
                values = await self._fetch(group, channel)
            except GROUP_FAILURE as err:
                _LOGGER.debug("%s: reading %s failed: %s", self._owner, group_label(group), err)
                failures.append(err)
                self._answers.pop(slot, None)
                continue
            answer = self.decode(group, values, channel)
            expected = self._expected(group, channel)
            if expected and not answer:
                # Not one value readable (garbage in a lenient format): as if it failed,
                # asked again at every read until it answers.
                _LOGGER.debug("%s: %s answered none of its values", self._owner,
                              group_label(group))
                self._answers.pop(slot, None)
                continue
            self._answers[slot] = answer
            if len(answer) < expected and slot not in retry:
                self._retry.add(slot)  # values missing: once more at the next read
        if due and len(failures) == len(due) and not fresh:
            raise failures[0]  # nothing answered at all (discovery's answers count)
        self._full_next = False
        state: State = {**self._static, **self.assumed}
        for group, channel in reads:
            state.update(self._answers.get((id(group), channel), {}))
        return state

    def _expected(self, group: G, channel: int | None) -> int:
        """How many values this device has in ``group`` (what :meth:`decode` looks for)."""
        fields = self._fields.get(channel, {})
        return sum(1 for fld in group.fields if fld.key in fields)

    def decode(self, group: G, values: Mapping[str, Any], channel: int | None = None) -> State:
        """The values of the fields this device has in one answer of ``group``."""
        fields = self._fields.get(channel, {})
        state: State = {}
        for fld in group.fields:
            if fld.key not in fields:
                continue
            raw = self._codec.value(group, values, fld)
            if raw is MISSING:
                continue
            try:
                value = self._codec.decode(fld, raw, values)
                if fld.key is SettingKey.BOOT_TIME and isinstance(value, timedelta):
                    value = self._boot_time(value)
            except BAD_VALUE:
                # Only this value is lost (inf, 1e999, text, an uptime past the calendar).
                _LOGGER.debug("%s: bad value %r for %s", self._owner, str(raw)[:40], fld.key)
                continue
            state[fld.key if channel is None else (fld.key, channel)] = value
        return state

    def _boot_time(self, uptime: timedelta) -> datetime:
        boot = (datetime.now(UTC) - uptime).replace(microsecond=0)
        # The uptime ticks between reads; keep the boot time steady unless it jumps.
        if self._boot is not None and abs((boot - self._boot).total_seconds()) < BOOT_JITTER:
            return self._boot
        self._boot = boot
        return boot

    # -- writing ------------------------------------------------------------------

    async def write(self, key: SettingKey, value: Any, channel: int | None = None) -> State:
        """Change one setting; returns what the write changed (the written key always).

        Read-modify-write where the group needs it: the values sent along are the
        device's current ones, read just before.
        """
        fields = self._fields.get(channel, {})
        if key not in fields:
            raise NotSupported(f"{key} is not supported by this device")
        group, target = fields[key]
        if not target.settable:
            raise NotSupported(f"{key} is read-only")
        wire = None if target.merge else self._codec.encode(target, value, None)
        if wire is not None:
            self._check_range(key, wire, channel)
        current: Mapping[str, Any] = {}
        if group.partners is not Partners.OWN or target.partners or group.carry or target.merge:
            current = await self._fetch(group, channel)
        if target.merge is not None:
            now = self._codec.lookup(current, target.name)
            try:
                wire = self._codec.encode(target, value, "" if now is MISSING else now)
            except ValueError as err:  # the value it merges into is junk
                raise ProtocolError(f"unreadable current value of {key}") from err
        echo = await self._store(group, channel, self._request(group, target, wire, current,
                                                               channel))
        before = self.decode(group, current, channel) if current else {}
        after = self.decode(group, {**current, target.name: wire}, channel)
        if echo:
            after.update(self.decode(group, echo, channel))
        written: StateKey = key if channel is None else (key, channel)
        after[written] = self._codec.decode(target, wire, {})
        if (answer := self._answers.get((id(group), channel))) is not None:
            answer.update(after)  # a group not due at the next refresh shows the write
        return {where: new for where, new in after.items()
                if where == written or where not in before or before[where] != new}

    def _check_range(self, key: SettingKey, wire: Any, channel: int | None) -> None:
        settings = (self._caps.settings if channel is None
                    else self._caps.channel_settings.get(channel, {}))
        setting = settings.get(key)
        if not self._codec.checks_range or setting is None or setting.kind is not (
                SettingKind.NUMBER):
            return
        number = float(wire)
        if (setting.minimum is not None and number < setting.minimum) or (
                setting.maximum is not None and number > setting.maximum):
            raise CommandError(f"{wire} is outside {setting.minimum}-{setting.maximum}")

    def _request(self, group: G, target: Field, wire: Any, current: Mapping[str, Any],
                 channel: int | None) -> list[tuple[str, Any]]:
        """The parameters of the set request, in the order the device expects them."""
        if group.partners is Partners.ANSWER:
            body = {k: v for k, v in current.items() if k not in group.readonly}
            body[target.param] = wire
            return list(body.items())
        params = [(name, current[name]) for name in group.carry if name in current]
        if group.partners is Partners.OWN:
            params.append((target.param, wire))
            for partner in target.partners:
                raw = self._codec.lookup(current, partner)
                if raw is not MISSING:
                    params.append((partner, raw))
            return params
        fields = self._fields.get(channel, {})
        sent: set[str] = set()
        for fld in group.fields:
            if fld.param in sent or not fld.settable or fld.key not in fields:
                continue
            raw = self._codec.value(group, current, fld)
            if raw is MISSING:
                continue  # not reported now: not sent (the target neither)
            params.append((fld.param, wire if fld.param == target.param else raw))
            sent.add(fld.param)
        return params


def group_label(group: Group) -> str:
    """A group's name for log lines (its first field's wire name when it has no other)."""
    for attr in ("path", "name", "get", "type"):
        label = getattr(group, attr, None)
        if isinstance(label, str):
            return label
    return group.fields[0].name if group.fields else type(group).__name__


def table_settings(fields: Sequence[Field]) -> list[tuple[Field, Setting]]:
    """Fields with the settings their tables describe (no device-reported range)."""
    return [(fld, fld.setting()) for fld in fields]
