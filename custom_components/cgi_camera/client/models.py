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
    # param_cgi
    RECORD_SCHEDULE = "record_schedule"
    HIGHLIGHT_COMPENSATION_ENABLED = "highlight_compensation_enabled"
    SPEAKER = "speaker"
    # -- added for cgi_message (seed 004); usable by any dialect --------------------
    # Switches
    DEFOG = "defog"  # anti-fog processing
    STABILIZATION = "stabilization"  # digital image stabilisation
    BACKLIGHT_COMPENSATION_ENABLED = "backlight_compensation_enabled"  # BLC on/off
    RECORDING = "recording"  # manual recording to the SD card
    # Numbers
    NOISE_REDUCTION = "noise_reduction"  # one generic denoise level
    # Selects
    EXPOSURE_MODE = "exposure_mode"  # auto / shutter_priority / manual
    SCENE_MODE = "scene_mode"  # outdoor / indoor
    WHITE_BALANCE = "white_balance"  # auto / manual
    # Read-only values
    SD_TOTAL = "sd_total"  # MB
    SD_FREE = "sd_free"  # MB
    WIFI_SIGNAL = "wifi_signal"  # raw value, scale undocumented
    # -- cgi_action (seed 003) ---------------------------------------------------
    # Switches
    ALARM_INPUT = "alarm_input"  # alarm input (dry contact) detection on/off
    OCCLUSION_DETECTION = "occlusion_detection"  # lens covered (tamper) alarm on/off
    REGION_DETECTION = "region_detection"  # region (intrusion) alarm on/off
    FIRE_DETECTION = "fire_detection"
    PRIVACY_MASK = "privacy_mask"
    # Numbers
    GAMMA = "gamma"
    REGION_SENSITIVITY = "region_sensitivity"
    FIRE_SENSITIVITY = "fire_sensitivity"
    # Selects
    IR_MODE = "ir_mode"  # auto / on / off
    ANTI_FLICKER_MODE = "anti_flicker_mode"  # off / auto / 50hz / 60hz
    # Read-only values
    WIFI_STATUS = "wifi_status"
    # The firmware version is DeviceInfo.firmware (the device registry), never a setting.
    PLATFORM_VERSION = "platform_version"
    KERNEL_VERSION = "kernel_version"
    MQTT_SERVER = "mqtt_server"  # push targets: configured on the device, shown only
    MQTT_TOPIC = "mqtt_topic"
    PLATFORM_SERVER = "platform_server"
    PLATFORM_WS_SERVER = "platform_ws_server"


# What an enum-like read-only value (a VALUE setting with options) reads as when the
# device sends a wire value its dialect does not know. Not listed in a setting's
# options: every entity of such a value offers it besides them.
UNKNOWN_STATE = "unknown"
# Every state an SD card (or a recorder's disk) is reported in, by any dialect: each
# dialect maps its own wire values onto these (its SD_CARD_STATUS options).
SD_CARD_STATES = frozenset({
    "normal", "no_card", "no_disk", "removed", "unformatted", "unpartitioned",
    "formatting", "mounting", "mounted", "unmounting", "unmounted", "write_protected",
    "write_timeout", "sleeping", "connection_failed", "abnormal", "failed",
    "uninitialized", "storage_on", "storage_off", UNKNOWN_STATE,
})


@dataclass(frozen=True, slots=True)
class Setting:
    """One setting the device supports, with its range or options."""

    key: SettingKey
    kind: SettingKind
    minimum: float | None = None
    maximum: float | None = None
    step: float = 1
    # An ENUM's choices; a VALUE's states when it is enum-like (vocabulary words, never
    # wire values; may repeat where two wire values read the same).
    options: tuple[str, ...] = ()
    unit: str | None = None
    # The device cannot report this value: the last value written is shown.
    assumed_state: bool = False


class Action(StrEnum):
    """One-shot actions (buttons)."""

    REBOOT = "reboot"
    TRIGGER_ALARM = "trigger_alarm"
    STOP_ALARM = "stop_alarm"
    AUTOFOCUS = "autofocus"
    PTZ_HOME = "ptz_home"
    SYNC_TIME = "sync_time"
    PTZ_STOP = "ptz_stop"
    RESET_IMAGE = "reset_image"  # image/exposure settings back to defaults
    PTZ_AUTO_SCAN = "ptz_auto_scan"
    # -- cgi_action (seed 003) ---------------------------------------------------
    OPEN_DOOR = "open_door"  # pulse the IO output ("open door")


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
    # Stored movements the head can run: "<kind>_<id>" -> name, kind in
    # tour / scan / pattern (one button each).
    routines: dict[str, str] = field(default_factory=dict)

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
    """Alarm kinds (binary sensors, bus events and device triggers)."""

    MOTION = "motion"
    IO_INPUT = "io_input"
    TAMPER = "tamper"
    VIDEO_LOSS = "video_loss"
    PIR = "pir"
    AUDIO = "audio"
    NETWORK = "network"
    DAY_NIGHT = "day_night"
    SMART_MOTION = "smart_motion"
    PERSON = "person"
    VEHICLE = "vehicle"
    LINE_CROSSING = "line_crossing"
    INTRUSION = "intrusion"
    LOITERING = "loitering"
    OBJECT_LEFT = "object_left"
    OBJECT_REMOVED = "object_removed"
    FIRE = "fire"
    TEMPERATURE = "temperature"
    DISK = "disk"
    RECORDING = "recording"


