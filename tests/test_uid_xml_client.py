"""The uid_xml client against the simulator directly: the seeds' quirks and edge cases."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import aiohttp
import pytest

from custom_components.cgi_camera.client import (
    Action,
    AuthError,
    CommandError,
    Credentials,
    NotSupported,
    PresetOp,
    ProtocolError,
    PtzMove,
    SettingKey,
    StreamKind,
    Timeout,
    connect,
    detect,
    rtsp,
)
from custom_components.cgi_camera.client.camera import Camera
from custom_components.cgi_camera.client.dialects.uid_xml import UidXmlCamera
from custom_components.cgi_camera.client.transport import Transport
from tests.conftest import PASSWORD, USERNAME
from tests.helpers import until
from tests.sim.uid_xml import UidXmlSim

CREDS = Credentials(USERNAME, PASSWORD)



async def _camera(session: aiohttp.ClientSession, sim: UidXmlSim) -> Camera:
    return await detect(session, sim.host, sim.port, CREDS)


async def test_malformed_variant_still_works(session: aiohttp.ClientSession) -> None:
    async with UidXmlSim(username=USERNAME, password=PASSWORD, malformed=True) as sim:
        camera = await _camera(session, sim)
        assert camera.info.mac == "f0:00:00:29:06:9f"
        assert (await camera.read_state(reuse_discovery=True))[SettingKey.BRIGHTNESS] == 128
        sim.fail("/cgi-bin/image", 400)  # an empty 400 is no fault document
        with pytest.raises(ProtocolError):
            await camera.write(SettingKey.BRIGHTNESS, 10)


async def test_002_device_info_and_missing_endpoints(
    session: aiohttp.ClientSession, uid_sim_002: UidXmlSim
) -> None:
    camera = await _camera(session, uid_sim_002)
    assert camera.info.mac == "f0:00:00:aa:bb:cc"
    assert camera.info.model is None  # no getmodel, no oem on 002 firmware
    assert SettingKey.WDR not in camera.capabilities.settings
    assert Action.TRIGGER_ALARM not in camera.capabilities.actions
    with pytest.raises(NotSupported):
        await camera.press(Action.TRIGGER_ALARM)
    with pytest.raises(NotSupported):
        await camera.ptz_move(PtzMove.LEFT)
    with pytest.raises(NotSupported):
        await camera.ptz_preset(PresetOp.GOTO, 1)
    with pytest.raises(NotSupported):
        await camera.write(SettingKey.WDR, True)
    with pytest.raises(NotSupported):
        await camera.write(SettingKey.WHITE_LIGHT, True)


async def test_read_only_and_invalid_writes(
    session: aiohttp.ClientSession, uid_sim: UidXmlSim
) -> None:
    camera = await _camera(session, uid_sim)
    with pytest.raises(NotSupported):
        await camera.write(SettingKey.MEMORY_FREE, 1)
    with pytest.raises(CommandError):
        await camera.write(SettingKey.POWER_FREQUENCY, "70hz")
    with pytest.raises(CommandError):
        await camera.write(SettingKey.DAY_NIGHT_MODE, "dusk")
    with pytest.raises(CommandError):
        await camera.write(SettingKey.WHITE_LIGHT_BRIGHTNESS, 101)
    # The camera's own range check comes back as a CommandError with its reason.
    with pytest.raises(CommandError) as err:
        await camera.write(SettingKey.BRIGHTNESS, 300)
    assert err.value.reason == "brightness range: 0-255"
    with pytest.raises(NotSupported):
        await camera.ptz_preset(PresetOp.GOTO, 256)


async def test_concurrent_calls_after_expiry_log_in_once(
    session: aiohttp.ClientSession, uid_sim: UidXmlSim
) -> None:
    camera = await _camera(session, uid_sim)
    logins = uid_sim.count("/cgi-bin/getuid")
    uid_sim.expire_all_uids()
    await asyncio.gather(*(camera.read_state() for _ in range(3)))
    assert uid_sim.count("/cgi-bin/getuid") == logins + 1
    # Never more than two requests in flight at the camera.
    assert uid_sim.max_in_flight <= 2


async def test_relay_read_failure_hides_only_the_relay(
    session: aiohttp.ClientSession, uid_sim: UidXmlSim
) -> None:
    camera = await _camera(session, uid_sim)
    uid_sim.relay_get_fails = True
    state = await camera.read_state()
    assert SettingKey.RELAY not in state
    assert state[SettingKey.BRIGHTNESS] == 128


async def test_all_groups_failing_raises(
    session: aiohttp.ClientSession, uid_sim: UidXmlSim
) -> None:
    camera = await _camera(session, uid_sim)
    for path in ("*",):
        uid_sim.fail(path, 502)
    with pytest.raises(ProtocolError):
        await camera.read_state()


async def test_huge_body_is_capped(session: aiohttp.ClientSession, uid_sim: UidXmlSim) -> None:
    camera = await _camera(session, uid_sim)
    uid_sim.huge("/cgi-bin/snapshot.cgi", 50 * 1024 * 1024)
    with pytest.raises(ProtocolError):
        await camera.snapshot()
    uid_sim.clear_faults()
    assert (await camera.snapshot(StreamKind.SUB)).startswith(b"\xff\xd8")


async def test_snapshot_faults(session: aiohttp.ClientSession, uid_sim: UidXmlSim) -> None:
    camera = await _camera(session, uid_sim)
    uid_sim.garbage("/cgi-bin/snapshot.cgi", b"", content_type="image/jpeg")
    with pytest.raises(ProtocolError):
        await camera.snapshot()
    uid_sim.clear_faults()
    base = f"http://{uid_sim.host}:{uid_sim.port}"
    with pytest.raises(ProtocolError):  # needs uid or credentials: HTTP 400 fault
        await camera.snapshot(url=f"{base}/cgi-bin/snapshot.cgi?stream=1")
    uid_sim.fail("/x.jpg", 401)
    with pytest.raises(AuthError):
        await camera.snapshot(url=f"{base}/x.jpg")


async def test_slow_camera_times_out(session: aiohttp.ClientSession, uid_sim: UidXmlSim) -> None:
    transport = Transport(session, uid_sim.host, uid_sim.port, timeout=0.3)
    camera = await UidXmlCamera.connect(transport, CREDS)
    uid_sim.hang("/cgi-bin/image")
    with pytest.raises(Timeout):
        await camera.write(SettingKey.BRIGHTNESS, 1)


async def test_housekeeping_and_close(session: aiohttp.ClientSession, uid_sim: UidXmlSim) -> None:
    camera = await _camera(session, uid_sim)
    await camera.housekeeping()
    assert uid_sim.count("/cgi-bin/keep_alive") == 0
    await camera.close()
    await camera.housekeeping()  # no session: nothing to keep alive
    assert uid_sim.count("/cgi-bin/keep_alive") == 0
    # The next call logs in again by itself.
    await camera.read_state()
    assert uid_sim.count("/cgi-bin/getuid") == 2


async def test_connect_with_known_dialect(
    session: aiohttp.ClientSession, uid_sim: UidXmlSim
) -> None:
    camera = await connect(session, "uid_xml", uid_sim.host, uid_sim.port, CREDS)
    assert camera.dialect == "uid_xml"
    with pytest.raises(Exception, match="unknown dialect"):
        await connect(session, "nope", uid_sim.host, uid_sim.port, CREDS)


async def _rtsp_server(
    handler: Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]],
) -> tuple[asyncio.Server, int]:
    server = await asyncio.start_server(handler, "127.0.0.1", 0)
    return server, server.sockets[0].getsockname()[1]


async def test_rtsp_describe_answers(session: aiohttp.ClientSession, uid_sim: UidXmlSim) -> None:
    """A scripted RTSP peer: digest challenge, 404, refusal and junk."""
    seen: list[str] = []

    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        request = (await reader.readuntil(b"\r\n\r\n")).decode()
        seen.append(request)
        path = request.split(" ")[1]
        if path.endswith("/junk"):
            writer.write(b"HTTP/1.1 200 OK\r\n\r\n")
        elif path.endswith("/missing"):
            writer.write(b"RTSP/1.0 404 Not Found\r\nCSeq: 1\r\n\r\n")
        else:
            writer.write(b'RTSP/1.0 401 Unauthorized\r\nCSeq: 1\r\n'
                         b'WWW-Authenticate: Digest realm="cam", nonce="abc"\r\n\r\n')
            second = (await reader.readuntil(b"\r\n\r\n")).decode()
            seen.append(second)
            ok = path.endswith("/good") and "Digest" in second
            status = b"200 OK" if ok else b"401 Unauthorized"
            writer.write(b"RTSP/1.0 " + status + b"\r\nCSeq: 2\r\nContent-Length: 4\r\n\r\nv=0\n")
        await writer.drain()
        writer.close()

    server, port = await _rtsp_server(handler)
    try:
        base = f"rtsp://127.0.0.1:{port}"
        assert await rtsp.describe(f"{base}/good", "u", PASSWORD) is True
        assert PASSWORD not in "".join(seen)  # digest never sends the password
        assert await rtsp.describe(f"{base}/missing", "u", "p") is False
        with pytest.raises(AuthError):
            await rtsp.describe(f"{base}/bad", "u", "p")
        with pytest.raises(ProtocolError):
            await rtsp.describe(f"{base}/junk", "u", "p")
        camera = await _camera(session, uid_sim)
        # A refused login ends the search: trying more paths would not help.
        assert await camera.find_stream(StreamKind.MAIN, override=f"{base}/bad") is None
        assert await camera.find_stream(StreamKind.SUB, port=port) is None
        assert await camera.find_stream(StreamKind.MAIN, override=f"{base}/good") == f"{base}/good"
    finally:
        server.close()
        await server.wait_closed()


async def test_rtsp_silent_server_times_out() -> None:
    async def handler(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read()  # say nothing until the client gives up
        writer.close()

    server, port = await _rtsp_server(handler)
    try:
        with pytest.raises(Timeout):
            await rtsp.describe(f"rtsp://127.0.0.1:{port}/x", "u", "p", timeout=0.2)
    finally:
        server.close()
        await server.wait_closed()


async def test_concurrent_snapshots_share_one_request(
    session: aiohttp.ClientSession, uid_sim: UidXmlSim
) -> None:
    camera = await _camera(session, uid_sim)
    uid_sim.delay("/cgi-bin/snapshot.cgi", 0.2)
    images = await asyncio.gather(*(camera.snapshot() for _ in range(10)))
    assert all(image.startswith(b"\xff\xd8") for image in images)
    assert uid_sim.count("/cgi-bin/snapshot.cgi") == 1
    # One viewer giving up does not cancel the capture the others wait for.
    first = asyncio.ensure_future(camera.snapshot())
    second = asyncio.ensure_future(camera.snapshot())
    await until(lambda: uid_sim.in_flight > 0)  # the shared capture is under way
    first.cancel()
    assert (await second).startswith(b"\xff\xd8")
    # A failure reaches every waiter and leaves nothing behind.
    uid_sim.clear_faults()
    uid_sim.fail("/cgi-bin/snapshot.cgi", 500)
    results = await asyncio.gather(camera.snapshot(), camera.snapshot(), return_exceptions=True)
    assert all(isinstance(r, ProtocolError) for r in results)
    assert not camera._snapshots


async def test_closed_session_is_connect_error(uid_sim: UidXmlSim) -> None:
    from custom_components.cgi_camera.client import ConnectError

    http = aiohttp.ClientSession()
    await http.close()
    with pytest.raises(ConnectError, match="closed"):
        await Transport(http, uid_sim.host, uid_sim.port).get("/cgi-bin/getinfo")
