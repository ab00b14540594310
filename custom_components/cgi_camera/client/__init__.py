"""Client for the OEM IP cameras that speak one of the CGI dialects in ``dialects/``.

No Home Assistant import anywhere below this package: it is a library the
integration (and the ``probe`` command line) use.
"""

from __future__ import annotations

from .camera import Camera
from .detect import connect, detect
from .errors import (
    AuthDowngrade,
    AuthError,
    CameraError,
    CommandError,
    ConnectError,
    NotSupported,
    ProtocolError,
    SSLVerifyError,
    Timeout,
    UnsupportedDevice,
)
from .models import (
    Action,
    AlarmEvent,
    AlarmKind,
    Capabilities,
    DeviceInfo,
    PresetOp,
    PtzCapabilities,
    PtzMove,
    Recording,
    RecordingKind,
    Setting,
    SettingKey,
    SettingKind,
    State,
    StreamKind,
)
from .transport import Credentials, Transport, redact_url

__all__ = [
    "Action",
    "AlarmEvent",
    "AlarmKind",
    "AuthDowngrade",
    "AuthError",
    "Camera",
    "CameraError",
    "Capabilities",
    "CommandError",
    "ConnectError",
    "Credentials",
    "DeviceInfo",
    "NotSupported",
    "PresetOp",
    "ProtocolError",
    "PtzCapabilities",
    "PtzMove",
    "Recording",
    "RecordingKind",
    "SSLVerifyError",
    "Setting",
    "SettingKey",
    "SettingKind",
    "State",
    "StreamKind",
    "Timeout",
    "Transport",
    "UnsupportedDevice",
    "connect",
    "detect",
    "redact_url",
]
