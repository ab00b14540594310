"""The ``probe`` command line, run as a user would, against a simulated camera.

The password never goes on the command line (``ps``, shell history): it is read
from ``CGI_CAMERA_PASSWORD`` or asked for without echo.
"""

from __future__ import annotations

import asyncio
import json
import os
from pathlib import Path
import sys

import pytest

from custom_components.cgi_camera.client.__main__ import PASSWORD_ENV, main
from tests.conftest import PASSWORD, USERNAME
from tests.sim.uid_xml import UidXmlSim

ROOT = Path(__file__).parent.parent


async def _probe(*args: str, password: str | None) -> tuple[int, str, str]:
    env = {k: v for k, v in os.environ.items() if k != PASSWORD_ENV}
    if password is not None:
        env[PASSWORD_ENV] = password
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "custom_components.cgi_camera.client", "probe", *args,
        cwd=ROOT, env=env, stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_probe_prints_dialect_and_capabilities(uid_sim: UidXmlSim) -> None:
    code, out, err = await _probe(
        "--host", uid_sim.host, "--port", str(uid_sim.port), "--user", USERNAME, "--debug",
        password=PASSWORD,
    )
    assert code == 0, err
    result = json.loads(out)
    assert result["dialect"] == "uid_xml"
    assert result["device"]["mac"] == "f0:00:00:29:06:9f"
    assert result["settings"]["brightness"]["range"] == [0, 255]
    assert "reboot" in result["actions"]
    assert result["ptz"]["speed"] == [1, 10]
    assert PASSWORD not in out + err


async def test_probe_reports_wrong_password(uid_sim: UidXmlSim) -> None:
    code, _, err = await _probe(
        "--host", uid_sim.host, "--port", str(uid_sim.port), password="nope"
    )
    assert code == 1
    assert "AuthError" in err
    assert uid_sim.failed_logins == 1


async def test_password_flag_is_gone(uid_sim: UidXmlSim) -> None:
    """A password on the command line is refused before anything is sent."""
    code, _, err = await _probe(
        "--host", uid_sim.host, "--port", str(uid_sim.port), "--password", PASSWORD,
        password=None,
    )
    assert code == 2
    assert "unrecognized arguments: --password" in err
    assert uid_sim.count() == 0


async def test_probe_in_process(
    uid_sim: UidXmlSim, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The same command, run in a worker thread (so coverage sees it)."""
    loop = asyncio.get_running_loop()
    argv = ["probe", "--host", uid_sim.host, "--port", str(uid_sim.port), "--user", USERNAME,
            "--insecure"]
    monkeypatch.setenv(PASSWORD_ENV, PASSWORD)
    assert await loop.run_in_executor(None, main, argv) == 0
    assert json.loads(capsys.readouterr().out)["dialect"] == "uid_xml"
    monkeypatch.setenv(PASSWORD_ENV, "nope")
    assert await loop.run_in_executor(None, main, argv) == 1
    assert "AuthError" in capsys.readouterr().err


async def test_probe_asks_without_echo(
    uid_sim: UidXmlSim, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without the variable the password is asked for (getpass: no echo)."""
    asked: list[str] = []

    def getpass(prompt: str = "Password: ") -> str:
        asked.append(prompt)
        return PASSWORD

    monkeypatch.delenv(PASSWORD_ENV, raising=False)
    monkeypatch.setattr("getpass.getpass", getpass)
    argv = ["probe", "--host", uid_sim.host, "--port", str(uid_sim.port)]
    assert await asyncio.get_running_loop().run_in_executor(None, main, argv) == 0
    assert len(asked) == 1
    assert json.loads(capsys.readouterr().out)["dialect"] == "uid_xml"
