"""ONVIF answers as cheap firmware writes them, parsed without a camera.

Values (durations, times, topics), faults of SOAP 1.2 and 1.1 and their mapping
onto the error taxonomy, and hostile bodies (DTDs, junk, too many items).
"""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta, timezone
from typing import cast

import aiohttp
from multidict import CIMultiDict, CIMultiDictProxy
import pytest

from custom_components.cgi_camera.client.errors import AuthError, NotSupported, ProtocolError
from custom_components.cgi_camera.client.models import AlarmEvent, AlarmKind
from custom_components.cgi_camera.client.onvif import (
    EventTopic,
    NotAuthorized,
    NotificationMessage,
    OnvifClient,
    PropertyOperation,
    SoapFault,
    TopicEvent,
    TopicMapper,
    announced_kinds,
)
from custom_components.cgi_camera.client.onvif.device import parse_system_time
from custom_components.cgi_camera.client.onvif.events import parse_topic_set, topic_path
from custom_components.cgi_camera.client.onvif.soap import expect, read_body
from custom_components.cgi_camera.client.onvif.wsse import password_digest, zulu
from custom_components.cgi_camera.client.onvif.xmlutil import (
    child,
    parse_bool,
    parse_datetime,
    parse_duration,
)
from custom_components.cgi_camera.client.transport import Response, Transport
from tests.conftest import PASSWORD, USERNAME
from tests.onvif_helpers import connected_client
from tests.sim.onvif import OnvifSim

ENV12 = "http://www.w3.org/2003/05/soap-envelope"
ENV11 = "http://schemas.xmlsoap.org/soap/envelope/"


def response(body: bytes, status: int = 200, **headers: str) -> Response:
    return Response(status, CIMultiDictProxy(CIMultiDict(headers)), body, "http://camera/")


def fault12(code: str, subcode: str, reason: str = "") -> bytes:
    return (
        f'<env:Envelope xmlns:env="{ENV12}" xmlns:ter="http://www.onvif.org/ver10/error">'
        f"<env:Body><env:Fault><env:Code><env:Value>env:{code}</env:Value><env:Subcode>"
        f"<env:Value>{subcode}</env:Value></env:Subcode></env:Code><env:Reason>"
        f'<env:Text xml:lang="en">{reason}</env:Text></env:Reason></env:Fault></env:Body>'
        "</env:Envelope>"
    ).encode()


class _Camera:
    """An owner for the mapper's once-per-camera warnings."""


