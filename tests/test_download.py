"""Result downloads: SSRF guards, size caps, redirects, status mapping and atomic writes."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from aiohttp import web
from aiohttp.test_utils import TestServer

from bot.engine.download import Downloader, DownloadError, DownloadPolicy

BODY = os.urandom(5 * 1024 * 1024)
CAP = 1024 * 1024
LOOPBACK = DownloadPolicy(max_bytes=8 * 1024 * 1024, allow_loopback=True, timeout=5.0)


async def body(_: web.Request) -> web.Response:
    return web.Response(body=BODY, content_type="video/mp4")


async def big_honest(_: web.Request) -> web.Response:
    return web.Response(body=b"x" * (CAP + 1))


async def big_lying(request: web.Request) -> web.StreamResponse:
    response = web.StreamResponse()  # no Content-Length: sent chunked
    await response.prepare(request)
    for _ in range(8):
        await response.write(b"y" * (CAP // 4))
    return response


async def status(request: web.Request) -> web.Response:
    return web.Response(status=int(request.match_info["code"]))


async def chain(request: web.Request) -> web.Response:
    hops = int(request.match_info["hops"])
    raise web.HTTPFound(f"/chain/{hops - 1}" if hops > 1 else "/body")  # relative, as CDNs often send


async def redirect_to(request: web.Request) -> web.Response:
    raise web.HTTPFound(request.query["target"])


async def stall(_: web.Request) -> web.Response:
    await asyncio.sleep(10)
    return web.Response()


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    app = web.Application()
    app.router.add_get("/body", body)
    app.router.add_get("/big-honest", big_honest)
    app.router.add_get("/big-lying", big_lying)
    app.router.add_get("/status/{code}", status)
    app.router.add_get("/chain/{hops}", chain)
    app.router.add_get("/to", redirect_to)
    app.router.add_get("/stall", stall)
    async with TestServer(app, host="127.0.0.1") as test_server:
        yield test_server


@pytest.fixture
async def downloader() -> AsyncIterator[Downloader]:
    async with Downloader(LOOPBACK) as opened:
        yield opened


def url(server: TestServer, path: str) -> str:
    return str(server.make_url(path))


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


async def fails(downloader: Downloader, address: str, dest: Path) -> DownloadError:
    with pytest.raises(DownloadError) as caught:
        await downloader.download(address, dest)
    assert not [n for n in names(dest.parent) if n.endswith(".part")], "a temporary file was left behind"
    return caught.value


async def test_success_writes_exact_bytes_atomically(server: TestServer, downloader: Downloader, tmp_path: Path):
    """A download replaces the destination with the exact body and leaves no temporary file."""
    dest = tmp_path / "video.mp4"
    dest.write_bytes(b"old")
    written = await downloader.download(url(server, "/body?sig=secret"), dest)
    assert written == len(BODY)
    assert dest.read_bytes() == BODY
    assert names(tmp_path) == ["video.mp4"]


async def test_logs_host_not_query(
    server: TestServer, downloader: Downloader, tmp_path: Path, caplog: pytest.LogCaptureFixture
):
    """The debug log names the host and size but never the signed query string."""
    caplog.set_level(logging.DEBUG, logger="bot.engine.download")
    await downloader.download(url(server, "/chain/1?sig=secret"), tmp_path / "v.mp4")
    assert f"downloaded {len(BODY)} bytes from 127.0.0.1" in caplog.text
    assert "secret" not in caplog.text


async def test_creates_missing_parent_dirs(server: TestServer, downloader: Downloader, tmp_path: Path):
    """The destination's directories are created on demand."""
    dest = tmp_path / "a" / "b" / "video.mp4"
    assert await downloader.download(url(server, "/body"), dest) == len(BODY)