@dataclass(frozen=True, slots=True, order=True)
class AlarmSource:
    """One thing that can be in alarm: a kind, on a channel, with an index.

    ``channel`` is the camera channel (1 on a single camera, 1..n on an NVR);
    ``index`` tells inputs of the same kind apart (IO input 1, 2...).
    """

    kind: AlarmKind
    channel: int = 1
    index: int = 1

    @property
    def key(self) -> str:
        """Stable key for unique ids: ``motion``, ``io_input_2``, ``motion_ch3``."""
        key = str(self.kind)
        if self.kind is AlarmKind.IO_INPUT or self.index != 1:
            key += f"_{self.index}"
        if self.channel != 1:
            key += f"_ch{self.channel}"
        return key


@dataclass(frozen=True, slots=True)
class AlarmEvent:
    """One alarm state change reported by the device."""

    source: AlarmSource
    active: bool
    at: datetime | None = None
    # The device never reports the end of this kind: the owner turns it off itself.
    momentary: bool = False


@dataclass(frozen=True, slots=True)
class Heartbeat:
    """The alarm stream is connected and alive (sent on connect and on keep-alives)."""


@dataclass(frozen=True, slots=True)
class AlarmReading:
    """The state of every alarm source a poll read at once; sources missing are off."""

    states: dict[AlarmSource, bool]


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
    # The serial is the device's own stable id and wins over the MAC (cgi_action's
    # deviceID); the MAC then still links the device registry entry.
    prefer_serial: bool = False

    @property
    def unique_id(self) -> str | None:
        """Stable identity: the MAC, else the serial (the serial first if preferred)."""
        if self.prefer_serial and self.serial:
            return self.serial
        return self.mac or self.serial


@dataclass(frozen=True, slots=True)
class ChannelInfo:
    """One camera channel of a recorder (NVR), shown as its own device."""

    number: int
    name: str | None = None
    model: str | None = None
    firmware: str | None = None
    hardware: str | None = None
    online: bool = True


@dataclass(slots=True)
class Capabilities:
    """Everything the device at hand supports, found out at connect time."""

    settings: dict[SettingKey, Setting] = field(default_factory=dict)
    actions: set[Action] = field(default_factory=set)
    ptz: PtzCapabilities | None = None
    alarms: set[AlarmSource] = field(default_factory=set)
    # The device pushes alarms over a long-lived stream (else they are polled).
    alarm_push: bool = False
    # Alarms the device's configuration says it can raise (a detection it supports,
    # switched on or not) that its poll does not read: they get their entity, off,
    # once a feed reporting their kind is there (see contract.py).
    declared_alarms: set[AlarmSource] = field(default_factory=set)
    # Camera channels of a recorder; empty on a single camera.
    channels: dict[int, ChannelInfo] = field(default_factory=dict)
    # Settings of each recorder channel (state keys ``(key, channel)``).
    channel_settings: dict[int, dict[SettingKey, Setting]] = field(default_factory=dict)
    snapshot: bool = True
    # Recordings on the device's storage can be listed by day and downloaded.
    recordings: bool = False
    # Ports the device's own CGI says its ONVIF service listens on (most likely first);
    # empty when the CGI does not say (ONVIF is then looked for on the usual ports).
    onvif_ports: list[int] = field(default_factory=list)

    def add(self, setting: Setting) -> None:
        self.settings[setting.key] = setting


class RecordingKind(StrEnum):
    """Why the device recorded a file."""

    SCHEDULED = "scheduled"
    MOTION = "motion"
    ALARM = "alarm"
    OTHER = "other"


@dataclass(frozen=True, slots=True)
class Recording:
    """One file on the device's storage."""

    start: datetime  # aware
    path: str  # the device's own name for it: pass back to open_recording
    kind: RecordingKind
    size: int | None = None  # bytes


# Device settings are keyed by their key, a recorder channel's by (key, channel).
StateKey = SettingKey | tuple[SettingKey, int]
State = dict[StateKey, Any]


def normalize_mac(value: str | None) -> str | None:
    """``F0-00-00-29-06-9f`` and friends -> ``f0:00:00:29:06:9f``; None if not a MAC."""
    if not value:
        return None
    digits = "".join(ch for ch in value.strip().lower() if ch in "0123456789abcdef")
    if len(digits) != 12 or digits == "0" * 12 or set(value.strip()) <= {"X", "x", "-", ":"}:
        return None
    return ":".join(digits[i : i + 2] for i in range(0, 12, 2))
