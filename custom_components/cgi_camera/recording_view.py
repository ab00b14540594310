"""Serves a camera's recordings to Home Assistant's media player, through HA's auth.

The camera wants its own login (a session id, a password hash...), which must never
reach the browser, so files are fetched by the integration and streamed on.

What the camera says about a file is not trusted: it is served from Home Assistant's
own origin, so a camera answering ``text/html`` would run script there. The type
comes from the file's name (MP4 plays; anything else is a download the browser does
not sniff), and only well-formed range headers are passed on.
"""

from __future__ import annotations

import base64
import binascii
from http import HTTPStatus
import logging
from pathlib import PurePosixPath
import re

from aiohttp import ClientError, web
from homeassistant.core import HomeAssistant
from homeassistant.helpers.http import HomeAssistantView

from .client import CameraError, NotSupported
from .const import DOMAIN
from .data import ready
from .names import clean_name

_LOGGER = logging.getLogger(__name__)

# Passed on in both directions so the player can seek; the camera's only if well formed.
_REQUEST_HEADERS = ("Range",)
_RESPONSE_HEADERS = {
    "Content-Length": re.compile(r"\d{1,15}"),
    "Content-Range": re.compile(r"bytes \d{1,15}-\d{1,15}/(?:\d{1,15}|\*)"),
    "Accept-Ranges": re.compile(r"bytes|none"),
    "Last-Modified": re.compile(r"[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} GMT"),
}
_CHUNK = 64 * 1024
# What a recording is served as, by its name; anything else is downloaded.
PLAYABLE = {".mp4": "video/mp4"}
DOWNLOAD = "application/octet-stream"
_UNSAFE_IN_FILENAME = re.compile(r"[^A-Za-z0-9._-]")


def encode_path(path: str) -> str:
    return base64.urlsafe_b64encode(path.encode()).decode()


def decode_path(token: str) -> str | None:
    """The path inside a recording id; None for anything that is not one."""
    try:
        path = base64.b64decode(token.encode(), altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    return path or None


def mime_type(path: str) -> str:
    """What a recording is served as: by its name alone, never by the camera's word."""
    return PLAYABLE.get(PurePosixPath(path).suffix.lower(), DOWNLOAD)


def _download_name(path: str) -> str:
    """The file name a download is saved as, reduced to harmless characters."""
    return _UNSAFE_IN_FILENAME.sub("_", PurePosixPath(path).name) or "recording"


def recording_url(entry_id: str, path: str) -> str:
    """The URL (relative, to be signed) that plays ``path`` of the camera of ``entry_id``."""
    return RecordingView.url.format(entry_id=entry_id, token=encode_path(path))


class RecordingView(HomeAssistantView):
    """``GET /api/cgi_camera/recording/<entry>/<path>``: one recording, streamed."""

    url = "/api/cgi_camera/recording/{entry_id}/{token}"
    name = "api:cgi_camera:recording"
    requires_auth = True

    def __init__(self, hass: HomeAssistant) -> None:
        self.hass = hass

    async def get(self, request: web.Request, entry_id: str, token: str) -> web.StreamResponse:
        entry = self.hass.config_entries.async_get_entry(entry_id)
        if entry is None or entry.domain != DOMAIN or not ready(entry):
            return web.Response(status=HTTPStatus.NOT_FOUND, text="no such camera")
        name = clean_name(entry.title) or entry.entry_id
        path = decode_path(token)
        if path is None:
            return web.Response(status=HTTPStatus.BAD_REQUEST, text="bad recording id")
        headers = {h: request.headers[h] for h in _REQUEST_HEADERS if h in request.headers}
        try:
            upstream = await entry.runtime_data.camera.open_recording(path, headers)
        except NotSupported:
            return web.Response(status=HTTPStatus.NOT_FOUND, text="no such recording")
        except CameraError as err:
            _LOGGER.debug("Recording of %s failed: %s", name, err)
            return web.Response(status=HTTPStatus.BAD_GATEWAY, text="the camera did not answer")
        try:
            if upstream.status not in (HTTPStatus.OK, HTTPStatus.PARTIAL_CONTENT):
                _LOGGER.debug("Recording of %s: HTTP %s", name, upstream.status)
                status = (HTTPStatus.NOT_FOUND if upstream.status == HTTPStatus.NOT_FOUND
                          else HTTPStatus.BAD_GATEWAY)
                return web.Response(status=status, text="the camera refused the recording")
            response = web.StreamResponse(status=upstream.status)
            for header, form in _RESPONSE_HEADERS.items():
                value = upstream.headers.get(header, "").strip()
                if form.fullmatch(value):
                    response.headers[header] = value
            _set_type(response, path)
            await response.prepare(request)
            try:
                async for chunk in upstream.content.iter_chunked(_CHUNK):
                    await response.write(chunk)
            except (TimeoutError, ConnectionError, ClientError) as err:
                # The viewer went away, or the camera stalled or hung up: end what was
                # sent. Closing tells a viewer still waiting for the declared length.
                _LOGGER.debug("Recording of %s cut short: %s", name, err)
                if request.transport is not None:
                    request.transport.close()
                return response
            await response.write_eof()
            return response
        finally:
            upstream.close()


def _set_type(response: web.StreamResponse, path: str) -> None:
    """The fixed type of ``path``; a download unless it plays."""
    response.content_type = mime_type(path)
    response.headers["X-Content-Type-Options"] = "nosniff"
    if response.content_type == DOWNLOAD:
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{_download_name(path)}"'
        )
