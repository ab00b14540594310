"""The client's building blocks: URL encoding and redaction, digest, safe XML, models."""

from __future__ import annotations

import pytest

from custom_components.cgi_camera.client.digest import DigestAuth, parse_challenge
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
    with pytest.raises(ValueError):
        DigestAuth(parse_challenge('Digest realm="r", nonce="n", algorithm=SHA-512'), "u", "p")


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
