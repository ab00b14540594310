"""Alarm states of one camera, merged from every feed it has; the bus events, fired here.

A camera's alarms arrive through the client's :class:`~.client.alarm_feed.AlarmFeed`
implementations: the dialect's push stream, ONVIF's pull point (both *live*: one
listener task each, reconnected with exponential backoff and jitter) and the
dialect's poll, which this coordinator schedules: fast while no live feed covers
the camera (so nothing is missed in a gap), a slow reconcile while one does, none
while the camera's own push stream is up. One state per source, whichever feed
reports it first; every change goes out once on the event bus as
``cgi_camera_alarm`` (which the device triggers listen to).

A camera is untrusted, so what it pushes is bounded: at most
:data:`~.client.limits.MAX_ALARM_SOURCES` sources per camera, bus events at
:data:`EVENT_RATE` a second after a burst of :data:`EVENT_BURST`, entity updates at
most every :data:`PUBLISH_INTERVAL`, and one auto-off timer per camera.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
import contextlib
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import logging
import random
import time
from typing import TYPE_CHECKING, cast

from homeassistant.core import CALLBACK_TYPE, HomeAssistant, callback
from homeassistant.helpers import issue_registry as ir
from homeassistant.helpers.event import async_call_later
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator

from .client import AlarmEvent, AuthError, Camera, CameraError, NotSupported
from .client.alarm_feed import AlarmFeed, PollFeed, PushFeed
from .client.limits import MAX_ALARM_SOURCES, warn_once
from .client.models import AlarmKind, AlarmReading, AlarmSource, Heartbeat
from .client.onvif import TopicEvent
from .const import DOMAIN, EVENT_ALARM
from .devices import device_identifier, find_device
from .errors import update_errors
from .names import clean_name

if TYPE_CHECKING:
    from .data import CgiCameraConfigEntry

_LOGGER = logging.getLogger(__name__)


def alarm_issue_id(entry: CgiCameraConfigEntry) -> str:
    """The repair issue of an alarm stream that keeps failing."""
    return f"alarm_stream_{entry.entry_id}"

# The poll's own bookkeeping (a line per second at debug, and a second "error
# fetching"/"recovered" report of an outage the settings coordinator already reports)
# goes here, quiet unless someone asks for it in the logger configuration.
_POLL_LOGGER = logging.getLogger(f"{__name__}.poll")
_POLL_LOGGER.setLevel(logging.WARNING)

BACKOFF_MIN = 1.0
BACKOFF_MAX = 60.0
# A stream that stayed up this long counts as healthy: the next drop starts over at 1 s.
HEALTHY_AFTER = 60.0
# Drops in a row (none healthy) before the user is told in a repair issue.
REPAIR_AFTER = 5
# Bus events per camera: a burst as large as every source switching on and off at
# once, then a steady rate far above what real cameras push (a few events a second).
# Beyond that events are dropped (logged once); the entities' states stay current.
EVENT_BURST = 2 * MAX_ALARM_SOURCES
EVENT_RATE = 20.0
# Pushed states reach the entities at most this often (s), whatever the camera pushes.
PUBLISH_INTERVAL = 0.1
# Pushed records applied between two chances for the event loop to run other work.
YIELD_EVERY = 50
# While a live feed other than the camera's push stream covers what the poll reads
# (ONVIF events on cgi_action's IO input), the poll only reconciles, this often (s):
# cheap camera web servers are reported to fail above about ten requests a minute.
RECONCILE_INTERVAL = 60.0
# A feed down this much longer than one settings refresh, failing again while the
# camera answers, is its own problem (info); before that it is the camera's outage,
# which the settings refresh reports (one warning when lost, one line when back).
FEED_REPORT_AFTER = 5.0
# A live "on" that its feed never ends (ONVIF firmware that drops the "off") turns
# off after this long (s).
STUCK_AFTER = 600.0

AlarmStates = dict[AlarmSource, bool]


class TokenBucket:
    """Allows ``burst`` at once, then ``rate`` a second."""

    def __init__(
        self, rate: float, burst: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.rate = rate
        self.burst = float(burst)
        self._clock = clock
        self._tokens = float(burst)
        self._at = clock()

    def take(self) -> bool:
        """Whether one more may pass now."""
        now = self._clock()
        self._tokens = min(self.burst, self._tokens + (now - self._at) * self.rate)
        self._at = now
        if self._tokens < 1:
            return False
        self._tokens -= 1
        return True


@dataclass(eq=False)
class LiveFeed:
    """A live feed the coordinator follows, and how it is doing."""

    feed: AlarmFeed
    # What a refused login means for this feed (push: re-authentication).
    on_auth_refused: Callable[[], Awaitable[None]]
    connected: bool = False
    task: asyncio.Task[None] | None = None
    lost_logged: bool = False
    down_since: float | None = None  # monotonic: when it last went down
    failed_while_camera_answers: int = 0  # failures since then, the camera answering
    unexpected_logged: bool = False
    drops: int = 0  # failures in a row, none healthy
    # Sources this feed reported: with a poll, what the poll cannot see keeps it.
    reported: set[AlarmSource] = field(default_factory=set)

    @property
    def name(self) -> str:
        return self.feed.name


class AlarmCoordinator(DataUpdateCoordinator[AlarmStates]):
    """Holds the on/off state of every alarm source of one camera."""

    config_entry: CgiCameraConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: CgiCameraConfigEntry,
        camera: Camera,
        *,
        poll_interval: float,
        idle_timeout: float,
        auto_off: float,
    ) -> None:
        self.camera = camera
        caps = camera.capabilities
        self._poll_interval = timedelta(seconds=poll_interval)
        # The dialect's own alarm state, where it has one (poll_alarms).
        self._poll = PollFeed(camera, _no_wait) if caps.alarms or caps.alarm_push else None
        super().__init__(
            hass,
            _POLL_LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} alarms {clean_name(entry.title) or entry.entry_id}",
            update_interval=None,  # set by _retune() from the feeds' health
            always_update=False,
        )
        self.idle_timeout = idle_timeout
        self.auto_off = auto_off
        self.live: list[LiveFeed] = []
        if caps.alarm_push:
            self.live.append(LiveFeed(PushFeed(camera, idle_timeout), self._reauth))
        self._started = False
        self._unsub_settings: CALLBACK_TYPE | None = None
        self._unsub_latch: CALLBACK_TYPE | None = None
        # Deadlines (loop time) of momentary alarms and of live "on"s nobody ended;
        # one timer serves them all.
        self._off_at: dict[AlarmSource, float] = {}
        self._stuck_at: dict[AlarmSource, float] = {}
        self._off_timer: CALLBACK_TYPE | None = None
        self._off_due = 0.0
        self._sources: set[AlarmSource] = set()
        self._events = TokenBucket(EVENT_RATE, EVENT_BURST)
        self.events_dropped = 0  # bus events a flood cost, since set-up
        self._publish_timer: asyncio.TimerHandle | None = None
        self._publish_pending = False
        self._device_ids: dict[int, str] = {}
        self._topics_seen: set[str] = set()
        self._retune()

    @property
    def title(self) -> str:
        """The camera's name as logs and repair issues show it."""
        return clean_name(self.config_entry.title) or self.config_entry.entry_id

    @property
    def sources(self) -> set[AlarmSource]:
        """Every alarm source that has (or may get) an entity: at most MAX_ALARM_SOURCES.

        Known before the first alarm: the poll's, and those the camera declares once
        a feed reporting their kind is there (a push stream, ONVIF announcing it);
        any other as soon as a feed reports it.
        """
        caps = self.camera.capabilities
        for source in sorted(caps.alarms):
            self._admit(source)
        if caps.declared_alarms:
            reported = self._reported_kinds()
            for source in sorted(caps.declared_alarms):
                if reported is None or source.kind in reported:
                    self._admit(source)
        return self._sources

    def _found_more(self) -> bool:
        """Whether sources were declared since the entities were last told (a refresh
        settled what set-up left open): their entities must not wait for an alarm."""
        known = len(self._sources)
        return len(self.sources) > known

    def _reported_kinds(self) -> frozenset[AlarmKind] | None:
        """The kinds this camera's feeds report; None when one may report any."""
        kinds: set[AlarmKind] = set()
        feeds = [live.feed for live in self.live]
        for feed in [*feeds, self._poll] if self._poll is not None else feeds:
            covers = feed.covers()
            if covers is None:
                return None
            kinds |= covers
        return frozenset(kinds)

    def _admit(self, source: AlarmSource) -> bool:
        """Whether ``source`` is one of this camera's; adds it while there is room."""
        if source in self._sources:
            return True
        if len(self._sources) >= MAX_ALARM_SOURCES:
            warn_once(self.camera, "alarm sources", MAX_ALARM_SOURCES)
            return False
        self._sources.add(source)
        return True

    # -- the feeds' health ----------------------------------------------------------

    def _feed(self, name: str) -> LiveFeed | None:
        return next((live for live in self.live if live.name == name), None)

    @property
    def push(self) -> bool:
        """Whether the camera's own push stream is (still) one of the feeds."""
        return self._feed("push") is not None

    @property
    def stream_connected(self) -> bool:
        """The camera's own push stream is up."""
        live = self._feed("push")
        return live is not None and live.connected

    @property
    def onvif_connected(self) -> bool:
        """The ONVIF pull point is up."""
        live = self._feed("onvif")
        return live is not None and live.connected

    @property
    def has_onvif(self) -> bool:
        return self._feed("onvif") is not None

    @property
    def _login_refused(self) -> bool:
        """The camera refused its login, on any channel: no feed sends it again (the
        re-authentication reloads the entry, and with it a new camera and latch)."""
        return self.camera.latch.refused is not None

    @property
    def states_available(self) -> bool:
        """Whether the alarm states can be trusted now: a live feed or the poll works."""
        if self._login_refused:
            return False
        if any(live.connected for live in self.live):
            return True
        return self._poll is not None and self.last_update_success

    def _retune(self) -> None:
        """The poll's pace from the live feeds' health (see the module docstring)."""
        if self._poll is None or self.stream_connected:
            interval = None
        elif self._covered():
            interval = timedelta(seconds=RECONCILE_INTERVAL)
        else:
            interval = self._poll_interval
        self.update_interval = interval

    def _covered(self) -> bool:
        """A connected live feed reports every kind the poll reads."""
        assert self._poll is not None
        wanted = self._poll.covers() or frozenset()
        for live in self.live:
            covers = live.feed.covers()
            if live.connected and covers is not None and wanted <= covers:
                return True
        return False

    # -- polling ------------------------------------------------------------------

    async def _async_refresh(
        self,
        log_failures: bool = True,
        raise_on_auth_failed: bool = False,
        scheduled: bool = False,
        raise_on_entry_error: bool = False,
    ) -> None:
        # One outage, one report: the settings coordinator logs lost and back.
        await super()._async_refresh(
            False, raise_on_auth_failed, scheduled, raise_on_entry_error
        )

    async def _async_update_data(self) -> AlarmStates:
        if self._poll is None:
            return self._known(dict(self.data or {}))
        with update_errors():
            reading = await self._poll.read()
        return self._merge_reading(reading)

    def _known(self, states: AlarmStates) -> AlarmStates:
        """``states`` with every known source in: off until a feed says otherwise."""
        for source in self.sources:
            states.setdefault(source, False)
        return states

    def _merge_reading(self, reading: AlarmReading) -> AlarmStates:
        """The states after a poll: every source the dialect can see, as it says."""
        states = dict(self.data or {})
        seen = set(self.camera.capabilities.alarms)
        for live in self.live:
            if live.name == "push":
                seen |= live.reported  # the push stream and the poll are one CGI
        for source in seen:
            states[source] = False
        states.update(
            (source, on) for source, on in reading.states.items() if self._admit(source)
        )
        # A momentary alarm still counting down keeps its on state until its timer ends.
        for source in self._off_at:
            states[source] = True
        states = self._known(
            {source: on for source, on in states.items() if source in self._sources})
        if self.data is not None:
            for source, active in states.items():
                if active != self.data.get(source, False):
                    self._fire(source, active)
        return states

    # -- live feeds -----------------------------------------------------------------

    @callback
    def async_start(self) -> None:
        """Start following the live feeds once the entities exist."""
        self._started = True
        settings = self.config_entry.runtime_data.coordinator
        self._unsub_settings = settings.async_add_listener(self._settings_updated)
        self._unsub_latch = self.camera.latch.listen(self._latch_tripped)
        for live in self.live:
            self._start(live)

    @callback
    def _settings_updated(self) -> None:
        """A refresh that settled a capability set-up left open may declare alarms:
        their entities come now, not with the next alarm."""
        if self._found_more():
            self.async_update_listeners()

    def _latch_tripped(self, _why: str) -> None:
        # Called from inside whichever request saw the refusal (maybe a feed's own):
        # stop the feeds once that call has returned.
        self.hass.loop.call_soon(self._stop_feeds)

    @callback
    def _stop_feeds(self) -> None:
        """A refused login stops every feed now: one failed login per password change,
        not one more per feed (an ONVIF poll, the stream's reconnect, an Unsubscribe)."""
        for live in self.live:
            live.feed.login_refused()
            if live.task is not None:
                live.task.cancel()
                live.task = None
            live.connected = False
        self._retune()
        self.async_update_listeners()

    @callback
    def _start(self, live: LiveFeed) -> None:
        if live.task is None and not self._login_refused:
            live.task = self.config_entry.async_create_background_task(
                self.hass, self._follow(live), f"{DOMAIN} alarm stream ({live.name}) {self.title}"
            )

    @callback
    def async_add_feed(
        self,
        feed: AlarmFeed,
        *,
        sources: set[AlarmSource] | None = None,
        on_auth_refused: Callable[[], Awaitable[None]] | None = None,
    ) -> None:
        """Follow one more live feed (ONVIF, found after set-up).

        ``sources`` are the alarms it announces: their entities exist before the
        first event. ``on_auth_refused`` runs when the feed's login is refused
        (default: the entry's re-authentication).
        """
        live = LiveFeed(feed, on_auth_refused or self._reauth)
        self.live.append(live)
        for source in sources or ():
            self._admit(source)
        if self._started:
            self._start(live)
        self.async_update_listeners()

    async def async_stop(self) -> None:
        """Stop following, release what the feeds hold, cancel the timers."""
        for unsub in (self._unsub_settings, self._unsub_latch):
            if unsub is not None:
                unsub()
        self._unsub_settings = self._unsub_latch = None
        for live in self.live:
            if live.task is not None:
                live.task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await live.task
                live.task = None
        for live in self.live:
            try:
                await live.feed.close()
            except Exception:
                _LOGGER.debug("Closing the %s feed of %s failed", live.name, self.title,
                              exc_info=True)
        self._cancel_timers()
        self._repair(False)

    async def async_shutdown(self) -> None:
        """Home Assistant stops (or the entry unloads): no timer outlives it."""
        await super().async_shutdown()
        self._cancel_timers()

    @callback
    def _cancel_timers(self) -> None:
        if self._off_timer is not None:
            self._off_timer()
            self._off_timer = None
        self._off_at.clear()
        self._stuck_at.clear()
        if self._publish_timer is not None:
            self._publish_timer.cancel()
            self._publish_timer = None

    @property
    def _issue_id(self) -> str:
        return alarm_issue_id(self.config_entry)

    @callback
    def _repair(self, needed: bool) -> None:
        """Tell the user about a stream that keeps failing while the camera answers."""
        camera_fine = self.config_entry.runtime_data.coordinator.last_update_success
        if needed and camera_fine:
            ir.async_create_issue(
                self.hass,
                DOMAIN,
                self._issue_id,
                is_fixable=False,
                severity=ir.IssueSeverity.WARNING,
                translation_key="alarm_stream_failing",
                translation_placeholders={"name": self.title},
            )
        elif not needed:
            ir.async_delete_issue(self.hass, DOMAIN, self._issue_id)

    async def _reauth(self) -> None:
        self.config_entry.async_start_reauth(self.hass)

    async def _follow(self, live: LiveFeed) -> None:
        """Keep one live feed open for as long as the entry is loaded.

        Only a refused login, a camera without the feed and cancellation end it:
        anything else, even an exception nobody foresaw, is a drop to recover from.
        """
        backoff = BACKOFF_MIN
        while True:
            started = time.monotonic()
            unexpected: Exception | None = None
            try:
                why = await self._consume(live)
            except AuthError:
                # Debug only: the re-authentication or the repair issue tells the user.
                self._feed_down(live, "login refused")
                await live.on_auth_refused()
                return  # no retries against a refused login
            except NotSupported:
                self._without(live)
                return
            except CameraError as err:
                why = str(err)
            except Exception as err:  # see the docstring
                unexpected = err
                why = f"unexpected {type(err).__name__}"
            if time.monotonic() - started >= HEALTHY_AFTER:
                backoff = BACKOFF_MIN
                live.drops = 0
                live.unexpected_logged = False
                if live.name == "push":
                    self._repair(False)
            else:
                live.drops += 1
                if live.name == "push":
                    self._repair(live.drops >= REPAIR_AFTER)
            if unexpected is not None:
                self._log_unexpected(live, unexpected)
            self._feed_down(live, why)
            await self.async_refresh()  # poll now: the gap must not hide an alarm
            self._report_down(live, why)
            # Full jitter keeps many cameras from reconnecting in lockstep.
            await asyncio.sleep(random.uniform(backoff / 2, backoff))
            backoff = min(backoff * 2, BACKOFF_MAX)

    @callback
    def _without(self, live: LiveFeed) -> None:
        """The camera has no such feed after all: the others (and the poll) carry on."""
        if live.name == "push":
            _LOGGER.info("%s has no alarm stream; polling its alarms", self.title)
        else:
            _LOGGER.info("%s has no %s alarm feed after all", self.title, live.name)
        self.live.remove(live)
        self._retune()
        self.hass.async_create_task(self.async_refresh(), eager_start=True)
        self.async_update_listeners()

    async def _consume(self, live: LiveFeed) -> str:
        """Apply what one connection of the feed brings; why it ended, if it did."""
        applied = 0
        async for item in live.feed.updates():
            if isinstance(item, Heartbeat):
                if not live.connected:
                    await self._feed_up(live)
                elif self._found_more():
                    self.async_update_listeners()
                continue
            if not live.connected:
                await self._feed_up(live)  # an update proves it alive as well
            if isinstance(item, TopicEvent):
                self._topic(item)
            elif isinstance(item, AlarmReading):
                self.async_set_updated_data(self._merge_reading(item))
            else:
                live.reported.add(item.source)
                self._apply(item, capped=live.name != "push")
            applied += 1
            if applied % YIELD_EVERY == 0:
                # Records already buffered parse without a pause: let the rest of
                # Home Assistant run while a camera floods.
                await asyncio.sleep(0)
        return f"{live.name} closed by the camera"

    def _log_unexpected(self, live: LiveFeed, err: Exception) -> None:
        """One traceback per camera and feed until the feed is healthy again."""
        if live.unexpected_logged:
            _LOGGER.debug("Alarm %s of %s failed again: %r", _feed_words(live), self.title,
                          err)
            return
        live.unexpected_logged = True
        _LOGGER.error(
            "Alarm %s of %s failed unexpectedly; reconnecting and polling meanwhile",
            _feed_words(live), self.title, exc_info=err,
        )

    async def _feed_up(self, live: LiveFeed) -> None:
        live.connected = True
        live.down_since, live.failed_while_camera_answers = None, 0
        self._retune()
        if live.lost_logged:
            _LOGGER.info("Alarm %s of %s is back", _feed_words(live), self.title)
            live.lost_logged = False
        else:
            _LOGGER.debug("Alarm %s of %s is up", _feed_words(live), self.title)
        # One poll resynchronises whatever changed while we were not listening.
        await self.async_refresh()
        self.async_update_listeners()

    @callback
    def _feed_down(self, live: LiveFeed, why: str) -> None:
        was_connected = live.connected
        live.connected = False
        if live.down_since is None:
            live.down_since = time.monotonic()
        self._retune()
        _LOGGER.debug("Alarm %s of %s %s (%s); polling until it is back",
                      _feed_words(live), self.title,
                      "dropped" if was_connected else "unavailable", why)
        self.async_update_listeners()

    def _camera_answers(self) -> bool:
        """The camera's CGI answers: its settings refresh (and the alarm poll) work."""
        settings = self.config_entry.runtime_data.coordinator
        return settings.last_update_success and (self._poll is None or self.last_update_success)

    @callback
    def _report_down(self, live: LiveFeed, why: str) -> None:
        """Info, once, for a feed that stays down while its camera answers.

        A drop that the next attempt heals, or that comes with the camera's own outage
        (which the settings refresh reports), stays at debug: one outage, one report.
        Info, not a warning: no alarm is lost meanwhile (the gap is polled), and a
        stream that keeps failing raises a repair issue.
        """
        if live.lost_logged or live.down_since is None or not self._camera_answers():
            return
        live.failed_while_camera_answers += 1
        interval = self.config_entry.runtime_data.coordinator.update_interval
        patience = (interval.total_seconds() if interval else 0.0) + FEED_REPORT_AFTER
        if (live.failed_while_camera_answers >= 2
                and time.monotonic() - live.down_since >= patience):
            _LOGGER.info("Alarm %s of %s is down (%s); polling until it is back",
                         _feed_words(live), self.title, why)
            live.lost_logged = True

    @callback
    def _apply(self, event: AlarmEvent, *, capped: bool = False) -> None:
        """One state change from a live feed; ``capped``: its "on" may be left open."""
        source = event.source
        if not self._admit(source):
            return
        # None until a first poll worked. Changed in place: a flood must not copy
        # every state per record.
        states = cast("AlarmStates | None", self.data)
        if states is None:
            states = self.data = {}
        previous = states.get(source, False)
        states[source] = event.active
        if event.momentary and event.active:
            self._arm(self._off_at, source, self.auto_off)
        elif capped and event.active:
            if source not in self._stuck_at:
                self._arm(self._stuck_at, source, STUCK_AFTER)
        elif not event.active:
            self._off_at.pop(source, None)
            self._stuck_at.pop(source, None)
        if event.active != previous or (event.momentary and event.active):
            self._fire(source, event.active)
        self.last_update_success = True
        self._publish()

    @callback
    def _topic(self, event: TopicEvent) -> None:
        """An event no alarm kind covers: on the bus with its topic, no entity."""
        if event.topic not in self._topics_seen and len(self._topics_seen) < MAX_ALARM_SOURCES:
            self._topics_seen.add(event.topic)
            _LOGGER.debug("%s sends the ONVIF topic %s, which no alarm kind covers",
                          self.title, event.topic)
        if not self._events.take():
            self._event_dropped()
            return
        self.hass.bus.async_fire(
            EVENT_ALARM,
            {"device_id": self._device_id(1), "kind": "topic", "topic": event.topic[:256],
             "channel": 1, "index": 1, "active": event.active},
        )

    @callback
    def _publish(self) -> None:
        """Tell the entities now, or at the end of the current interval."""
        if self._publish_timer is not None:
            self._publish_pending = True
            return
        self.async_update_listeners()
        self._publish_timer = self.hass.loop.call_later(PUBLISH_INTERVAL, self._published)

    @callback
    def _published(self) -> None:
        self._publish_timer = None
        if self._publish_pending:
            self._publish_pending = False
            self._publish()

    @callback
    def _arm(self, deadlines: dict[AlarmSource, float], source: AlarmSource,
             delay: float) -> None:
        due = deadlines[source] = self.hass.loop.time() + delay
        if self._off_timer is None or due < self._off_due:
            self._schedule_auto_off(delay)

    @callback
    def _schedule_auto_off(self, delay: float) -> None:
        if self._off_timer is not None:
            self._off_timer()
        self._off_due = self.hass.loop.time() + delay
        self._off_timer = async_call_later(self.hass, delay, self._auto_off)

    @callback
    def _auto_off(self, _now: datetime) -> None:
        """Turn off the alarms whose time is up; wait for the next one.

        Due is what was due when the timer was set for (the loop's clock, which no
        wall-clock step moves), or is due by now.
        """
        self._off_timer = None
        due_by = max(self._off_due, self.hass.loop.time())
        turned_off = False
        for deadlines in (self._off_at, self._stuck_at):
            for source in [s for s, at in deadlines.items() if at <= due_by]:
                del deadlines[source]
                if self.data and self.data.get(source):
                    if deadlines is self._stuck_at:
                        _LOGGER.debug("%s never ended its %s alarm: turned off after %.0f s",
                                      self.title, source.key, STUCK_AFTER)
                    self.data[source] = False
                    self._fire(source, False)
                    turned_off = True
        if turned_off:
            self._publish()
        pending = [*self._off_at.values(), *self._stuck_at.values()]
        if pending:
            wait = min(pending) - self.hass.loop.time()
            self._schedule_auto_off(max(wait, 0.01))

    # -- events ---------------------------------------------------------------------

    def _device_id(self, channel: int) -> str | None:
        if (known := self._device_ids.get(channel)) is not None:
            return known
        device = find_device(
            self.hass, self.config_entry,
            device_identifier(self.config_entry, self.camera, channel),
        )
        if device is None:
            return None
        self._device_ids[channel] = device.id
        return device.id

    @callback
    def _fire(self, source: AlarmSource, active: bool) -> None:
        if not self._events.take():
            self._event_dropped()
            return
        self.hass.bus.async_fire(
            EVENT_ALARM,
            {
                "device_id": self._device_id(source.channel),
                "kind": str(source.kind),
                "channel": source.channel,
                "index": source.index,
                "active": active,
            },
        )

    def _event_dropped(self) -> None:
        if not self.events_dropped:  # once per camera: a flood must not flood the log
            _LOGGER.warning(
                "%s pushes alarms faster than %d events at once and %.0f a second: "
                "%s events beyond that are dropped (its alarm entities stay current)",
                self.title, EVENT_BURST, EVENT_RATE, EVENT_ALARM,
            )
        self.events_dropped += 1


async def _no_wait() -> None:
    """The poll feed's tick where the coordinator's own schedule is the clock."""


def _feed_words(live: LiveFeed) -> str:
    """How logs name a feed: the camera's "stream", ONVIF's "events"."""
    return _FEED_WORDS.get(live.name, f"{live.name} events")


_FEED_WORDS = {"push": "stream"}
