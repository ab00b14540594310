"""ONVIF event topics -> the client's alarm vocabulary.

Topics are matched on their local path. The standard ones (ONVIF Core/Analytics)
and the vendor rule topics seen on cheap cameras map to an :class:`AlarmKind`;
other rule topics are recognised by the word they detect (people, vehicle, line
crossing, field/intrusion), since each firmware names its rules differently and
announces them in GetEventProperties. Anything else is a :class:`TopicEvent`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import timedelta
import re

from ..limits import MAX_ALARM_INPUTS, warn_once
from ..models import AlarmEvent, AlarmKind, AlarmSource
from .models import EventTopic, NotificationMessage, PropertyOperation, TopicEvent
from .xmlutil import parse_bool


@dataclass(frozen=True, slots=True)
class TopicRule:
    """How a topic maps onto an alarm."""

    kind: AlarmKind
    # Data items carrying the state, in order of preference.
    items: tuple[str, ...] = ()
    # A plain event (a line was crossed), not a state: it has no "off".
    momentary: bool = False


_KNOWN: dict[str, TopicRule] = {
    "RuleEngine/CellMotionDetector/Motion": TopicRule(AlarmKind.MOTION, ("IsMotion",)),
    "VideoSource/MotionAlarm": TopicRule(AlarmKind.MOTION, ("State",)),
    "RuleEngine/MotionRegionDetector/Motion": TopicRule(AlarmKind.MOTION, ("State", "IsMotion")),
    "Device/Trigger/DigitalInput": TopicRule(AlarmKind.IO_INPUT, ("LogicalState", "State")),
    "RuleEngine/TamperDetector/Tamper": TopicRule(AlarmKind.TAMPER, ("IsTamper",)),
    "RuleEngine/CellMotionDetector/Tamper": TopicRule(AlarmKind.TAMPER, ("IsTamper", "State")),
    "RuleEngine/FieldDetector/ObjectsInside": TopicRule(AlarmKind.INTRUSION, ("IsInside",)),
    "RuleEngine/CellMotionDetector/Intrusion": TopicRule(AlarmKind.INTRUSION),
    "RuleEngine/LineDetector/Crossed": TopicRule(AlarmKind.LINE_CROSSING, momentary=True),
    "RuleEngine/CellMotionDetector/LineCross": TopicRule(AlarmKind.LINE_CROSSING),
    "RuleEngine/PeopleDetector/People": TopicRule(AlarmKind.PERSON, ("IsPeople", "State")),
    "RuleEngine/CellMotionDetector/People": TopicRule(AlarmKind.PERSON),
    "RuleEngine/MyRuleDetector/PeopleDetect": TopicRule(AlarmKind.PERSON, ("State",)),
    "UserAlarm/IVA/HumanShapeDetect": TopicRule(AlarmKind.PERSON),
    "RuleEngine/MyRuleDetector/VehicleDetect": TopicRule(AlarmKind.VEHICLE, ("State",)),
}
# Where no table entry names the state item, the first of these present is it.
_STATE_ITEMS = (
    "IsMotion", "State", "LogicalState", "IsTamper", "IsInside", "IsPeople", "IsVehicle",
    "IsLineCross", "IsIntrusion", "Active", "Value",
)
# Families whose other topics may be detection rules named after what they detect.
_RULE_FAMILIES = ("RuleEngine/", "UserAlarm/", "VideoAnalytics/")
_WORDS: tuple[tuple[re.Pattern[str], AlarmKind], ...] = (
    (re.compile(r"people|person|human|pedestrian|face", re.IGNORECASE), AlarmKind.PERSON),
    (re.compile(r"vehicle|motorcar|\bcar\b", re.IGNORECASE), AlarmKind.VEHICLE),
    (re.compile(r"line.?cross|crossed|tripwire|line.?detect", re.IGNORECASE),
     AlarmKind.LINE_CROSSING),
    (re.compile(r"intrusion|field.?detect|objects?inside|region.?entrance|perimeter",
                re.IGNORECASE), AlarmKind.INTRUSION),
)
# Source items naming a video source (-> channel) and a digital input (-> index).
_CHANNEL_ITEMS = ("VideoSourceToken", "VideoSourceConfigurationToken", "Source", "VideoSource")
_INPUT_ITEMS = ("InputToken", "DigitalInputToken", "AlarmInToken", "Source")
_TRAILING_NUMBER = re.compile(r"(\d{1,6})\s*$")


def rule_for(topic: str) -> TopicRule | None:
    """The alarm rule of a topic path, or None when it is not an alarm we know."""
    known = _KNOWN.get(topic)
    if known is not None:
        return known
    if not topic.startswith(_RULE_FAMILIES):
        return None
    tail = "/".join(topic.split("/")[1:])
    for pattern, kind in _WORDS:
        if pattern.search(tail):
            return TopicRule(kind)
    return None


def announced_kinds(topics: Iterable[EventTopic]) -> set[AlarmKind]:
    """The alarm kinds a camera's GetEventProperties announces."""
    return {rule.kind for rule in (rule_for(t.path) for t in topics) if rule is not None}


