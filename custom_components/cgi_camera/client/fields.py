"""What the dialects' setting tables share: the vocabulary entry and option mapping."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .errors import CommandError
from .models import Setting, SettingKey, SettingKind


class SettingField:
    """Mixin for a dialect's frozen field dataclass (which declares these attributes)."""

    __slots__ = ()

    key: SettingKey
    kind: SettingKind
    minimum: float | None
    maximum: float | None
    options: Mapping[Any, str] | None  # wire value -> vocabulary option
    unit: str | None

    def setting(self, minimum: float | None = None, maximum: float | None = None) -> Setting:
        """The vocabulary entry; a range the device reported overrides the table's."""
        return Setting(
            key=self.key,
            kind=self.kind,
            minimum=self.minimum if minimum is None else minimum,
            maximum=self.maximum if maximum is None else maximum,
            options=tuple(self.options.values()) if self.options else (),
            unit=self.unit,
        )

    def wire_option(self, value: Any) -> Any:
        """The wire value of an option; a value outside the options is refused."""
        for wire, option in (self.options or {}).items():
            if option == value:
                return wire
        raise CommandError(f"{value!r} is not an option of {self.key}")
