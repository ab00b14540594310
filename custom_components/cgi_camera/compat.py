"""Home Assistant APIs that differ between the releases we support (2025.4 onwards).

Feature-detected here, once, so the rest of the integration reads as if there were
one Home Assistant.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from homeassistant import config_entries

if TYPE_CHECKING:
    OptionsFlowBase = config_entries.OptionsFlow
else:
    # 2025.8+: the options flow reloads the entry itself when its options change, and
    # an update listener next to it is refused (2026.12 also reports entries that
    # keep one while a config flow reloads them). Older releases need the listener.
    OptionsFlowBase = getattr(
        config_entries, "OptionsFlowWithReload", config_entries.OptionsFlow
    )

# Whether the options flow above reloads by itself (else __init__ adds a listener).
OPTIONS_FLOW_RELOADS: bool = OptionsFlowBase is not config_entries.OptionsFlow