class TopicMapper:
    """Turns notification messages of one camera into alarm events.

    ``channels`` maps video source tokens to camera channels (a recorder's); without
    it every alarm is on channel 1. Digital inputs are numbered from their token's
    trailing number; a camera that calls its first input ``..._0`` counts from 0,
    which the mapper learns from the first batch (the synchronisation point sends
    every input at once).
    """

    def __init__(self, owner: object, channels: Mapping[str, int] | None = None) -> None:
        self._owner = owner
        self._channels = dict(channels or {})
        self.zero_based: bool | None = None

    def observe(self, messages: Iterable[NotificationMessage]) -> None:
        """Learn how the camera numbers its inputs from a batch, before mapping it."""
        numbers = [n for n in (self._input_number(m) for m in messages) if n is not None]
        if numbers and (self.zero_based is None or (0 in numbers and not self.zero_based)):
            self.zero_based = 0 in numbers

    def map(
        self, message: NotificationMessage, time_offset: timedelta | None = None
    ) -> AlarmEvent | TopicEvent:
        """An :class:`AlarmEvent` for a known alarm, else a :class:`TopicEvent`."""
        rule = rule_for(message.topic)
        state = _state(message, rule.items if rule is not None else ())
        if rule is None:
            return TopicEvent(message.topic, state, message)
        if rule.momentary:
            if state is False or message.operation is PropertyOperation.INITIALIZED:
                return TopicEvent(message.topic, state, message)
            state = True
        elif message.operation is PropertyOperation.DELETED:
            state = False
        if state is None:
            return TopicEvent(message.topic, state, message)
        index = self._index(message) if rule.kind is AlarmKind.IO_INPUT else 1
        if index is None:
            return TopicEvent(message.topic, state, message)
        at = message.utc_time
        if at is not None and time_offset is not None:
            at -= time_offset
        return AlarmEvent(
            AlarmSource(rule.kind, self._channel(message), index), state, at, rule.momentary
        )

    def _channel(self, message: NotificationMessage) -> int:
        for name in _CHANNEL_ITEMS:
            token = message.source_item(name)
            if token is not None and token in self._channels:
                return self._channels[token]
        return 1

    def _input_number(self, message: NotificationMessage) -> int | None:
        rule = _KNOWN.get(message.topic)
        if rule is None or rule.kind is not AlarmKind.IO_INPUT:
            return None
        for name in _INPUT_ITEMS:
            token = message.source_item(name)
            if token is not None:
                match = _TRAILING_NUMBER.search(token)
                return int(match[1]) if match else None
        return None

    def _index(self, message: NotificationMessage) -> int | None:
        """The input's 1-based index; None (logged once) past the input limit."""
        number = self._input_number(message)
        if number is None:
            return 1
        if self.zero_based is None:
            self.observe((message,))
        index = number + 1 if self.zero_based else number
        if index < 1 or index > MAX_ALARM_INPUTS:
            warn_once(self._owner, "ONVIF digital inputs", MAX_ALARM_INPUTS)
            return None
        return index


def _state(message: NotificationMessage, preferred: tuple[str, ...]) -> bool | None:
    for name in (*preferred, *_STATE_ITEMS):
        value = message.data_item(name)
        if value is not None and (state := parse_bool(value)) is not None:
            return state
    for _name, value in message.data:
        if (state := parse_bool(value)) is not None:
            return state
    return None
