"""Config flow: discovery (DHCP, WS-Discovery), auto-detecting user step, reauth,
reconfigure and options."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
import logging
import secrets
from typing import Any

from homeassistant.config_entries import (
    SOURCE_IGNORE,
    ConfigEntry,
    ConfigEntryState,
    ConfigFlow,
    ConfigFlowResult,
)
from homeassistant.const import (
    CONF_HOST,
    CONF_PASSWORD,
    CONF_PORT,
    CONF_SSL,
    CONF_USERNAME,
    CONF_VERIFY_SSL,
)
from homeassistant.core import callback
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.device_registry import format_mac
from homeassistant.helpers.selector import (
    NumberSelector,
    NumberSelectorConfig,
    NumberSelectorMode,
    SelectOptionDict,
    SelectSelector,
    SelectSelectorConfig,
    SelectSelectorMode,
    TextSelector,
    TextSelectorConfig,
    TextSelectorType,
)
from homeassistant.helpers.service_info.dhcp import DhcpServiceInfo
import voluptuous as vol
from yarl import URL

from . import discovery, handover, migrate
from .client import (
    AuthError,
    Camera,
    CameraError,
    Credentials,
    SSLVerifyError,
    StreamKind,
    connect,
    detect,
)
from .client.dialects import BY_NAME
from .client.rtsp import UnsupportedAuth, describe
from .compat import OptionsFlowBase
from .const import (
    CONF_ALARM_AUTO_OFF,
    CONF_ALARM_IDLE_TIMEOUT,
    CONF_ALARM_INTERVAL,
    CONF_AUTH_SCHEME,
    CONF_DIALECT,
    CONF_ONVIF,
    CONF_ONVIF_PORT,
    CONF_RTSP_PORT,
    CONF_RTSP_URL,
    CONF_SCAN_INTERVAL,
    CONF_SNAPSHOT_URL,
    CONF_STREAM,
    DEFAULT_ALARM_AUTO_OFF,
    DEFAULT_ALARM_IDLE_TIMEOUT,
    DEFAULT_ALARM_INTERVAL,
    DEFAULT_ONVIF,
    DEFAULT_PORT,
    DEFAULT_RTSP_PORT,
    DEFAULT_SCAN_INTERVAL,
    DEFAULT_STREAM,
    DOMAIN,
    ONVIF_AUTO,
    ONVIF_OFF,
)
from .data import CgiCameraConfigEntry
from .errors import flow_error
from .names import camera_title, entry_name, meaningful_name

_LOGGER = logging.getLogger(__name__)

_PASSWORD = TextSelector(TextSelectorConfig(type=TextSelectorType.PASSWORD))
_PORT = NumberSelector(NumberSelectorConfig(min=1, max=65535, mode=NumberSelectorMode.BOX))

CONNECTION_SCHEMA = vol.Schema(
    {
        vol.Required(CONF_HOST): str,
        vol.Required(CONF_PORT, default=DEFAULT_PORT): _PORT,
        vol.Required(CONF_SSL, default=False): bool,
        vol.Required(CONF_VERIFY_SSL, default=True): bool,
    }
)
CREDENTIALS_SCHEMA = vol.Schema(
    {vol.Required(CONF_USERNAME, default="admin"): str, vol.Required(CONF_PASSWORD): _PASSWORD}
)
USER_SCHEMA = CONNECTION_SCHEMA.extend(CREDENTIALS_SCHEMA.schema)
CONF_CAMERA = "camera"
MANUAL = "manual"


@dataclass(frozen=True, slots=True)
class _Choice:
    """A camera found without a login; ``entry`` when it claims a configured one's MAC."""

    camera: discovery.FoundCamera
    entry: ConfigEntry | None = None

    def label(self) -> str:
        camera = self.camera
        where = f"{camera.host}:{camera.port}"
        if self.entry is not None:
            return f"{entry_name(self.entry)}: {self.entry.data.get(CONF_HOST)} → {where}"
        title = meaningful_name(camera.name) or meaningful_name(camera.model) or (
            _family(camera))
        details = f"{where}, {camera.dialect or '?'}"
        return f"{title} ({details})" if title else details


