"""The aiohttp app: routes per dialect, auth, faults and the request handlers."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from . import shapes
from .auth import check_auth
from .catalog import KINDS, Kind, is_image
from .errors import KlingError, bad_request, not_found
from .faults import MALFORMED_BODY, Fault, Op
from .lipsync import identify_face
from .media import result_png
from .prices import IDENTIFY_FACE_UNITS
from .validation import validate_create

if TYPE_CHECKING:
    from .server import FakeKling

log = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_BODY_BYTES = 32 * 1024 * 1024  # room for a >10 MB image in base64, so the 10 MB rule answers
PAGE_NUM_MAX = 1000
PAGE_SIZE_MAX = 500
PAGE_SIZE_DEFAULT = 30


def build_app(fake: FakeKling) -> web.Application:
    """Build the web app serving `fake`'s dialect."""
    app = web.Application(client_max_size=MAX_BODY_BYTES)
    Routes(fake).register(app.router)
    return app


class Routes:
    """Request handlers bound to one fake."""

    def __init__(self, fake: FakeKling) -> None:
        self.fake = fake
        self.spec = fake.spec

    def register(self, router: web.UrlDispatcher) -> None:
        """Add every route of the dialect, the result files and the 404 fallback."""
        creates: dict[str, tuple[Kind, ...]] = {}
        queries: dict[str, tuple[Kind, ...]] = {}
        for kind in filter(self.spec.serves, KINDS):  # kinds sharing a path (CometAPI's generations) share a route
            create, query = self.spec.create_path(kind), self.spec.query_path(kind)
            creates[create], queries[query] = (*creates.get(create, ()), kind), (*queries.get(query, ()), kind)
        for path, kinds in creates.items():
            router.add_post(path, self._endpoint("create", self._creator(kinds)))
            if self.spec.has_list:
                router.add_get(path, self._endpoint("list", self._lister(kinds)))
        for path, kinds in queries.items():
            router.add_get(path, self._endpoint("query", self._querier(kinds)))
        for path in self.spec.identify_face_paths:
            router.add_post(self.spec.prefix + path, self._endpoint("other", self.identify_face))
        if self.spec.name == "official":  # the aggregators document no balance
            router.add_get("/account/costs", self._endpoint("query", self.account_costs))
        router.add_get("/results/{task_id}/{name}", self._endpoint("download", self.download))
        router.add_route("*", "/{tail:.*}", self._endpoint("other", self.fallback))

    def _endpoint(self, op: Op, handler: Handler) -> Handler:
        async def endpoint(request: web.Request) -> web.StreamResponse:
            return await self._run(op, handler, request)

        return endpoint

    async def _run(self, op: Op, handler: Handler, request: web.Request) -> web.StreamResponse:
        fake = self.fake
        fake.requests.append((request.method, request.path))
        if op == "create":
            fake.create_attempts += 1
        fake.sync()
        fault = fake.fault_queue.take(op)
        if fault is None:
            return await self._guarded(op, handler, request)
        log.debug("applying %r to %s %s", fault, request.method, request.path)
        if fault.after_create and op == "create":
            return await self._after_create(fault, handler, request)
        await self._sleep(fault.delay)
        if fault.passes_through:
            return await self._guarded(op, handler, request)
        return self._fault_response(fault, request)

    async def _after_create(self, fault: Fault, handler: Handler, request: web.Request) -> web.StreamResponse:
        response = await self._guarded("create", handler, request)
        if response.status != 200:
            return response  # Nothing was created; the fault is used up all the same.
        await self._sleep(fault.delay)
        return response if fault.passes_through else self._fault_response(fault, request)

    async def _sleep(self, seconds: float) -> None:
        """Sleep for a fault's delay, but wake up when the fake is closing."""
        if seconds > 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.fake.closing.wait(), seconds)
            self.fake.sync()  # Time may have moved on while we slept.

    async def _guarded(self, op: Op, handler: Handler, request: web.Request) -> web.StreamResponse:
        try:
            if op not in ("download", "other"):
                self._authenticate(request)
            return await handler(request)
        except KlingError as exc:
            return self.error_response(exc.status, exc.code, exc.message)

    def _authenticate(self, request: web.Request) -> None:
        header = request.headers.get("Authorization")
        fake = self.fake
        check_auth(header, fake.credentials, self.spec.accepts_jwt, fake.clock.now())

    def _fault_response(self, fault: Fault, request: web.Request) -> web.StreamResponse:
        if fault.disconnect:
            return _drop_connection(request)
        if fault.malformed:
            return web.Response(body=MALFORMED_BODY, content_type="application/json")
        response = self.error_response(fault.status, fault.code, fault.message)
        if fault.retry_after is not None:
            response.headers["Retry-After"] = f"{fault.retry_after:g}"
        return response

    def error_response(self, status: int, code: int | None, message: str) -> web.Response:
        """Answer an error in the dialect's shape (plain text when there is no code)."""
        if code is None:
            return web.Response(status=status, text=message)
        if self.spec.name == "anyfast":
            return web.json_response(shapes.anyfast_error(status, code, message), status=status)
        return web.json_response(shapes.kling_error(code, message), status=status)

    async def account_costs(self, request: web.Request) -> web.StreamResponse:
        """GET /account/costs."""
        return web.json_response(self.fake.account.costs(dict(request.query), self.fake.clock.now()))

    async def identify_face(self, request: web.Request) -> web.StreamResponse:
        """POST /v1/videos/identify-face: a synchronous answer opening a 24 h face session (lipsync.py).

        Routed as op "other" (it creates no task, so create faults and `create_attempts` leave it alone), hence
        the explicit authentication here.
        """
        self._authenticate(request)
        data = identify_face(await _json_body(request), self.fake.store, self.fake.base_url)
        self.fake.account.charge(IDENTIFY_FACE_UNITS)
        return web.json_response(shapes.envelope(data))

    def _creator(self, kinds: tuple[Kind, ...]) -> Handler:
        async def create(request: web.Request) -> web.StreamResponse:
            return await self.create(kinds, request)

        return create

    def _querier(self, kinds: tuple[Kind, ...]) -> Handler:
        async def query(request: web.Request) -> web.StreamResponse:
            return self.query(kinds, request)

        return query

    def _lister(self, kinds: tuple[Kind, ...]) -> Handler:
        async def list_tasks(request: web.Request) -> web.StreamResponse:
            return self.list_tasks(kinds[0], request)

        return list_tasks

    async def create(self, kinds: tuple[Kind, ...], request: web.Request) -> web.Response:
        """Validate and store a new task."""
        body = await _json_body(request)
        kind = self.spec.pick_kind(kinds, body)
        store = self.fake.store
        accepted = validate_create(kind, self.spec, body, store)
        slots = accepted.n_outputs if is_image(kind) else 1
        store.check_create(body.get("external_task_id") or None, slots, self.fake.concurrency_limit)
        task = store.create(kind, body, accepted)
        if self.spec.name == "anyfast":
            return web.json_response(shapes.anyfast_create(task))
        return web.json_response(shapes.envelope(shapes.create_data(task)))

    def query(self, kinds: tuple[Kind, ...], request: web.Request) -> web.Response:
        """Answer one task by task_id or (where documented) external_task_id."""
        ident = request.match_info["task_id"]
        task = self.fake.store.find(kinds, ident, external=self.spec.query_by_external_id)
        base_url = self.fake.base_url
        if self.spec.name == "anyfast":
            if task is None:  # kling-api.md: new-api gateways answer HTTP 400 {"code": "task_not_exist", ...}
                return web.json_response(shapes.anyfast_not_found("task_not_exist"), status=400)
            body = shapes.anyfast_query(task, base_url, self.fake.store.progress(task))
            return web.json_response(body)
        if task is None:
            raise bad_request("Task not found", code=1201)
        return web.json_response(shapes.envelope(shapes.task_object(task, base_url)))

    def list_tasks(self, kind: Kind, request: web.Request) -> web.Response:
        """Answer one page of tasks of `kind`, newest first."""
        page_num = _page_param(request, "pageNum", 1, PAGE_NUM_MAX)
        page_size = _page_param(request, "pageSize", PAGE_SIZE_DEFAULT, PAGE_SIZE_MAX)
        tasks = self.fake.store.page(kind, page_num, page_size)
        data = [shapes.task_object(task, self.fake.base_url) for task in tasks]
        return web.json_response(shapes.envelope(data))

    async def download(self, request: web.Request) -> web.Response:
        """Serve a result file of a succeeded task (no auth, like a CDN)."""
        owner, name = request.match_info["task_id"], request.match_info["name"]
        session = self.fake.store.sessions.get(owner)
        if session is not None and name in {f"face_{face['face_id']}.png" for face in session.faces}:
            return web.Response(body=result_png(), content_type="image/png")  # identify-face's face_image
        task = self.fake.store.tasks.get(owner)
        if task is None or task.status != "succeed":
            return web.Response(status=404, text="Not Found")
        if not is_image(task.kind) and name in ("video.mp4", "watermark.mp4"):
            return web.Response(body=self.fake.video_bytes, content_type="video/mp4")
        if is_image(task.kind) and name in {f"{i}.png" for i in range(task.n_outputs)}:
            return web.Response(body=result_png(), content_type="image/png")
        return web.Response(status=404, text="Not Found")

    async def fallback(self, request: web.Request) -> web.Response:
        """Answer anything unrouted with 404 (1202 for odd methods, else 1203)."""
        if request.method not in ("GET", "POST"):
            raise not_found(f"Request method {request.method} is not supported", code=1202)
        raise not_found(f"Requested resource {request.path} does not exist")


async def _json_body(request: web.Request) -> Any:
    raw = await request.read()
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request("Request body is not valid JSON") from None


def _page_param(request: web.Request, name: str, default: int, high: int) -> int:
    raw = request.query.get(name, "")
    if raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if not 1 <= value <= high:
        raise bad_request(f"{name} must be an integer between 1 and {high}")
    return value


def _drop_connection(request: web.Request) -> web.Response:
    """Close the socket so the client gets no answer at all."""
    if request.transport is not None:
        request.transport.close()
    # aiohttp fails to write this to the closed socket and ignores that.
    return web.Response(status=500)
