"""HTTPS cameras with a self-signed certificate: refused with verification, fine without."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
import datetime
from pathlib import Path
import ssl
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from homeassistant import config_entries
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
import pytest

from custom_components.cgi_camera.const import DOMAIN
from tests.conftest import PASSWORD, USERNAME
from tests.dialects import DIALECTS, Dialect
from tests.sim.base import SimServer


def _self_signed(tmp: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ipcam")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .sign(key, hashes.SHA256())
    )
    (tmp / "cert.pem").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (tmp / "key.pem").write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp / "cert.pem", tmp / "key.pem")
    return context


@pytest.fixture(params=DIALECTS, ids=str)
async def tls_sim(
    hass: HomeAssistant, tmp_path: Path, request: pytest.FixtureRequest
) -> AsyncIterator[SimServer]:
    loop = asyncio.get_running_loop()
    test_handler = loop.get_exception_handler()

    def sim_side(loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        # The simulator's server sees the client hang up on its certificate: that is
        # the point of the test, not an error in the code under test.
        if str(context.get("message", "")).startswith("Error on transport creation"):
            return
        if test_handler is not None:
            test_handler(loop, context)

    loop.set_exception_handler(sim_side)
    dialect: Dialect = request.param
    sim = dialect.make(ssl_context=_self_signed(tmp_path))
    sim.dialect = dialect  # type: ignore[attr-defined]
    await sim.start()
    try:
        yield sim
    finally:
        await sim.stop()
        loop.set_exception_handler(test_handler)


async def test_self_signed_needs_verification_off(
    hass: HomeAssistant, tls_sim: SimServer
) -> None:
    data = {"host": tls_sim.host, "port": tls_sim.port, "username": USERNAME,
            "password": PASSWORD, "ssl": True, "verify_ssl": True}
    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": config_entries.SOURCE_USER}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], data)
    assert result["errors"] == {"base": "ssl_error"}
    assert tls_sim.count() == 0  # the handshake failed: no request, no login
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**data, "verify_ssl": False}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry = result["result"]
    assert entry.state is config_entries.ConfigEntryState.LOADED
    assert entry.data["dialect"] == tls_sim.dialect.name  # type: ignore[attr-defined]
    assert entry.runtime_data.camera.transport.https
    assert tls_sim.failed_logins == 0  # type: ignore[attr-defined]
    # Everything after the flow goes over TLS too, with verification still off.
    await entry.runtime_data.coordinator.async_refresh()
    assert entry.runtime_data.coordinator.last_update_success
