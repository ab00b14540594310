"""Every dialect the client speaks, in detection order -- and how to add one.

How to add a dialect
====================

A dialect is one module here with one :class:`~..camera.Camera` subclass, added to
:data:`DIALECTS`; nothing else changes (platforms never branch on the dialect). It
knows its URLs and wire format and nothing about Home Assistant. Model it on the
smallest one (``uid_xml``); ``tests/test_dialect_contract.py`` checks all of this.

The required core (abstract in ``Camera``):

- ``dialect`` (its name), ``family`` (a neutral description of its API a person can
  read: a camera that names itself nothing better is "<family> <host>"),
  ``fingerprint(transport)`` (classmethod; YES / MAYBE / NO, and never a login: no
  credentials go out on a guess). Enum-like read-only values declare their states as
  the field's ``options`` (wire value -> a word of the shared vocabulary, e.g.
  ``models.SD_CARD_STATES``) and decode a wire value they do not know to
  ``models.UNKNOWN_STATE``. ``fingerprint_rank``: where detection asks it (one-request
  sure answers first, hosts that often answer only 401 last); a fingerprint that needs
  a second request answers LATER from ``quick_fingerprint`` and asks it in
  ``late_fingerprint`` (cgi_action's POST form): only a host nothing else recognised
  gets that one.
- ``_login()``: authenticate once. ``Camera.login`` wraps it with the **refused-login
  latch** (``client/latch.py``: one per camera, shared with its ONVIF side channel):
  every :class:`AuthError` out of a login or a public call trips it, and no channel
  sends anything again (the transport checks it before every request; raise through
  ``self._refused(why)`` when the device refuses later, e.g. on a stream). A login
  that would have accepted any password sets ``login_verified = False``;
  ``Camera.connect`` then has the RTSP server check it (``verify_login``).
- ``_discover()``: fill ``self.info`` (a MAC or serial as the identity) and
  ``self.capabilities``, and hand every settings group the device answered to the
  table: ``self._table.adopt(group, [(field, setting), ...], channel, values)``, with
  the answer that found it (``values``: the first read takes it instead of asking
  again; it must be what ``fetch`` returns). Probe as the spec documents (only a clear
  "not supported" ends a capability; an ambiguous failure asks the next documented
  probe). ``Camera.discover`` then checks the flags against the interfaces and makes
  the first read (only the groups discovery did not just read), which the owner gets
  without a second round trip via ``read_state(reuse_discovery=True)``.
- ``_press(action)``, ``_snapshot(stream)``, ``rtsp_candidates(stream, port)``.
- Settings: describe them as tables -- ``tables.Group`` subclasses (the dialect's
  address of a get/set pair) holding ``tables.Field`` s -- and give
  ``tables.Table(self, self.capabilities, codec, fetch, store)`` to ``self._table`` in
  ``__init__``: ``codec`` (a ``tables.Codec``) decodes and encodes values, ``fetch``
  returns one group's answer, ``store`` sends one set request (returning the echo
  when the device names what it changed). ``Camera.read_state`` and
  ``Camera.write`` do the rest for every dialect: one request per group, one failing
  group costs only its own keys, all failing raises the first failure; a bad value
  costs only itself; read-modify-write sends the partners ``Group.partners`` names.
  ``Group.cadence``: ``Cadence.CONTROL`` (default; what a user operates: picture,
  lights, detection, audio, outputs) is read at every refresh, ``Cadence.CONFIG``
  (set up once or only reporting: storage, network, versions, schedules, mounting,
  overlays) at one refresh in ``config_every`` -- a group that failed, every group
  on the first read and after a read that raised, at once.
- **What write returns**: the state keys the write changed with their new values --
  always the written key (``key``, or ``(key, channel)`` on a recorder channel).
  The table computes it; a write-only setting (no read form) overrides ``_write``
  and returns ``self._table.assume(key, value)``.
- Optional hooks with harmless defaults: ``close``, ``housekeeping``, ``_refresh``
  (between reads: re-ask what set-up left undecided), ``auth_scheme``, ``mjpeg_url``,
  ``today``.

Capability interfaces (``client/contract.py``): a dialect's class lists those it
implements, and only those flags may its discovery set (a device may still lack
what its class can do -- probes narrow, never widen):

=================  ==========================================  ==========================
interface          implement                                   allows the flag
=================  ==========================================  ==========================
``PtzControl``     ``_ptz_move``, ``_ptz_preset``              ``capabilities.ptz``
``PtzRoutines``    ``_ptz_routine`` (and ``PtzControl``)       ``ptz.routines``
``AlarmPoll``      ``_poll_alarms``                            ``capabilities.alarms``
``AlarmPush``      ``_alarm_stream``                           ``capabilities.alarm_push``
``Recordings``     ``_list_recordings``, ``_open_recording``   ``capabilities.recordings``
``Channels``       ``refresh_channels``, ``_channel_snapshot``,  ``channels``,
                   ``channel_rtsp_candidates``                 ``channel_settings``
``Clock``          ``_read_clock``                             the ``sync_time`` action
=================  ==========================================  ==========================

Alarms known before the first one: what the poll reads goes in ``capabilities.alarms``;
any other alarm the device's configuration says it can raise (a detection it has,
switched on or not) in ``capabilities.declared_alarms`` -- ``contract.declare_detections``
does it for the shared detection switches. Their entities exist, off, once a feed
reporting their kind does (see ``contract.py``); the rest appear when first reported.

The public calls (``ptz_move``, ``poll_alarms``, ``list_recordings``, ``read_clock``,
``write``, ...) belong to ``Camera``: they check the flag and the interface before
the dialect is asked, so a dialect never overrides them.
"""

from __future__ import annotations

from ..camera import Camera
from .cgi_action import CgiActionCamera
from .cgi_message import CgiMessageCamera
from .param_cgi import ParamCgiCamera
from .uid_xml import UidXmlCamera

# The order "maybe" logins are tried in (fingerprints go by their fingerprint_rank):
# param_cgi last, a host that wants a login before saying anything is "maybe" its.
DIALECTS: tuple[type[Camera], ...] = (
    UidXmlCamera, CgiMessageCamera, CgiActionCamera, ParamCgiCamera
)

BY_NAME: dict[str, type[Camera]] = {cls.dialect: cls for cls in DIALECTS}