@pytest.mark.parametrize(("text", "seconds"), [
    ("PT60S", 60), ("PT1M30S", 90), ("P1D", 86400), ("PT0.5S", 0.5), (" pt10s ", 10),
    ("PT", None), ("60", None), ("P1Y", 365 * 86400), ("-PT5S", -5),
])
def test_durations(text: str, seconds: float | None) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize(("text", "expected"), [
    ("2024-05-01T12:00:00Z", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ("2024-5-1T12:0:0.250Z", datetime(2024, 5, 1, 12, 0, 0, 250000, tzinfo=UTC)),
    ("2024-05-01T20:00:00+08:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ("2024-05-01T20:00:00+0800", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ("2024-05-01 12:00", datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ("0001-01-01T00:00:00+01:00", None),  # off the calendar once shifted
    ("2024-13-01T00:00:00Z", None),
    ("yesterday", None),
])
def test_date_times(text: str, expected: datetime | None) -> None:
    assert parse_datetime(text) == expected


def test_booleans_as_firmware_writes_them() -> None:
    assert [parse_bool(v) for v in ("true", " TRUE ", "1", "false", "0", "maybe")] == [
        True, True, True, False, False, None,
    ]


def test_topic_paths_lose_their_prefixes() -> None:
    assert topic_path(" tns1:RuleEngine/CellMotionDetector/Motion ") == (
        "RuleEngine/CellMotionDetector/Motion"
    )
    assert topic_path("tns1:Device/Trigger/tnshik:AlarmIn//.") == "Device/Trigger/AlarmIn"


def test_password_digest_and_created() -> None:
    # The example of the ONVIF Application Programmer's Guide (WS-UsernameToken).
    nonce = base64.b64decode("LKqI6G/AikKCQrN0zqZFlg==")
    assert password_digest(nonce, "2010-09-16T07:50:45Z", "userpassword") == (
        "tuOSpGlFlIXsozq4HFNeeGeFLEI="
    )
    eight_east = timezone(timedelta(hours=8))
    assert zulu(datetime(2024, 5, 1, 22, 0, 0, 123456, tzinfo=eight_east)) == (
        "2024-05-01T14:00:00Z"
    )


def test_system_time_from_local_time_and_posix_zone() -> None:
    body = read_body(response(
        f'<s:Envelope xmlns:s="{ENV12}"><s:Body><GetSystemDateAndTimeResponse>'
        "<SystemDateAndTime><DaylightSavings>false</DaylightSavings><TimeZone><TZ>CST-8</TZ>"
        "</TimeZone><LocalDateTime><Time><Hour>20</Hour><Minute>0</Minute><Second>0</Second>"
        "</Time><Date><Year>2024</Year><Month>5</Month><Day>1</Day></Date></LocalDateTime>"
        "</SystemDateAndTime></GetSystemDateAndTimeResponse></s:Body></s:Envelope>".encode()
    ), "GetSystemDateAndTime")
    assert parse_system_time(body) == datetime(2024, 5, 1, 12, tzinfo=UTC)


def _system_time(year: int, month: int, day: int, tz: str, block: str = "LocalDateTime") -> bytes:
    return (
        f'<s:Envelope xmlns:s="{ENV12}"><s:Body><GetSystemDateAndTimeResponse>'
        f"<SystemDateAndTime><TimeZone><TZ>{tz}</TZ></TimeZone><{block}><Time><Hour>0</Hour>"
        f"<Minute>0</Minute><Second>0</Second></Time><Date><Year>{year}</Year>"
        f"<Month>{month}</Month><Day>{day}</Day></Date></{block}>"
        "</SystemDateAndTime></GetSystemDateAndTimeResponse></s:Body></s:Envelope>"
    ).encode()


@pytest.mark.parametrize(
    ("year", "month", "day", "tz", "block"),
    [
        (1, 1, 1, "CST-8", "LocalDateTime"),  # shifting out of the calendar
        (2024, 2, 30, "UTC0", "UTCDateTime"),  # a day that does not exist
        (2024, 2, 30, "UTC0", "LocalDateTime"),
    ],
)
def test_impossible_camera_clocks_read_as_unknown(
    year: int, month: int, day: int, tz: str, block: str
) -> None:
    """A camera's clock that no calendar holds is 'unknown', never an exception."""
    body = read_body(response(_system_time(year, month, day, tz, block)),
                     "GetSystemDateAndTime")
    assert parse_system_time(body) is None


async def test_services_without_an_address_are_skipped() -> None:
    """GetServices entries lacking an XAddr or a namespace are left out, not guessed."""
    async with OnvifSim(username=USERNAME, password=PASSWORD) as sim:
        sim.onvif.services_extra = [("", "http://127.0.0.1:1/x"), ("urn:x", "")]
        async with aiohttp.ClientSession() as session:
            client = await connected_client(session, sim)
            services = await client.device.get_services()
    assert all(service.namespace and service.url for service in services)
    assert not any(service.namespace == "urn:x" for service in services)


def test_undeclared_prefixes_bom_and_whitespace() -> None:
    body = read_body(response(
        b"\xef\xbb\xbf \r\n<SOAP-ENV:Envelope><SOAP-ENV:Body><tds:GetDeviceInformationResponse>"
        b"<tds:Model>\n  IPC  \n</tds:Model></tds:GetDeviceInformationResponse></SOAP-ENV:Body>"
        b"</SOAP-ENV:Envelope>\n"
    ), "GetDeviceInformation")
    answer = child(body, "GetDeviceInformationResponse")
    assert answer is not None
    model = child(answer, "Model")
    assert model is not None and (model.text or "").strip() == "IPC"


def test_faults_map_onto_the_taxonomy() -> None:
    with pytest.raises(NotAuthorized) as refused:
        read_body(response(fault12("Sender", "ter:NotAuthorized"), 400), "GetProfiles")
    assert refused.value.clock_related and refused.value.soap
    with pytest.raises(NotSupported):
        read_body(response(fault12("Receiver", "ter:ActionNotSupported"), 500), "GetPresets")
    with pytest.raises(SoapFault) as other:
        read_body(response(fault12("Sender", "ter:InvalidArgVal", "no such token"), 400), "Goto")
    assert other.value.fault.subcodes == ("InvalidArgVal",)
    # A subcode-less sender fault on HTTP 400 that talks about the login.
    with pytest.raises(AuthError):
        read_body(response(fault12("Sender", "", "Authority failure"), 400), "GetProfiles")


def test_soap_1_1_faults() -> None:
    def fault11(code: str, reason: str) -> bytes:
        return (f'<s:Envelope xmlns:s="{ENV11}"><s:Body><s:Fault><faultcode>{code}</faultcode>'
                f"<faultstring>{reason}</faultstring></s:Fault></s:Body></s:Envelope>").encode()

    with pytest.raises(AuthError):
        read_body(response(fault11("ter:NotAuthorized", "Sender not authorized"), 500), "X")
    with pytest.raises(AuthError):
        read_body(response(fault11("wsse:FailedAuthentication", "bad"), 500), "X")
    with pytest.raises(SoapFault) as other:
        read_body(response(fault11("SOAP-ENV:Server", "busy"), 500), "X")
    assert other.value.fault.code == "Receiver"


def test_http_statuses_without_soap() -> None:
    with pytest.raises(NotAuthorized) as login:
        read_body(response(b"", 401, **{"WWW-Authenticate": 'Digest realm="x"'}), "X")
    assert not login.value.clock_related  # an HTTP login: the clock is not why
    with pytest.raises(NotSupported):
        read_body(response(b"<html>Not Found</html>", 404), "X")
    with pytest.raises(ProtocolError):
        read_body(response(b"<html>OK</html>"), "X")
    with pytest.raises(ProtocolError):
        read_body(response(b"\x00\x01binary"), "X")
    assert len(read_body(response(b""), "GotoPreset")) == 0  # void answer, empty 200


def test_hostile_bodies_are_protocol_errors() -> None:
    billion = (b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">]>'
               b"<Envelope><Body>&lol;</Body></Envelope>")
    with pytest.raises(ProtocolError):
        read_body(response(billion), "X")
    with pytest.raises(ProtocolError):  # cut off mid-way
        read_body(response(b"<Envelope><Body><a>text"), "X")
    deep = b"<Envelope><Body>" + b"<a>" * 100_000 + b"</a>" * 100_000 + b"</Body></Envelope>"
    assert len(read_body(response(deep), "X")) == 1  # depth capped by the parser, no crash


def test_topic_set_and_announced_kinds() -> None:
    body = read_body(response(
        f'<s:Envelope xmlns:s="{ENV12}" xmlns:wstop="http://docs.oasis-open.org/wsn/t-1" '
        'xmlns:tns1="http://www.onvif.org/ver10/topics" xmlns:tt="urn:tt"><s:Body>'
        "<GetEventPropertiesResponse><wstop:TopicSet>"
        '<tns1:RuleEngine><CellMotionDetector><Motion wstop:topic="true">'
        '<tt:MessageDescription IsProperty="true"><tt:Source><tt:SimpleItemDescription '
        'Name="Rule" Type="xs:string"/></tt:Source><tt:Data><tt:SimpleItemDescription '
        'Name="IsMotion" Type="xs:boolean"/></tt:Data></tt:MessageDescription></Motion>'
        "</CellMotionDetector><MyRuleDetector><PeopleDetect><tt:MessageDescription "
        'IsProperty="true"/></PeopleDetect><DogCatDetect wstop:topic="true"/></MyRuleDetector>'
        "</tns1:RuleEngine></wstop:TopicSet></GetEventPropertiesResponse></s:Body></s:Envelope>"
        .encode()
    ), "GetEventProperties")
    answer = child(body, "GetEventPropertiesResponse")
    topics = parse_topic_set(child(answer, "TopicSet"))
    assert topics == [
        EventTopic("RuleEngine/CellMotionDetector/Motion", True, ("Rule",), ("IsMotion",)),
        EventTopic("RuleEngine/MyRuleDetector/PeopleDetect", True),
        EventTopic("RuleEngine/MyRuleDetector/DogCatDetect", False),
    ]
    assert announced_kinds(topics) == {AlarmKind.MOTION, AlarmKind.PERSON}


def test_mapping_states_operations_and_time() -> None:
    mapper = TopicMapper(_Camera())
    at = datetime(2024, 5, 1, 12, 10, tzinfo=UTC)
    motion = NotificationMessage("RuleEngine/CellMotionDetector/Motion",
                                 PropertyOperation.CHANGED, at, data=(("IsMotion", "1"),))
    event = mapper.map(motion, timedelta(minutes=10))
    assert isinstance(event, AlarmEvent)
    assert event.active and event.at == datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    deleted = NotificationMessage("RuleEngine/TamperDetector/Tamper", PropertyOperation.DELETED)
    gone = mapper.map(deleted)
    assert isinstance(gone, AlarmEvent) and not gone.active
    odd = mapper.map(NotificationMessage("VideoSource/MotionAlarm",
                                         data=(("State", "unknown"),)))
    assert isinstance(odd, TopicEvent)  # a known topic without a readable state
    channels = TopicMapper(_Camera(), {"VideoSourceConfig_2": 2}).map(NotificationMessage(
        "RuleEngine/CellMotionDetector/Motion",
        source=(("VideoSourceConfigurationToken", "VideoSourceConfig_2"),),
        data=(("IsMotion", "true"),),
    ))
    assert isinstance(channels, AlarmEvent) and channels.source.channel == 2


def _client() -> OnvifClient:
    # No request is sent: only the address logic is exercised.
    session = cast(aiohttp.ClientSession, object())
    return OnvifClient(Transport(session, "127.0.0.1", 8080), None)


def test_camera_addresses_are_rebased_onto_our_host() -> None:
    client = _client()
    assert str(client.rebase("http://192.168.1.10:8899/onvif/events?Idx=1")) == (
        "http://127.0.0.1:8080/onvif/events?Idx=1"
    )
    assert str(client.rebase("http://127.0.0.1:81/onvif/ptz")) == "http://127.0.0.1:81/onvif/ptz"
    assert str(client.rebase("/onvif/Subscription?Idx=0")) == (
        "http://127.0.0.1:8080/onvif/Subscription?Idx=0"
    )
    assert client.rebase("http://[zz/") is None
    assert client.rebase("rtsp://127.0.0.1/stream") is None
    assert client.rebase("") is None


def test_envelopes_without_body_and_errors_without_soap() -> None:
    with pytest.raises(ProtocolError, match="without a body"):
        read_body(response(f'<s:Envelope xmlns:s="{ENV12}"/>'.encode()), "X")
    with pytest.raises(ProtocolError, match="HTTP 503"):
        read_body(response(b"busy", 503), "X")
    with pytest.raises(AuthError):  # HTTP 401 with a bare sender fault
        read_body(response(fault12("Sender", ""), 401), "X")
    body = read_body(response(f'<s:Envelope xmlns:s="{ENV12}"><s:Body><Other/></s:Body>'
                              "</s:Envelope>".encode()), "X")
    with pytest.raises(ProtocolError, match="expected XResponse, the camera sent Other"):
        expect(body, "XResponse", "X")


@pytest.mark.parametrize(("zone", "daylight", "utc"), [
    ("CST-8", False, datetime(2024, 5, 1, 12, tzinfo=UTC)),
    ("EST5EDT,M3.2.0,M11.1.0", True, datetime(2024, 5, 2, 0, tzinfo=UTC)),  # EDT: UTC-4
    ("&lt;+0330&gt;-3:30", False, datetime(2024, 5, 1, 16, 30, tzinfo=UTC)),
    ("junk", False, datetime(2024, 5, 1, 20, tzinfo=UTC)),  # unreadable: taken as UTC
])
def test_posix_zones(zone: str, daylight: bool, utc: datetime) -> None:
    body = read_body(response(
        f'<s:Envelope xmlns:s="{ENV12}"><s:Body><GetSystemDateAndTimeResponse>'
        f"<SystemDateAndTime><DaylightSavings>{str(daylight).lower()}</DaylightSavings>"
        f"<TimeZone><TZ>{zone}</TZ></TimeZone><LocalDateTime><Time><Hour>20</Hour>"
        "<Minute>0</Minute><Second>0</Second></Time><Date><Year>2024</Year><Month>5</Month>"
        "<Day>1</Day></Date></LocalDateTime></SystemDateAndTime></GetSystemDateAndTimeResponse>"
        "</s:Body></s:Envelope>".encode()
    ), "GetSystemDateAndTime")
    assert parse_system_time(body) == utc


def test_system_time_junk_is_none() -> None:
    body = read_body(response(
        f'<s:Envelope xmlns:s="{ENV12}"><s:Body><GetSystemDateAndTimeResponse>'
        "<SystemDateAndTime><UTCDateTime><Time><Hour>x</Hour></Time></UTCDateTime>"
        "</SystemDateAndTime></GetSystemDateAndTimeResponse></s:Body></s:Envelope>".encode()
    ), "GetSystemDateAndTime")
    assert parse_system_time(body) is None


def test_rule_topics_named_after_what_they_detect() -> None:
    assert announced_kinds([
        EventTopic("RuleEngine/SmartDetector/HumanDetect"),
        EventTopic("RuleEngine/SmartDetector/VehicleDetect"),
        EventTopic("RuleEngine/Tripwire/Alarm"),
        EventTopic("UserAlarm/IVA/RegionEntrance"),
        EventTopic("Monitoring/HumanResources"),  # not a rule family: nothing
    ]) == {AlarmKind.PERSON, AlarmKind.VEHICLE, AlarmKind.LINE_CROSSING, AlarmKind.INTRUSION}


def test_momentary_events_and_odd_input_tokens() -> None:
    mapper = TopicMapper(_Camera())
    crossing = "RuleEngine/LineDetector/Crossed"
    initial = mapper.map(NotificationMessage(crossing, PropertyOperation.INITIALIZED))
    assert isinstance(initial, TopicEvent)  # a state report of a plain event: no alarm
    crossed = mapper.map(NotificationMessage(crossing, data=(("ObjectId", "3"),)))
    assert isinstance(crossed, AlarmEvent) and crossed.active and crossed.momentary
    unnamed = mapper.map(NotificationMessage(
        "Device/Trigger/DigitalInput", source=(("InputToken", "AlarmIn"),),
        data=(("LogicalState", "true"),),
    ))
    assert isinstance(unnamed, AlarmEvent) and unnamed.source.index == 1
