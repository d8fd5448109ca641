"""Helpers for tests that talk to FakeKling: tokens, bodies, URLs, a callback receiver."""

from __future__ import annotations

import functools
import warnings
from types import TracebackType
from typing import Any

import jwt
from aiohttp import web

from .catalog import IMAGE_KIND, Kind
from .media import b64, make_png, make_wav
from .server import FakeKling

JWT_TTL = 1800
JWT_NBF_SKEW = 5


def mint_jwt(access_key: str, secret_key: str, now: float, ttl: float = JWT_TTL, nbf_skew: float = JWT_NBF_SKEW) -> str:
    """Mint a Kling-style HS256 JWT valid from `now - nbf_skew` to `now + ttl`."""
    claims = {"iss": access_key, "exp": int(now + ttl), "nbf": int(now - nbf_skew)}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", jwt.InsecureKeyLengthWarning)
        return jwt.encode(claims, secret_key, algorithm="HS256", headers={"typ": "JWT"})


def bearer(token: str) -> dict[str, str]:
    """Return an Authorization header carrying `token`."""
    return {"Authorization": f"Bearer {token}"}


@functools.cache
def png_b64(width: int = 512, height: int = 512) -> str:
    """Return a valid test image as raw base64 (cached)."""
    return b64(make_png(width, height))


def minimal_body(kind: Kind, dialect: str = "official", **fields: Any) -> dict[str, Any]:
    """Return a small valid create body for `kind`, updated with `fields`."""
    image = png_b64()
    bodies: dict[str, dict[str, Any]] = {
        "image2video": {"model_name": "kling-v2-1", "image": image, "prompt": "a cat blinks"},
        "text2video": {"model_name": "kling-v2-6", "prompt": "a cat blinks"},
        "multi-image2video": {
            "model_name": "kling-v1-6",
            "image_list": [{"image": image}, {"image": image}],
            "prompt": "two cats meet",
        },
        IMAGE_KIND: {
            "model_name": "kling-v2" if dialect == "cometapi" else "kling-v2-1",
            "subject_image_list": [{"subject_image": image}, {"subject_image": image}],
            "prompt": "two cats on a sofa",
        },
        "generations": {"model_name": "kling-v3", "prompt": "a cat on a sofa"},
        "effects": {"effect_scene": "pet_lion", "input": {"image": image, "duration": "5"}},
        "kolors-virtual-try-on": {"human_image": image, "cloth_image": image},
        # Needs a live session: see `lip_sync_body`.
        "advanced-lip-sync": {"session_id": "", "face_choose": []},
    }
    return {**bodies[kind], **fields}


def lip_sync_body(session_id: str, face_id: str = "0", audio_seconds: float = 3.0, **choice: Any) -> dict[str, Any]:
    """Return a valid advanced-lip-sync body for a face of session `session_id` (a WAV of `audio_seconds`)."""
    crop = round(audio_seconds * 1000)
    face = {
        "face_id": face_id,
        "sound_file": b64(make_wav(audio_seconds)),
        "sound_start_time": 0,
        "sound_end_time": crop,
        "sound_insert_time": 0,
        **choice,
    }
    return {"session_id": session_id, "face_choose": [face]}


def create_url(fake: FakeKling, kind: Kind) -> str:
    """Return the URL that creates a task of `kind` on `fake`."""
    return fake.base_url + fake.spec.create_path(kind)


def query_url(fake: FakeKling, kind: Kind, ident: str) -> str:
    """Return the URL that queries task `ident` (task_id or external id) on `fake`."""
    return fake.base_url + fake.spec.query_path(kind).replace("{task_id}", ident)


def identify_face_url(fake: FakeKling) -> str:
    """Return the URL of the synchronous identify-face endpoint on `fake`."""
    return fake.base_url + fake.spec.prefix + fake.spec.identify_face_paths[0]


class CallbackReceiver:
    """A tiny HTTP server on 127.0.0.1 that records the callbacks it gets."""

    def __init__(self, status: int = 200) -> None:
        self.status = status
        self.received: list[tuple[dict[str, str], bytes]] = []
        self._runner: web.AppRunner | None = None
        self.url = ""

    async def __aenter__(self) -> CallbackReceiver:
        app = web.Application()
        app.router.add_post("/callback", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        await web.TCPSite(self._runner, "127.0.0.1", 0).start()
        self.url = f"http://127.0.0.1:{self._runner.addresses[0][1]}/callback"
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _handle(self, request: web.Request) -> web.Response:
        self.received.append((dict(request.headers), await request.read()))
        return web.Response(status=self.status)
