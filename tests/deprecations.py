"""Pytest plugin: a test fails when Home Assistant reports a deprecation of cgi_camera.

Loaded by tests/conftest.py. Per test it collects

- every ``report_usage`` Home Assistant attributes to cgi_camera (by domain, by the
  integration frame, or, when it finds no integration, by our code on the stack), also
  the ones its once-per-process flood guard would not log again;
- log records of Home Assistant's deprecation helpers naming cgi_camera ("deprecated",
  "should use", "will stop working", "will be removed");
- ``DeprecationWarning``\\s issued from the integration's own code;
- backports: reports a newer Home Assistant makes that this one cannot yet, on releases
  that already offer the replacement (see ``_BACKPORTS``).

What setup and the test itself caused fails the test at its end; what teardown caused
fails the teardown. ``take()`` hands the collected reports to a test that provokes one on
purpose (and keeps them from failing it).
"""

from __future__ import annotations

from collections.abc import Callable, Generator, Iterator
import contextlib
import functools
import inspect
import logging
from pathlib import Path
import re
import sys
from types import FrameType
from typing import Any
import warnings

import pytest

DOMAIN = "cgi_camera"
OUR_CODE = str(Path(__file__).resolve().parent.parent / "custom_components" / DOMAIN) + "/"
_WORDS = re.compile(
    r"deprecat|should use|will stop working|stop working in home assistant|will be removed",
    re.IGNORECASE,
)
_OUR_LOGGER = f"custom_components.{DOMAIN}"
_SHOWN_AS = f"custom_components/{DOMAIN}/"  # how Home Assistant names our files
_FRAME_LOGGER = "homeassistant.helpers.frame"



class _Collected:
    """The running test's reports (one test at a time per process); None between tests."""

    reports: list[str] | None = None


def take() -> list[str]:
    """The reports collected in the running test so far, which then no longer count."""
    found = list(_Collected.reports or [])
    if _Collected.reports is not None:
        _Collected.reports.clear()
    return found


def _record(message: str) -> None:
    reports = _Collected.reports
    if reports is not None and message not in reports:
        reports.append(message)


def _ours_on_stack(frame: FrameType | None) -> str | None:
    while frame is not None:
        if frame.f_code.co_filename.startswith(OUR_CODE):
            return f"{_SHOWN_AS}{frame.f_code.co_filename[len(OUR_CODE):]}:{frame.f_lineno}"
        frame = frame.f_back
    return None


# -- report_usage, seen before Home Assistant decides whether to log it --------------------


def _spy(original: Callable[..., Any], attribute: Callable[[inspect.BoundArguments],
         str | None]) -> Callable[..., Any]:
    signature = inspect.signature(original)

    @functools.wraps(original)
    def spy(*args: Any, **kwargs: Any) -> Any:
        try:
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            where = attribute(bound)
        except TypeError:
            where = None
        if where is not None:
            what = bound.arguments.get("what")
            breaks = bound.arguments.get("breaks_in_ha_version")
            _record(f"report_usage at {where}: {what}"
                    + (f" (breaks in Home Assistant {breaks})" if breaks else ""))
        return original(*args, **kwargs)

    return spy


def _by_domain(bound: inspect.BoundArguments) -> str | None:
    integration = bound.arguments.get("integration")
    if getattr(integration, "domain", None) != DOMAIN:
        return None
    behavior = bound.arguments.get("custom_integration_behavior")
    return None if getattr(behavior, "name", "") == "IGNORE" else f"integration {DOMAIN}"


def _by_frame(bound: inspect.BoundArguments) -> str | None:
    frame = bound.arguments.get("integration_frame")
    if getattr(frame, "integration", None) != DOMAIN:
        return None
    return f"{getattr(frame, 'relative_filename', '?')}:{getattr(frame, 'line_number', '?')}"


def _by_stack(bound: inspect.BoundArguments) -> str | None:
    return _ours_on_stack(sys._getframe(2))


_SPIES = {
    "_report_usage_integration_domain": _by_domain,
    "_report_usage_integration_frame": _by_frame,
    "_report_usage_no_integration": _by_stack,
}


def _install_spies() -> None:
    from homeassistant.helpers import frame

    for name, attribute in _SPIES.items():
        if (original := getattr(frame, name, None)) is not None:
            setattr(frame, name, _spy(original, attribute))


# -- log records of the deprecation helpers ------------------------------------------------


class _DeprecationLog(logging.Handler):
    """Home Assistant's deprecation messages that name cgi_camera."""

    def emit(self, record: logging.LogRecord) -> None:
        # Our own log lines may say anything; report_usage's are seen by the spies.
        if record.name.startswith((_OUR_LOGGER, _FRAME_LOGGER)):
            return
        message = record.getMessage()
        if DOMAIN in message and _WORDS.search(message):
            _record(f"log {record.name}: {message}")


