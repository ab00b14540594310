"""The ``probe`` command line, run as a user would, against a simulated camera."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
import sys

import pytest

from custom_components.cgi_camera.client.__main__ import main
from tests.conftest import PASSWORD, USERNAME
from tests.sim.uid_xml import UidXmlSim

ROOT = Path(__file__).parent.parent


async def _probe(*args: str) -> tuple[int, str, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "custom_components.cgi_camera.client", "probe", *args,
        cwd=ROOT, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(proc.communicate(), 60)
    return proc.returncode or 0, out.decode(), err.decode()


async def test_probe_prints_dialect_and_capabilities(uid_sim: UidXmlSim) -> None:
    code, out, err = await _probe(
        "--host", uid_sim.host, "--port", str(uid_sim.port), "--user", USERNAME,
        "--password", PASSWORD, "--debug",
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
        "--host", uid_sim.host, "--port", str(uid_sim.port), "--password", "nope"
    )
    assert code == 1
    assert "AuthError" in err
    assert uid_sim.failed_logins == 1


async def test_probe_in_process(
    uid_sim: UidXmlSim, capsys: pytest.CaptureFixture[str]
) -> None:
    """The same command, run in a worker thread (so coverage sees it)."""
    loop = asyncio.get_running_loop()
    argv = ["probe", "--host", uid_sim.host, "--port", str(uid_sim.port), "--user", USERNAME,
            "--password", PASSWORD, "--insecure"]
    assert await loop.run_in_executor(None, main, argv) == 0
    assert json.loads(capsys.readouterr().out)["dialect"] == "uid_xml"
    bad = [*argv[:-3], "--password", "nope"]
    assert await loop.run_in_executor(None, main, bad) == 1
    assert "AuthError" in capsys.readouterr().err
