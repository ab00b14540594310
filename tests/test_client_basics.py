"""The client's building blocks: URL encoding and redaction, digest, safe XML, models."""

from __future__ import annotations

from datetime import datetime

import pytest

from custom_components.cgi_camera.client.clock import wall_clock
from custom_components.cgi_camera.client.digest import (
    DigestAuth,
    answerable,
    best_digest,
    parse_challenge,
    parse_challenges,
)
from custom_components.cgi_camera.client.errors import ProtocolError
from custom_components.cgi_camera.client.models import PtzCapabilities, PtzMove, normalize_mac
from custom_components.cgi_camera.client.rtsp import with_credentials
from custom_components.cgi_camera.client.safe_xml import attrs, parse_xml, text
from custom_components.cgi_camera.client.transport import encode_query, redact_url

NASTY = "%&?#@:/ +\"'<>ü€"


def test_encode_query_escapes_everything_in_order() -> None:
    query = encode_query((("username", "admin"), ("password", NASTY), ("uid", "ab")))
    assert query.startswith("username=admin&password=")
    assert query.endswith("&uid=ab")
    # No reserved character survives unescaped in the value.
    value = query.split("&")[1].split("=", 1)[1]
    assert all(ch not in value for ch in "&?#@:/ +\"'<>")
    assert encode_query({"flag": True, "off": False}) == "flag=1&off=0"
    assert encode_query(None) == ""


@pytest.mark.parametrize(
    ("url", "secret"),
    [
        ("http://h/cgi-bin/getuid?username=admin&password=s3cr%26t", "s3cr%26t"),
        ("http://h/cgi-bin/image?brightness=1&uid=ff2e45cd", "ff2e45cd"),
        ("/action/cgi_action?user=a&pwd=0123abcd&action=x", "0123abcd"),
        ("rtsp://admin:p%40ss@10.0.0.2:554/stream0", "p%40ss"),
    ],
)
def test_redact_url_hides_secrets(url: str, secret: str) -> None:
    shown = redact_url(url)
    assert secret not in shown
    assert "***" in shown


def test_digest_rfc7616_examples() -> None:
    challenge = parse_challenge(
        'Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=MD5, '
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
        'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
    )
    assert challenge.scheme == "digest"
    cnonce = "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ"
    md5 = DigestAuth(challenge, "Mufasa", "Circle of Life").header(
        "GET", "/dir/index.html", cnonce=cnonce
    )
    assert 'response="8ca523f5e9506fed4657c9700eebdbec"' in md5
    assert "nc=00000001" in md5 and 'opaque="FQhe' in md5
    sha = parse_challenge(
        'Digest realm="http-auth@example.org", qop="auth", algorithm=SHA-256, '
        'nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", '
        'opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"'
    )
    header = DigestAuth(sha, "Mufasa", "Circle of Life").header(
        "GET", "/dir/index.html", cnonce=cnonce
    )
    assert 'response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"' in header


def test_digest_without_qop_and_unknown_algorithm() -> None:
    plain = parse_challenge('Digest realm="r", nonce="n"')
    header = DigestAuth(plain, "u", "p").header("DESCRIBE", "rtsp://h/x")
    assert "qop" not in header and 'response="' in header
    # The camera's choice, not a bug of ours: a protocol error, never a ValueError.
    with pytest.raises(ProtocolError):
        DigestAuth(parse_challenge('Digest realm="r", nonce="n", algorithm=SHA-512'), "u", "p")


def test_several_challenges_in_one_header_prefer_the_strongest_digest() -> None:
    header = (
        'Basic realm="cam", Digest realm="cam", nonce="n1", algorithm=MD5, qop="auth", '
        'Digest realm="cam", nonce="n2", algorithm=SHA-256, qop="auth"'
    )
    challenges = parse_challenges(header)
    assert [c.scheme for c in challenges] == ["basic", "digest", "digest"]
    assert challenges[0].params == {"realm": "cam"}
    best = best_digest(challenges)
    assert best is not None and best.params["nonce"] == "n2"
    # A quoted comma or scheme name stays inside its value; escapes are undone.
    (one,) = parse_challenges(r'Digest realm="a, Basic b", nonce="x\"y"')
    assert one.params == {"realm": "a, Basic b", "nonce": 'x"y'}


@pytest.mark.parametrize(
    "header",
    [
        "",
        "   ",
        ",,,,",
        "Digest",
        'Digest realm="unterminated',
        "Digest " + "a=" * 5000,
        "Digest " + '"' * 5000,
        "Digest " + "\\" * 5000,
        "\x00\xff" * 100,
        'Digest realm="r", nonce="n", algorithm="' + "A" * 10000 + '"',
        "Basic " + "=" * 3000,
        "Negotiate YWJjZA==",
    ],
)
def test_hostile_challenges_never_raise(header: str) -> None:
    challenges = parse_challenges(header)
    assert parse_challenge(header).scheme == (challenges[0].scheme if challenges else "")
    assert best_digest(challenges) is None