# -- backports of newer releases' reports ----------------------------------------------------


def _reload_report(flow: Any, entry: Any) -> None:
    if getattr(flow, "handler", None) == DOMAIN and entry is not None and entry.update_listeners:
        _record(
            f"{type(flow).__name__} has an update listener and should use it for scheduling "
            "a reload (backport of Home Assistant 2026.11's report; breaks in 2026.12.0)"
        )


def _snapshot(entry: Any) -> tuple[Any, ...]:
    return (dict(entry.data), dict(entry.options), entry.title, entry.unique_id)


def _backport_update_reload_and_abort(original: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(original)
    def wrapper(self: Any, entry: Any, *args: Any, **kwargs: Any) -> Any:
        before = _snapshot(entry)
        listeners = bool(entry.update_listeners)
        result = original(self, entry, *args, **kwargs)
        changed = _snapshot(entry) != before
        if listeners and (kwargs.get("reload_even_if_entry_is_unchanged", True) or changed):
            _reload_report(self, entry)
        return result

    return wrapper


def _backport_abort_if_configured(original: Callable[..., Any]) -> Callable[..., Any]:
    from homeassistant.config_entries import ConfigEntryState

    @functools.wraps(original)
    def wrapper(self: Any, updates: dict[str, Any] | None = None,
                reload_on_update: bool = True, **kwargs: Any) -> Any:
        entry = None
        if updates is not None and self.unique_id is not None:
            entry = self.hass.config_entries.async_entry_for_domain_unique_id(
                self.handler, self.unique_id)
        if (entry is not None and updates is not None and reload_on_update
                and {**entry.data, **updates} != dict(entry.data)
                and entry.state in (ConfigEntryState.LOADED, ConfigEntryState.SETUP_RETRY)):
            _reload_report(self, entry)
        return original(self, updates, reload_on_update, **kwargs)

    return wrapper


# Each: (class, method, wrapper); applied where the release has the replacement
# (OptionsFlowWithReload) but not yet the report.
_BACKPORTS = (
    ("async_update_reload_and_abort", _backport_update_reload_and_abort),
    ("_abort_if_unique_id_configured", _backport_abort_if_configured),
)


def _install_backports() -> None:
    from homeassistant import config_entries

    if not hasattr(config_entries, "OptionsFlowWithReload"):
        return  # nothing to reload with but an update listener: no report to backport
    for method, backport in _BACKPORTS:
        original = getattr(config_entries.ConfigFlow, method)
        if "should use it for scheduling a reload" not in inspect.getsource(original):
            setattr(config_entries.ConfigFlow, method, backport(original))


# -- pytest hooks ---------------------------------------------------------------------------


def pytest_configure(config: pytest.Config) -> None:
    _install_spies()
    _install_backports()
    logging.getLogger().addHandler(_DeprecationLog(logging.INFO))


@contextlib.contextmanager
def _our_warnings() -> Iterator[None]:
    """Record DeprecationWarnings from our code; pass every warning on to pytest."""
    with warnings.catch_warnings(record=True) as caught:
        yield
    for warning in caught:
        if issubclass(warning.category, DeprecationWarning | PendingDeprecationWarning) and (
            warning.filename.startswith(OUR_CODE)
        ):
            _record(f"{warning.category.__name__} at {_SHOWN_AS}"
                    f"{warning.filename[len(OUR_CODE):]}:{warning.lineno}: {warning.message}")
        warnings.warn_explicit(warning.message, warning.category, warning.filename,
                               warning.lineno, source=warning.source)


def _fail_on(found: list[str], when: str) -> None:
    if found:
        lines = "\n".join(f"  - {line}" for line in found)
        pytest.fail(f"Home Assistant reported deprecations of {DOMAIN} during {when}:\n{lines}",
                    pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, object, object]:
    _Collected.reports = []
    with _our_warnings():
        return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, object, object]:
    try:
        with _our_warnings():
            result = yield
    except BaseException:
        # The test failed anyway: show the reports with it rather than fail twice.
        if found := take():
            item.add_report_section("call", "deprecations", "\n".join(found))
        raise
    _fail_on(take(), "setup and the test")
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Generator[None, object, object]:
    if _Collected.reports is None:
        _Collected.reports = []
    # Left over when setup failed and the test never ran.
    unreported = take()
    try:
        with _our_warnings():
            result = yield
        _fail_on(unreported + take(), "setup or teardown" if unreported else "teardown")
        return result
    finally:
        _Collected.reports = None
