"""Every error the config and options flows can show, each from a real cause.

The options form checks an RTSP URL override with a real DESCRIBE (an in-process
RTSP responder answers it), and the user step translates every client error.
"""

from __future__ import annotations

import contextlib
from pathlib import Path
import socket
import ssl
import threading
from typing import Any
from unittest.mock import patch

from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.cgi_camera import config_flow
from custom_components.cgi_camera.client import (
    AuthDowngrade,
    AuthError,
    ConnectError,
    ProtocolError,
    SSLVerifyError,
    UnsupportedDevice,
)
from custom_components.cgi_camera.const import CONF_RTSP_URL, CONF_SNAPSHOT_URL, DOMAIN
from custom_components.cgi_camera.errors import flow_error
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import setup_entry
from tests.sim.uid_xml import UidXmlSim
from tests.test_https import _self_signed
from tests.test_rtsp_auth import Responder, _challenge

NOT_FOUND = b"RTSP/1.0 404 Not Found\r\nCSeq: 1\r\n\r\n"
REFUSED = b"RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\n" \
    b'WWW-Authenticate: Digest realm="cam", nonce="n2"\r\n\r\n'


@pytest.mark.parametrize(
    ("error", "key"),
    [
        (AuthDowngrade("x"), "auth_downgrade"),
        (AuthError("x"), "invalid_auth"),
        (SSLVerifyError("x"), "ssl_error"),
        (ConnectError("x"), "cannot_connect"),
        (UnsupportedDevice("x"), "unsupported_device"),
        (ProtocolError("x"), "protocol_error"),
        (RuntimeError("x"), "unknown"),
    ],
)
def test_every_client_error_has_its_flow_error(error: Exception, key: str) -> None:
    assert flow_error(error) == key


async def test_an_unexpected_error_is_logged_with_its_traceback(
    hass: HomeAssistant, caplog: pytest.LogCaptureFixture
) -> None:
    """Only a bug gets here; the user sees "unknown", the log the traceback."""
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    with patch.object(config_flow, "detect", side_effect=RuntimeError("bug")):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {"host": "127.0.0.1", "port": 1, "username": USERNAME, "password": PASSWORD,
             "ssl": False, "verify_ssl": True},
        )
    assert result["errors"] == {"base": "unknown"}
    assert "Unexpected error talking to 127.0.0.1" in caplog.text
    assert "RuntimeError: bug" in caplog.text


async def _options(hass: HomeAssistant, sim: UidXmlSim, **values: Any) -> dict[str, Any]:
    entry = hass.config_entries.async_entries(DOMAIN)[0]
    result = await hass.config_entries.options.async_init(entry.entry_id)
    schema = result["data_schema"]
    assert schema is not None
    result = await hass.config_entries.options.async_configure(
        result["flow_id"], {**schema({}), **values}
    )
    if result["type"] is FlowResultType.FORM:
        hass.config_entries.options.async_abort(result["flow_id"])
    return dict(result)


@pytest.mark.parametrize(
    ("answers", "error"),
    [
        ((_challenge('Digest realm="cam", nonce="n1"'), REFUSED), "stream_auth"),
        ((_challenge('Digest realm="cam", nonce="n1", algorithm=SHA-512-256'),),
         "stream_auth_unsupported"),
        ((NOT_FOUND,), "stream_not_found"),
    ],
    ids=["refused", "unanswerable", "missing"],
)
async def test_rtsp_override_errors(
    hass: HomeAssistant, uid_sim: UidXmlSim, answers: tuple[bytes, ...], error: str
) -> None:
    await setup_entry(hass, uid_sim)
    async with Responder(*answers) as rtsp:
        result = await _options(hass, uid_sim, **{CONF_RTSP_URL: rtsp.url()})
    assert result["errors"] == {CONF_RTSP_URL: error}


async def test_rtsps_override_with_an_untrusted_certificate(
    hass: HomeAssistant, uid_sim: UidXmlSim, tmp_path: Path
) -> None:
    await setup_entry(hass, uid_sim)
    with _TlsListener(_self_signed(tmp_path)) as listener:
        url = f"rtsps://127.0.0.1:{listener.port}/live"
        result = await _options(hass, uid_sim, **{CONF_RTSP_URL: url})
    assert result["errors"] == {CONF_RTSP_URL: "stream_ssl_error"}
    assert listener.handshakes_refused == 1
    assert not listener.received  # nothing, no login, went over the untrusted connection


class _TlsListener:
    """A TLS server in a thread (its handshake failures stay out of HA's loop)."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self._context = context
        self._sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self._sock.getsockname()[1]
        self.handshakes_refused = 0
        self.received = b""
        self._thread = threading.Thread(target=self._serve, daemon=True)

    def _serve(self) -> None:
        with contextlib.suppress(OSError):
            conn, _ = self._sock.accept()
            with conn:
                try:
                    with self._context.wrap_socket(conn, server_side=True) as tls:
                        self.received = tls.recv(4096)
                except (ssl.SSLError, OSError):
                    self.handshakes_refused += 1

    def __enter__(self) -> _TlsListener:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._sock.close()
        self._thread.join(timeout=30)


@pytest.mark.parametrize("url", ["http://[::1", "rtsp://[::1/live"])
async def test_unparseable_override_urls(
    hass: HomeAssistant, uid_sim: UidXmlSim, url: str
) -> None:
    await setup_entry(hass, uid_sim)
    key = CONF_RTSP_URL if url.startswith("rtsp") else CONF_SNAPSHOT_URL
    result = await _options(hass, uid_sim, **{key: url})
    assert result["errors"] == {
        key: "rtsp_url_other_host" if key == CONF_RTSP_URL else "invalid_snapshot_url"
    }