@pytest.mark.parametrize(("path", "reason"), [("/big-honest", "offers"), ("/big-lying", "sent more than")])
async def test_size_cap(server: TestServer, tmp_path: Path, path: str, reason: str):
    """Bodies over the cap fail, whether Content-Length admits it or not, and keep the old file."""
    dest = tmp_path / "video.mp4"
    dest.write_bytes(b"old")
    async with Downloader(DownloadPolicy(max_bytes=CAP, allow_loopback=True, timeout=5.0)) as capped:
        error = await fails(capped, url(server, path), dest)
    assert not error.transient
    assert f"refused: 127.0.0.1 {reason}" in str(error)
    assert dest.read_bytes() == b"old"


async def test_redirect_chain_within_limit(server: TestServer, downloader: Downloader, tmp_path: Path):
    """Up to max_redirects redirects are followed."""
    assert await downloader.download(url(server, "/chain/3"), tmp_path / "v.mp4") == len(BODY)


async def test_redirect_limit(server: TestServer, downloader: Downloader, tmp_path: Path):
    """One redirect more than max_redirects is refused."""
    error = await fails(downloader, url(server, "/chain/4"), tmp_path / "v.mp4")
    assert not error.transient
    assert "redirects" in str(error)


@pytest.mark.parametrize(
    ("target", "reason"),
    [
        ("file:///etc/passwd", "file URL"),
        ("http://10.0.0.5/metadata", "10.0.0.5 is a private address"),
        ("http://169.254.169.254/latest/meta-data", "a link-local address"),
        ("http://[::ffff:192.168.1.1]/", "a private address"),
        ("https://user:pw@cdn.example/x", "carries credentials"),
    ],
)
async def test_redirect_to_disallowed_target(
    server: TestServer, downloader: Downloader, tmp_path: Path, target: str, reason: str
):
    """A redirect is held to the same rules as the first URL, before anything connects to it."""
    redirect = server.make_url("/to").with_query(target=target)
    error = await fails(downloader, str(redirect), tmp_path / "v.mp4")
    assert not error.transient
    assert reason in str(error)


@pytest.mark.parametrize(("code", "transient"), [(403, False), (404, False), (410, False), (429, True), (500, True)])
async def test_status_mapping(server: TestServer, downloader: Downloader, tmp_path: Path, code: int, transient: bool):
    """Dead links are permanent failures; rate limits and server errors are worth retrying."""
    error = await fails(downloader, url(server, f"/status/{code}?sig=secret"), tmp_path / "v.mp4")
    assert error.transient is transient
    assert str(code) in str(error)
    assert "secret" not in str(error)


async def test_connection_refused_is_transient(downloader: Downloader, tmp_path: Path):
    """A host that refuses the connection may be back later."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    error = await fails(downloader, f"http://127.0.0.1:{port}/x", tmp_path / "v.mp4")
    assert error.transient


async def test_timeout_is_transient(server: TestServer, tmp_path: Path):
    """A download that outlives the policy's timeout fails as transient."""
    async with Downloader(DownloadPolicy(allow_loopback=True, timeout=0.2)) as hasty:
        error = await fails(hasty, url(server, "/stall"), tmp_path / "v.mp4")
    assert error.transient
    assert "timed out" in str(error)


async def test_http_refused_without_allow_loopback(server: TestServer, tmp_path: Path):
    """Plain http is refused in production settings, even to a reachable server."""
    async with Downloader(DownloadPolicy()) as strict:
        error = await fails(strict, url(server, "/body"), tmp_path / "v.mp4")
    assert not error.transient
    assert "http URL" in str(error)


async def test_resolved_loopback_refused_before_connecting(server: TestServer, tmp_path: Path):
    """A name resolving to loopback is refused by the connector's resolver, even over https."""
    async with Downloader(DownloadPolicy()) as strict:
        error = await fails(strict, f"https://localhost:{server.port}/body", tmp_path / "v.mp4")
    assert not error.transient
    assert "localhost resolves to a loopback address" in str(error)


async def test_download_requires_open(tmp_path: Path):
    """Using a downloader before open() is a programming error, not a download failure."""
    with pytest.raises(RuntimeError):
        await Downloader(LOOPBACK).download("https://cdn.example/v.mp4", tmp_path / "v.mp4")
