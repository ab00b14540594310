"""Constants of the CGI Camera integration."""

from __future__ import annotations

from typing import Final

from homeassistant.const import Platform

DOMAIN: Final = "cgi_camera"

CONF_DIALECT: Final = "dialect"
CONF_SCAN_INTERVAL: Final = "scan_interval"
CONF_ALARM_INTERVAL: Final = "alarm_interval"
CONF_STREAM: Final = "stream"
CONF_RTSP_PORT: Final = "rtsp_port"
CONF_RTSP_URL: Final = "rtsp_url"
CONF_SNAPSHOT_URL: Final = "snapshot_url"
CONF_ALARM_IDLE_TIMEOUT: Final = "alarm_idle_timeout"
CONF_ALARM_AUTO_OFF: Final = "alarm_auto_off"
# How the camera authenticated last time (client ``Camera.auth_scheme``), so the next
# set-up starts with it: a Digest-only camera is never sent Basic.
CONF_AUTH_SCHEME: Final = "auth_scheme"
# ONVIF beside the CGI (events, stream URLs, presets): "auto" looks for it, "off" not.
CONF_ONVIF: Final = "onvif"
CONF_ONVIF_PORT: Final = "onvif_port"  # option: where to look (0 = the usual places)
CONF_ONVIF_FOUND_PORT: Final = "onvif_found_port"  # data: where it answered last time
ONVIF_AUTO: Final = "auto"
ONVIF_OFF: Final = "off"

DEFAULT_PORT: Final = 80
DEFAULT_HTTPS_PORT: Final = 443
# One settings read per endpoint group per minute keeps these tiny web servers idle.
DEFAULT_SCAN_INTERVAL: Final = 60
# Configuration and diagnostics (storage, network, versions, schedules) are read at
# least this often (s); the controls at every settings refresh.
CONFIG_MAX_AGE: Final = 300
DEFAULT_ALARM_INTERVAL: Final = 1.0
DEFAULT_STREAM: Final = "main"
DEFAULT_RTSP_PORT: Final = 554
# An alarm stream silent for this long is dead (keep-alives normally come every few s).
DEFAULT_ALARM_IDLE_TIMEOUT: Final = 60
# Alarms the camera never reports as ended turn off after this long.
DEFAULT_ALARM_AUTO_OFF: Final = 10
DEFAULT_ONVIF: Final = "auto"

EVENT_ALARM: Final = "cgi_camera_alarm"
# How often the client gets a chance to keep its session alive.
HOUSEKEEPING_INTERVAL: Final = 10

SERVICE_PTZ: Final = "ptz"
SERVICE_PTZ_PRESET: Final = "ptz_preset"
ATTR_MOVEMENT: Final = "movement"
ATTR_SPEED: Final = "speed"
ATTR_DURATION: Final = "duration"
ATTR_PRESET: Final = "preset"
ATTR_ACTION: Final = "action"

PLATFORMS: Final = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.CAMERA,
    Platform.NUMBER,
    Platform.SELECT,
    Platform.SENSOR,
    Platform.SWITCH,
]
