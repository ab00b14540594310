"""The vocabulary every dialect maps its device onto.

Home Assistant's platforms only ever see these types: settings keyed by
:class:`SettingKey`, PTZ commands, actions, alarm kinds. A dialect declares which of
them the device at hand supports; the platforms create entities from that alone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class SettingKind(StrEnum):
    """How a setting behaves; decides the Home Assistant platform."""

    BOOL = "bool"  # switch
    NUMBER = "number"  # number with a range
    ENUM = "enum"  # select
    VALUE = "value"  # read-only measurement or state (sensor)


class SettingKey(StrEnum):
    """Names shared by all dialects; also the entities' translation keys."""

    # Switches
    MOTION_DETECTION = "motion_detection"
    NIGHT_MOTION_DETECTION = "night_motion_detection"
    AUDIO = "audio"
    AUDIO_AMPLIFIER = "audio_amplifier"
    OSD = "osd"
    OSD_WEEKDAY = "osd_weekday"
    IR_LIGHT = "ir_light"
    WHITE_LIGHT = "white_light"
    FLIP = "flip"
    MIRROR = "mirror"
    WDR = "wdr"
    ANTI_FLICKER = "anti_flicker"
    RELAY = "relay"
    # Numbers
    BRIGHTNESS = "brightness"
    CONTRAST = "contrast"
    SATURATION = "saturation"
    SHARPNESS = "sharpness"
    HUE = "hue"
    HIGHLIGHT_COMPENSATION = "highlight_compensation"
    BACKLIGHT_COMPENSATION = "backlight_compensation"
    NOISE_REDUCTION_2D = "noise_reduction_2d"
    NOISE_REDUCTION_3D = "noise_reduction_3d"
    WDR_LEVEL = "wdr_level"
    IR_BRIGHTNESS = "ir_brightness"
    WHITE_LIGHT_BRIGHTNESS = "white_light_brightness"
    MICROPHONE_VOLUME = "microphone_volume"
    VOLUME = "volume"
    MOTION_SENSITIVITY = "motion_sensitivity"
    MOTION_THRESHOLD = "motion_threshold"
    NIGHT_MOTION_SENSITIVITY = "night_motion_sensitivity"
    NIGHT_MOTION_THRESHOLD = "night_motion_threshold"
    # Selects
    DAY_NIGHT_MODE = "day_night_mode"
    POWER_FREQUENCY = "power_frequency"
    # Read-only values
    BOOT_TIME = "boot_time"
    SD_CARD_STATUS = "sd_card_status"
    SD_CARD_2_STATUS = "sd_card_2_status"
    MEMORY_FREE = "memory_free"


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting the device supports, with its range or options."""

    key: SettingKey
    kind: SettingKind
    minimum: float | None = None
    maximum: float | None = None
    step: float = 1
    options: tuple[str, ...] = ()
    unit: str | None = None
    # The device cannot report this value: the last value written is shown.
    assumed_state: bool = False


class Action(StrEnum):
    """One-shot actions (buttons)."""

    REBOOT = "reboot"
    TRIGGER_ALARM = "trigger_alarm"
    SYNC_TIME = "sync_time"
    PTZ_STOP = "ptz_stop"


class PtzMove(StrEnum):
    """Continuous PTZ movements; :data:`STOP` ends any of them."""

    UP = "up"
    DOWN = "down"
    LEFT = "left"
    RIGHT = "right"
    UP_LEFT = "up_left"
    UP_RIGHT = "up_right"
    DOWN_LEFT = "down_left"
    DOWN_RIGHT = "down_right"
    ZOOM_IN = "zoom_in"
    ZOOM_OUT = "zoom_out"
    FOCUS_NEAR = "focus_near"
    FOCUS_FAR = "focus_far"
    IRIS_OPEN = "iris_open"
    IRIS_CLOSE = "iris_close"
    STOP = "stop"


class PresetOp(StrEnum):
    """What to do with a PTZ preset."""

    GOTO = "goto"
    SET = "set"
    REMOVE = "remove"


@dataclass(frozen=True, slots=True)
class PtzCapabilities:
    """What the PTZ head can do."""

    moves: frozenset[PtzMove]
    speed_min: int
    speed_max: int
    preset_min: int = 1
    preset_max: int = 255
    # Names of the presets the device reports; None when it cannot list them.
    presets: dict[int, str] | None = None

    def native_speed(self, percent: int) -> int:
        """Map a 1-100 speed onto the device's own range."""
        percent = max(1, min(100, percent))
        span = self.speed_max - self.speed_min
        return self.speed_min + round((percent - 1) * span / 99)


class StreamKind(StrEnum):
    """Which encoder stream to show."""

    MAIN = "main"
    SUB = "sub"


class AlarmKind(StrEnum):
    """Alarm kinds (binary sensors and bus events)."""

    MOTION = "motion"
    IO_INPUT = "io_input"


@dataclass(frozen=True, slots=True)
class AlarmEvent:
    """One alarm state change reported by the device."""

    kind: AlarmKind
    active: bool
    channel: int = 0
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """Identity of a device, as far as the dialect can tell."""

    dialect: str
    mac: str | None = None
    serial: str | None = None
    model: str | None = None
    name: str | None = None
    manufacturer: str | None = None
    firmware: str | None = None
    hardware: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def unique_id(self) -> str | None:
        """Stable identity: the MAC, else the serial."""
        return self.mac or self.serial


@dataclass(slots=True)
class Capabilities:
    """Everything the device at hand supports, found out at connect time."""

    settings: dict[SettingKey, Setting] = field(default_factory=dict)
    actions: set[Action] = field(default_factory=set)
    ptz: PtzCapabilities | None = None
    alarms: set[AlarmKind] = field(default_factory=set)
    snapshot: bool = True

    def add(self, setting: Setting) -> None:
        self.settings[setting.key] = setting


State = dict[SettingKey, Any]


def normalize_mac(value: str | None) -> str | None:
    """``F0-00-00-29-06-9f`` and friends -> ``f0:00:00:29:06:9f``; None if not a MAC."""
    if not value:
        return None
    digits = "".join(ch for ch in value.strip().lower() if ch in "0123456789abcdef")
    if len(digits) != 12 or digits == "0" * 12 or set(value.strip()) <= {"X", "x", "-", ":"}:
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))
