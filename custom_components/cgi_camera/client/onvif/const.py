"""ONVIF namespaces, SOAP actions and the limits this client holds cameras to.

Names and actions come from the ONVIF WSDLs (devicemgmt, media, ptz, events) and
the OASIS WS-BaseNotification / WS-Security schemas they import.
"""

from __future__ import annotations

from typing import Final

SOAP12: Final = "http://www.w3.org/2003/05/soap-envelope"
SOAP11: Final = "http://schemas.xmlsoap.org/soap/envelope/"
WSSE: Final = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
WSU: Final = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
PASSWORD_DIGEST: Final = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0"
    "#PasswordDigest"
)
BASE64_BINARY: Final = (
    "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0"
    "#Base64Binary"
)
WSA: Final = "http://www.w3.org/2005/08/addressing"
WSNT: Final = "http://docs.oasis-open.org/wsn/b-2"
WSTOP: Final = "http://docs.oasis-open.org/wsn/t-1"
TT: Final = "http://www.onvif.org/ver10/schema"
TDS: Final = "http://www.onvif.org/ver10/device/wsdl"
TRT: Final = "http://www.onvif.org/ver10/media/wsdl"
TPTZ: Final = "http://www.onvif.org/ver20/ptz/wsdl"
TEV: Final = "http://www.onvif.org/ver10/events/wsdl"
TNS1: Final = "http://www.onvif.org/ver10/topics"
TER: Final = "http://www.onvif.org/ver10/error"

# Prefixes of every request we send (declared once, on the envelope).
NSMAP: Final = {
    "s": SOAP12, "wsse": WSSE, "wsu": WSU, "wsa": WSA, "wsnt": WSNT, "tt": TT,
    "tds": TDS, "trt": TRT, "tptz": TPTZ, "tev": TEV,
}

# Services, by the namespace GetServices names them with.
DEVICE: Final = TDS
MEDIA: Final = TRT
PTZ: Final = TPTZ
EVENTS: Final = TEV

DEVICE_PATH: Final = "/onvif/device_service"
EVENT_PATH: Final = "/onvif/event_service"  # where unlisted event services usually are

# SOAP 1.2 actions (the ``action`` parameter of the Content-Type).
_EVENT_PORT = f"{TEV}/EventPortType"
_PULL_POINT = f"{TEV}/PullPointSubscription"
_SUBSCRIPTION_MANAGER = "http://docs.oasis-open.org/wsn/bw-2/SubscriptionManager"
ACTIONS: Final = {
    "GetSystemDateAndTime": f"{TDS}/GetSystemDateAndTime",
    "GetServices": f"{TDS}/GetServices",
    "GetCapabilities": f"{TDS}/GetCapabilities",
    "GetDeviceInformation": f"{TDS}/GetDeviceInformation",
    "GetNetworkInterfaces": f"{TDS}/GetNetworkInterfaces",
    "GetProfiles": f"{TRT}/GetProfiles",
    "GetStreamUri": f"{TRT}/GetStreamUri",
    "GetSnapshotUri": f"{TRT}/GetSnapshotUri",
    "GetPresets": f"{TPTZ}/GetPresets",
    "GotoPreset": f"{TPTZ}/GotoPreset",
    "CreatePullPointSubscription": f"{_EVENT_PORT}/CreatePullPointSubscriptionRequest",
    "GetEventProperties": f"{_EVENT_PORT}/GetEventPropertiesRequest",
    "PullMessages": f"{_PULL_POINT}/PullMessagesRequest",
    "SetSynchronizationPoint": f"{_PULL_POINT}/SetSynchronizationPointRequest",
    "Renew": f"{_SUBSCRIPTION_MANAGER}/RenewRequest",
    "Unsubscribe": f"{_SUBSCRIPTION_MANAGER}/UnsubscribeRequest",
}

# ONVIF answers are larger than the CGI's (a GetEventProperties of a camera with
# analytics runs to ~200 KiB) but still bounded: nothing legitimate comes near 1 MiB.
BODY_LIMIT: Final = 1024 * 1024
# Strings kept from an answer (names, tokens, topics); longer ones are cut.
TEXT_LIMIT: Final = 256
URI_LIMIT: Final = 2048
# Items read from one answer: profiles, topics, items of one message.
MAX_PROFILES: Final = 32
MAX_TOPICS: Final = 512
MAX_ITEMS: Final = 32
MAX_INTERFACES: Final = 16
MAX_REFERENCE_PARAMETERS: Final = 8
MAX_MESSAGES: Final = 256

# The WS-Security window of ONVIF devices is ±5 s: an offset that moved less than
# this since it was last read cannot be why a request was refused.
CLOCK_SLACK: Final = 1.0
# A WS-Security refusal this long after sending may be the token having aged while the
# camera held the request (cameras accept a few seconds of difference).
TOKEN_AGED_AFTER: Final = 3.0
# A camera that took this long to tell its time (unsigned) would let a token age on
# its way: nothing signed is sent to it until it answers faster.
PROMPT_WITHIN: Final = 3.0
# Operations a device answers before authentication (ONVIF Core, access class
# PRE_AUTH): their answer proves nothing about the login.
PRE_AUTH: Final = frozenset({
    "GetSystemDateAndTime", "GetServices", "GetServiceCapabilities", "GetCapabilities",
    "GetWsdlUrl", "GetEndpointReference",
})