class CgiCameraConfigFlow(ConfigFlow, domain=DOMAIN):
    """Add a camera: detect its dialect, identify it by MAC."""

    VERSION = migrate.VERSION
    MINOR_VERSION = migrate.MINOR_VERSION
    # Cameras the WS-Discovery probe offered (None: not probed yet in this flow).
    _choices: dict[str, _Choice] | None = None
    _picked: _Choice | None = None

    async def _try(
        self,
        data: Mapping[str, Any],
        dialect: str | None = None,
        rtsp_port: int | None = None,
        *,
        keep: bool = False,
    ) -> tuple[Camera | None, dict[str, str]]:
        """Connect once with ``data``; return the camera or the flow errors.

        ``keep``: the camera stays open for :meth:`_finish` (it closes it, or hands it
        to the set-up of the entry it creates); else it is closed here.

        The client proves the password (over RTSP where the HTTP API would take any):
        a camera is only returned for a login that was checked, or that nothing on
        the camera can check (``login_verified`` False, told in a repair issue).
        The camera is only identified (``identify_only``): the set-up discovers the
        rest in the background, so the flow waits for no more than the login and the
        identity.
        """
        session = async_get_clientsession(self.hass, verify_ssl=data.get(CONF_VERIFY_SSL, True))
        credentials = Credentials(data[CONF_USERNAME], data[CONF_PASSWORD])
        try:
            # Only the identity: the set-up discovers the rest on the parked camera.
            if dialect is None:
                camera = await detect(
                    session, data[CONF_HOST], int(data[CONF_PORT]), credentials,
                    https=data.get(CONF_SSL, False),
                    verify_ssl=data.get(CONF_VERIFY_SSL, True),
                    identify_only=True,
                )
            else:
                camera = await connect(
                    session, dialect, data[CONF_HOST], int(data[CONF_PORT]), credentials,
                    https=data.get(CONF_SSL, False),
                    verify_ssl=data.get(CONF_VERIFY_SSL, True),
                    auth_hint=data.get(CONF_AUTH_SCHEME),
                    rtsp_port=rtsp_port,
                    identify_only=True,
                )
        except Exception as err:
            key = flow_error(err)
            if key == "unknown":
                _LOGGER.exception("Unexpected error talking to %s", data[CONF_HOST])
            else:
                _LOGGER.debug("Connecting to %s failed: %s", data[CONF_HOST], err)
            return None, {"base": key}
        if not keep:
            await camera.close()
        return camera, {}

    @staticmethod
    def _unique_id(camera: Camera, data: Mapping[str, Any]) -> str:
        return camera.info.unique_id or f"{data[CONF_HOST]}:{data[CONF_PORT]}"

    @staticmethod
    def _learned(camera: Camera) -> dict[str, Any]:
        """What the connection taught about the camera, kept in the entry."""
        return {CONF_DIALECT: camera.dialect, CONF_AUTH_SCHEME: camera.auth_scheme}

    async def async_step_user(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Offer the cameras a WS-Discovery probe finds, else ask for address and login."""
        if user_input is None and self._choices is None:
            self._choices = self._classify(await discovery.async_probe_network(self.hass))
            if self._choices:
                return await self.async_step_pick()
        errors: dict[str, str] = {}
        if user_input is not None:
            user_input[CONF_PORT] = int(user_input[CONF_PORT])
            camera, errors = await self._try(user_input, keep=True)
            if camera is not None:
                return await self._finish(camera, user_input)
        return self.async_show_form(
            step_id="user",
            data_schema=self.add_suggested_values_to_schema(
                USER_SCHEMA, _without_password(user_input)
            ),
            errors=errors,
        )

    def _classify(self, cameras: list[discovery.FoundCamera]) -> dict[str, _Choice]:
        """The probe's cameras worth offering: new ones, and configured ones that
        claim to have moved. Cameras at a configured address are left out."""
        configured = {
            (entry.data.get(CONF_HOST), entry.data.get(CONF_PORT))
            for entry in self._async_current_entries(include_ignore=False)
        }
        choices: dict[str, _Choice] = {}
        for index, camera in enumerate(cameras):
            entry = discovery.entry_for_mac(self.hass, camera.mac) if camera.mac else None
            if (camera.host, camera.port) in configured or (entry is not None and (
                entry.source == SOURCE_IGNORE
                # Still answering where it is configured: a second device claiming its
                # MAC has not moved, and offering it would invite the stored login.
                or entry.state is ConfigEntryState.LOADED
            )):
                continue
            choices[f"{'moved' if entry else 'new'}_{index}"] = _Choice(camera, entry)
        return choices

    async def async_step_pick(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """Cameras found on the network, and manual entry."""
        choices = self._choices or {}
        if user_input is not None:
            self._picked = choices.get(user_input[CONF_CAMERA])
            if self._picked is None:  # manual entry
                return await self.async_step_user()
            if self._picked.entry is not None:
                return await self.async_step_moved()
            return await self.async_step_discovered()
        options = [SelectOptionDict(value=key, label=choice.label())
                   for key, choice in choices.items()]
        options.append(SelectOptionDict(value=MANUAL, label=MANUAL))
        return self.async_show_form(
            step_id="pick",
            data_schema=vol.Schema({
                vol.Required(CONF_CAMERA): SelectSelector(SelectSelectorConfig(
                    options=options, translation_key=CONF_CAMERA,
                    mode=SelectSelectorMode.LIST,
                ))
            }),
        )

    async def async_step_discovered(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The login of a camera the probe found."""
        return await self._login_found("discovered", user_input)

    async def async_step_moved(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        """A configured camera claims a new address: its stored login moves it."""
        return await self._login_found("moved", user_input)

    async def async_step_discovery_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """The login of a camera DHCP found."""
        return await self._login_found("discovery_confirm", user_input)

    async def _login_found(
        self, step_id: str, user_input: dict[str, Any] | None
    ) -> ConfigFlowResult:
        """Ask for the login of a camera found without one; the first request with
        credentials is the one after the user submits."""
        assert self._picked is not None
        camera_found, entry = self._picked.camera, self._picked.entry
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {CONF_HOST: camera_found.host, CONF_PORT: camera_found.port,
                    CONF_SSL: False, CONF_VERIFY_SSL: True, **user_input}
            camera, errors = await self._try(data, keep=True)
            if camera is not None:
                return await self._finish(camera, data)
        username = entry.data.get(CONF_USERNAME, "admin") if entry else "admin"
        return self.async_show_form(
            step_id=step_id,
            data_schema=self.add_suggested_values_to_schema(
                CREDENTIALS_SCHEMA, {CONF_USERNAME: username}
            ),
            description_placeholders=_placeholders(self._picked),
            errors=errors,
        )

    async def _finish(self, camera: Camera, data: dict[str, Any]) -> ConfigFlowResult:
        """A camera answered the login: add it, or apply the takeover rule."""
        await self.async_set_unique_id(self._unique_id(camera, data))
        known = self.hass.config_entries.async_entry_for_domain_unique_id(
            DOMAIN, self._unique_id(camera, data)
        )
        if known is not None and known.source != SOURCE_IGNORE:
            await camera.close()
            return self._known_camera(known, camera, data)
        title = camera_title(camera.info.name, camera.info.model, camera.family,
                             data[CONF_HOST])
        entry_data = {**data, **self._learned(camera)}
        # The set-up that follows takes this camera: no second login and discovery.
        handover.async_park(self.hass, self._unique_id(camera, data), camera, entry_data)
        return self.async_create_entry(title=title, data=entry_data)

    async def async_step_dhcp(self, discovery_info: DhcpServiceInfo) -> ConfigFlowResult:
        """A MAC of these camera families, or a configured camera's, got an address.

        The MAC is Home Assistant's own observation of the DHCP packet, not the
        device's word over HTTP: a configured camera's entry follows it to the new
        address when the dialect answers there, without a login. Any other host is
        fingerprinted without a login and offered with a login form.
        """
        mac = format_mac(discovery_info.macaddress)
        host = discovery_info.ip
        await self.async_set_unique_id(mac)
        entry = discovery.entry_for_mac(self.hass, mac)
        if entry is not None:
            return await self._follow(entry, host)
        found = await discovery.async_find_at(self.hass, host, discovery.WEB_PORTS)
        if found is None:
            return self.async_abort(reason="not_supported")
        name = meaningful_name(discovery_info.hostname) or camera_title(
            found.name, found.model, _family(found) or "", host)
        self._picked = _Choice(replace(found, name=name, mac=mac))
        self.context["title_placeholders"] = {"name": name}
        return await self.async_step_discovery_confirm()

    async def _follow(self, entry: ConfigEntry, host: str) -> ConfigFlowResult:
        """Move ``entry`` to ``host`` if the camera's dialect answers there."""
        current = str(entry.data.get(CONF_HOST, ""))
        if (entry.source == SOURCE_IGNORE or current == host
                or not discovery.is_ip_address(current)):
            # A host name is the user's choice and resolves to the new address itself.
            return self.async_abort(reason="already_configured")
        found = await discovery.async_fingerprint(
            self.hass, host, int(entry.data[CONF_PORT]), https=entry.data.get(CONF_SSL, False),
            verify_ssl=entry.data.get(CONF_VERIFY_SSL, True),
        )
        if found is None or not found.answers(entry.data[CONF_DIALECT]):
            _LOGGER.debug("%s's MAC is at %s, but its dialect does not answer there",
                          entry_name(entry), host)
            return self.async_abort(reason="not_supported")
        _LOGGER.info("%s moved from %s to %s (DHCP); following it",
                     entry_name(entry), current, host)
        return self.async_update_reload_and_abort(
            entry, data_updates={CONF_HOST: host}, reason="address_updated"
        )

    def _known_camera(
        self, entry: ConfigEntry, camera: Camera, user_input: Mapping[str, Any]
    ) -> ConfigFlowResult:
        """A configured camera's identity answered at the address the user typed.

        That identity is only the device's word, which any device can repeat: the
        entry (and with it the stored password) moves to the new address only when
        the user typed that very login and the camera checked it there. Otherwise
        the user is pointed at Reconfigure, which asks for the login.
        """
        address = {key: user_input[key] for key in (CONF_HOST, CONF_PORT, CONF_SSL,
                                                     CONF_VERIFY_SSL)}
        if all(entry.data.get(key) == value for key, value in address.items()):
            return self.async_abort(reason="already_configured")
        typed = (user_input[CONF_USERNAME], user_input[CONF_PASSWORD])
        stored = (entry.data[CONF_USERNAME], entry.data[CONF_PASSWORD])
        same_login = all(
            secrets.compare_digest(a.encode(), b.encode()) for a, b in zip(typed, stored,
                                                                           strict=True)
        )
        if same_login and camera.login_verified:
            return self.async_update_reload_and_abort(
                entry, data_updates={**address, **self._learned(camera)},
                reason="address_updated",
            )
        _LOGGER.info(
            "A device at %s claims to be %s (configured at %s); not moving its entry",
            user_input[CONF_HOST], entry_name(entry), entry.data[CONF_HOST],
        )
        return self.async_abort(
            reason="already_configured_elsewhere",
            description_placeholders={"name": entry_name(entry), "host": entry.data[CONF_HOST]},
        )

    async def async_step_reauth(self, entry_data: Mapping[str, Any]) -> ConfigFlowResult:
        """The camera refused the stored login."""
        return await self.async_step_reauth_confirm()

    async def async_step_reauth_confirm(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Ask for the new login and check it once."""
        entry = self._get_reauth_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            data = {**entry.data, **user_input}
            camera, errors = await self._try(
                data, entry.data[CONF_DIALECT], entry.options.get(CONF_RTSP_PORT)
            )
            if camera is not None:
                await self.async_set_unique_id(self._unique_id(camera, data))
                self._abort_if_unique_id_mismatch(reason="wrong_device")
                return self.async_update_reload_and_abort(
                    entry, data_updates={**user_input, **self._learned(camera)}
                )
        return self.async_show_form(
            step_id="reauth_confirm",
            data_schema=self.add_suggested_values_to_schema(
                CREDENTIALS_SCHEMA, {CONF_USERNAME: entry.data[CONF_USERNAME]}
            ),
            description_placeholders={"name": entry_name(entry)},
            errors=errors,
        )

    async def async_step_reconfigure(
        self, user_input: dict[str, Any] | None = None
    ) -> ConfigFlowResult:
        """Change address or login of an existing camera."""
        entry = self._get_reconfigure_entry()
        errors: dict[str, str] = {}
        if user_input is not None:
            user_input[CONF_PORT] = int(user_input[CONF_PORT])
            camera, errors = await self._try(user_input)
            if camera is not None:
                await self.async_set_unique_id(self._unique_id(camera, user_input))
                self._abort_if_unique_id_mismatch(reason="wrong_device")
                return self.async_update_reload_and_abort(
                    entry, data_updates={**user_input, **self._learned(camera)}
                )
        return self.async_show_form(
            step_id="reconfigure",
            data_schema=self.add_suggested_values_to_schema(
                USER_SCHEMA, _without_password(user_input or dict(entry.data))
            ),
            errors=errors,
        )

    @staticmethod
    @callback
    def async_get_options_flow(config_entry: CgiCameraConfigEntry) -> CgiCameraOptionsFlow:
        """Polling intervals, stream choice and URL overrides."""
        return CgiCameraOptionsFlow()


def _placeholders(choice: _Choice) -> dict[str, str]:
    camera = choice.camera
    placeholders = {
        "name": camera_title(camera.name, camera.model, _family(camera) or "", camera.host),
        "model": meaningful_name(camera.model) or "-",
        "dialect": camera.dialect or "-",
        "host": f"{camera.host}:{camera.port}",
    }
    if choice.entry is not None:
        placeholders["name"] = entry_name(choice.entry)
        placeholders["old_host"] = str(choice.entry.data.get(CONF_HOST))
    return placeholders


def _family(camera: discovery.FoundCamera) -> str | None:
    """The family of the dialect a found camera speaks (None: not known yet)."""
    known = BY_NAME.get(camera.dialect or "")
    return known.family if known is not None else None


def _without_password(data: Mapping[str, Any] | None) -> dict[str, Any]:
    # Never echo a password back into a form.
    return {k: v for k, v in (data or {}).items() if k != CONF_PASSWORD}


class CgiCameraOptionsFlow(OptionsFlowBase):
    """Options of a camera entry."""

    async def async_step_init(self, user_input: dict[str, Any] | None = None) -> ConfigFlowResult:
        errors: dict[str, str] = {}
        if user_input is not None:
            user_input = {k: v for k, v in user_input.items() if v not in ("", None)}
            for key in (CONF_SCAN_INTERVAL, CONF_RTSP_PORT, CONF_ALARM_IDLE_TIMEOUT,
                        CONF_ALARM_AUTO_OFF, CONF_ONVIF_PORT):
                if key in user_input:
                    user_input[key] = int(user_input[key])
            errors = await self._validate(user_input)
            if not errors:
                return self.async_create_entry(data=user_input)
        current = {**self.config_entry.options, **(user_input or {})}
        return self.async_show_form(
            step_id="init",
            data_schema=self.add_suggested_values_to_schema(_options_schema(), current),
            errors=errors,
        )

    async def _validate(self, options: dict[str, Any]) -> dict[str, str]:
        url = options.get(CONF_RTSP_URL)
        if url:
            if not url.startswith(("rtsp://", "rtsps://")):
                return {CONF_RTSP_URL: "invalid_rtsp_url"}
            data = self.config_entry.data
            if not _same_host(url, data):
                # The camera's login goes with the DESCRIBE and into the stream URL.
                return {CONF_RTSP_URL: "rtsp_url_other_host"}
            try:
                found = await describe(
                    url, data[CONF_USERNAME], data[CONF_PASSWORD],
                    verify_ssl=data.get(CONF_VERIFY_SSL, True),
                )
            except AuthError:
                return {CONF_RTSP_URL: "stream_auth"}
            except UnsupportedAuth:
                return {CONF_RTSP_URL: "stream_auth_unsupported"}
            except SSLVerifyError:
                return {CONF_RTSP_URL: "stream_ssl_error"}
            except CameraError:
                return {CONF_RTSP_URL: "stream_unreachable"}
            if not found:
                return {CONF_RTSP_URL: "stream_not_found"}
        snapshot = options.get(CONF_SNAPSHOT_URL)
        if snapshot:
            return _snapshot_url_errors(snapshot, self.config_entry.data)
        return {}


def _snapshot_url_errors(url: str, data: Mapping[str, Any]) -> dict[str, str]:
    """Why the snapshot URL cannot be used, as flow errors; none when it can.

    The camera's login goes with it: so it must point at the camera itself, and not
    over plain HTTP when the camera is reached over HTTPS. Plain HTTP to a camera
    reached over HTTP sends the login no less safely than the camera's own requests.
    """
    try:
        parsed = URL(url) if url.startswith(("http://", "https://")) else None
    except ValueError:
        parsed = None
    if parsed is None:
        return {CONF_SNAPSHOT_URL: "invalid_snapshot_url"}
    if parsed.user is not None or parsed.password is not None:
        return {CONF_SNAPSHOT_URL: "snapshot_url_credentials"}
    if not _same_host(url, data):
        return {CONF_SNAPSHOT_URL: "snapshot_url_other_host"}
    if data.get(CONF_SSL) and parsed.scheme == "http":
        return {CONF_SNAPSHOT_URL: "snapshot_url_insecure"}
    return {}


def _same_host(url: str, data: Mapping[str, Any]) -> bool:
    """Whether ``url`` points at the camera's own host (which gets its login)."""
    try:
        host = URL(url).host
    except ValueError:
        return False
    return bool(host) and str(host).lower() == str(data[CONF_HOST]).strip("[]").lower()


def _options_schema() -> vol.Schema:
    return vol.Schema(
        {
            vol.Required(CONF_SCAN_INTERVAL, default=DEFAULT_SCAN_INTERVAL): NumberSelector(
                NumberSelectorConfig(min=10, max=3600, step=1, unit_of_measurement="s",
                                     mode=NumberSelectorMode.BOX)
            ),
            vol.Required(CONF_ALARM_INTERVAL, default=DEFAULT_ALARM_INTERVAL): NumberSelector(
                NumberSelectorConfig(min=0.5, max=60, step=0.5, unit_of_measurement="s",
                                     mode=NumberSelectorMode.BOX)
            ),
            vol.Required(
                CONF_ALARM_IDLE_TIMEOUT, default=DEFAULT_ALARM_IDLE_TIMEOUT
            ): NumberSelector(
                NumberSelectorConfig(min=10, max=600, step=1, unit_of_measurement="s",
                                     mode=NumberSelectorMode.BOX)
            ),
            vol.Required(CONF_ALARM_AUTO_OFF, default=DEFAULT_ALARM_AUTO_OFF): NumberSelector(
                NumberSelectorConfig(min=1, max=3600, step=1, unit_of_measurement="s",
                                     mode=NumberSelectorMode.BOX)
            ),
            vol.Required(CONF_STREAM, default=DEFAULT_STREAM): SelectSelector(
                SelectSelectorConfig(
                    options=[s.value for s in StreamKind],
                    translation_key=CONF_STREAM,
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
            vol.Required(CONF_RTSP_PORT, default=DEFAULT_RTSP_PORT): _PORT,
            vol.Optional(CONF_RTSP_URL): TextSelector(
                TextSelectorConfig(type=TextSelectorType.URL)
            ),
            vol.Optional(CONF_SNAPSHOT_URL): TextSelector(
                TextSelectorConfig(type=TextSelectorType.URL)
            ),
            vol.Required(CONF_ONVIF, default=DEFAULT_ONVIF): SelectSelector(
                SelectSelectorConfig(
                    options=[ONVIF_AUTO, ONVIF_OFF],
                    translation_key=CONF_ONVIF,
                    mode=SelectSelectorMode.DROPDOWN,
                )
            ),
            # 0: where the camera's CGI says, its web port, then the usual ones.
            vol.Required(CONF_ONVIF_PORT, default=0): NumberSelector(
                NumberSelectorConfig(min=0, max=65535, mode=NumberSelectorMode.BOX)
            ),
        }
    )