@pytest.mark.parametrize(
    "challenge",
    [
        'Digest realm="r", nonce="n", algorithm=SHA-512-256',  # not ours to speak
        'Digest realm="r"',  # no nonce
        'Digest realm="r", nonce="n\r\nX-Injected: 1"',  # would split our own header
        'Digest realm="r\x00", nonce="n"',
    ],
)
def test_unanswerable_digest_is_a_protocol_error(challenge: str) -> None:
    parsed = parse_challenge(challenge)
    assert not answerable(parsed)
    with pytest.raises(ProtocolError):
        DigestAuth(parsed, "u", "p")


def test_safe_xml_recovers_the_seeds_malformed_documents() -> None:
    # Missing </fault> (seed 000 §3.41) and a stray '>' (§3.28).
    root = parse_xml(
        b'<?xml version="1.0" encoding="UTF-8"?> <fault> <value>/cgi-bin/onvif </value>'
        b" <reason>onvif_auth: 0 or 1 </reason>"
    )
    assert root.tag == "fault"
    assert text(root.find("reason")) == "onvif_auth: 0 or 1"
    root = parse_xml(b'\n\n<?xml version="1.0"?>\n<Capture led_Brightness ="100" a=" 1 "/>')
    assert attrs(root) == {"led_Brightness": "100", "a": "1"}


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"   ",
        b"error user/pwd",
        b"\x00\xff\xfe garbage",
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">]><lolz>&lol2;</lolz>',
        b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>',
    ],
)
def test_safe_xml_refuses_junk_and_entity_attacks(body: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse_xml(body)


def test_ptz_speed_mapping() -> None:
    caps = PtzCapabilities(moves=frozenset({PtzMove.LEFT}), speed_min=1, speed_max=10)
    assert caps.native_speed(1) == 1
    assert caps.native_speed(100) == 10
    assert caps.native_speed(50) == 5
    assert caps.native_speed(1000) == 10
    assert caps.native_speed(-3) == 1


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("F0-00-00-29-06-9F", "f0:00:00:29:06:9f"),
        ("f0:00:00:29:06:9f", "f0:00:00:29:06:9f"),
        ("XX-XX-XX-XX-XX-XX", None),
        ("00:00:00:00:00:00", None),
        ("", None),
        (None, None),
        ("12:34", None),
    ],
)
def test_normalize_mac(raw: str | None, expected: str | None) -> None:
    assert normalize_mac(raw) == expected


def test_rtsp_credentials_are_percent_encoded() -> None:
    url = with_credentials("rtsp://10.0.0.2:554/stream0", "ad min", NASTY)
    assert url.startswith("rtsp://ad%20min:")
    assert url.endswith("@10.0.0.2:554/stream0")
    userinfo = url[len("rtsp://") : url.rindex("@")]
    assert "@" not in userinfo and "/" not in userinfo and "#" not in userinfo
    assert with_credentials("rtsp://u:p@h/x", "", "") == "rtsp://h/x"


@pytest.mark.parametrize(
    "text",
    ["9" * 5000, "2024-01-01 00:00:" + "9" * 5000, "99999999-1-1-1-1-1", "x" * 100,
     "2024-13-01 00:00:00", "1-2-3"],
)
def test_hostile_device_times_are_protocol_errors(text: str) -> None:
    """A camera's clock text never raises outside the client's taxonomy (issue 17.8)."""
    with pytest.raises(ProtocolError):
        wall_clock(text)


def test_device_times_in_both_firmware_formats() -> None:
    assert wall_clock("2017-11-30 08:00:00") == datetime(2017, 11, 30, 8, 0, 0)
    assert wall_clock("2020-1-16-12-12-43") == datetime(2020, 1, 16, 12, 12, 43)


@pytest.mark.parametrize(
    "body",
    [b"\x00\x01 not xml", b"<?xml version='1.0'?>", b"<!-- a comment only -->", b"<>",
     b"<\xff>", b"<a><\xfe\xff/></a>",
     b'<?xml version="1.0" encoding="bogus-enc"?><a/>'],
)
def test_unparseable_xml_is_a_protocol_error(body: bytes) -> None:
    """Junk is refused, or (where libxml2 repairs it) read into names that decode:
    nothing outside the client's errors, now or when a dialect reads the tree."""
    try:
        root = parse_xml(body)
    except ProtocolError:
        return
    assert all(isinstance(element.tag, str) for element in root.iter())
