"""scripts/compat.py: what it finds in a (tiny, made-up) release and what it fails on."""

from __future__ import annotations

import importlib.util
from pathlib import Path
import sys
import textwrap
from types import ModuleType
import zipfile

import pytest

ROOT = Path(__file__).resolve().parent.parent

WHEEL = {
    "homeassistant/__init__.py": "",
    "homeassistant/helpers/__init__.py": "",
    "homeassistant/helpers/frame.py": "def report_usage(what, *, breaks_in_ha_version=None):\n"
                                      "    pass\n",
    "homeassistant/helpers/thing.py": '''
        from .frame import report_usage
        from functools import partial

        from .deprecation import DeprecatedConstant, check_if_deprecated_constant

        _DEPRECATED_PARAMETERS = {"old_kw": ("2027.2.0", "new_kw")}
        _DEPRECATED_OLD_CONST = DeprecatedConstant(1, "NEW_CONST", "2027.3.0")
        NEW_CONST = 1


        __getattr__ = partial(check_if_deprecated_constant, module_globals=globals())


        class Registry:
            def old_lookup(self):
                report_usage("calls old_lookup", breaks_in_ha_version="2027.1.0")

            def maybe(self, step_id=None):
                if step_id is not None:
                    return
                else:
                    report_usage("calls maybe without a step_id",
                                 breaks_in_ha_version="2027.1.0")

            def later(self):
                report_usage("calls later", breaks_in_ha_version="2030.1.0")


        def async_get(hass) -> Registry:
            return Registry()


        class Info:
            def __init__(self, **fields):
                pass
    ''',
    "homeassistant-2099.1.0.dist-info/METADATA": "Requires-Dist: aiohttp==3.0\n",
    # The internals compat.INTERNALS looks for, in a module of the package.
    "homeassistant/components/sensor/__init__.py": "",
    "homeassistant/components/sensor/entity.py": 'OPTIONS = {f"{DOMAIN}.private": '
                                                 '{"suggested_unit_of_measurement": None}}\n',
}

INTEGRATION = '''
    from homeassistant.helpers import thing
    from homeassistant.helpers.thing import OLD_CONST, Info, gone_name


    def use(hass):
        registry = thing.async_get(hass)
        registry.maybe(step_id="set")
        registry.later()
        Info(old_kw=OLD_CONST)
        # compat: only where Registry has no new_lookup
        registry.old_lookup()
'''


def _compat() -> ModuleType:
    spec = importlib.util.spec_from_file_location("compat", ROOT / "scripts" / "compat.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["compat"] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def _run(tmp_path: Path, capsys: pytest.CaptureFixture[str], integration: str,
         today: str = "2026-12-01", files: dict[str, str] = WHEEL) -> tuple[int, str]:
    tmp_path.mkdir(exist_ok=True)
    wheel = tmp_path / "homeassistant-2099.1.0-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, textwrap.dedent(text))
    package = tmp_path / "custom_components" / "demo"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(textwrap.dedent(integration))
    code = _compat().main(["--wheel", str(wheel), "--integration", str(package),
                           "--today", today])
    return code, capsys.readouterr().out


def test_missing_names_and_due_markers_fail(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = _run(tmp_path, capsys, INTEGRATION)
    assert code == 1
    assert out.startswith("Home Assistant 2099.1.0 ")
    failed = out.split("FAILED against Home Assistant 2099.1.0 (cutoff 2027-12-01):")[1]
    assert "homeassistant.helpers.thing has no gone_name" in failed
    assert "Info breaks in 2027.2.0: deprecated keyword old_kw=" in failed
    assert "homeassistant.helpers.thing:OLD_CONST breaks in 2027.3.0" in failed
    # Ruled out by the call's own argument; a fallback the integration marked; not due.
    assert "maybe" not in failed and "old_lookup" not in failed and "later" not in failed
    assert "[n/a] homeassistant.helpers.thing:Registry.maybe (breaks 2027.1.0)" in out
    assert "feature-detected fallback at custom_components/demo/__init__.py:12: only where" in out
    assert "[later] homeassistant.helpers.thing:Registry.later (breaks 2030.1.0)" in out


def test_a_clean_integration_passes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    clean = '''
        from homeassistant.helpers import thing


        def use(hass):
            thing.async_get(hass).later()
    '''
    code, out = _run(tmp_path, capsys, clean)
    assert code == 0, out
    assert "OK against Home Assistant 2099.1.0: nothing missing, nothing breaking by" in out
    # A year on, the same marker is due.
    code, out = _run(tmp_path / "later", capsys, clean, today="2029-06-01")
    assert code == 1 and "Registry.later breaks in 2030.1.0" in out


def test_an_internal_gone_from_the_release_fails(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    without = {**WHEEL, "homeassistant/components/sensor/entity.py": "OPTIONS = {}\n"}
    code, out = _run(tmp_path, capsys, "", files=without)
    assert code == 1
    assert 'internal gone: homeassistant.components.sensor no longer has {DOMAIN}.private"' in out
