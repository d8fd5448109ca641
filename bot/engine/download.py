"""Download provider result files to disk without letting third-party URLs reach internal networks."""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import os
import socket
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Self

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver
from yarl import URL

from bot.engine.addresses import address_refusal

log = logging.getLogger(__name__)

CONNECT_TIMEOUT = 30.0  # seconds to open a connection to one address
READ_TIMEOUT = 60.0  # seconds of silence before a stalled body counts as failed
REDIRECTS = frozenset({301, 302, 303, 307, 308})
GONE = frozenset({403, 404, 410})


class DownloadError(Exception):
    """A download was refused or failed; `.transient` says whether retrying later may help."""

    def __init__(self, message: str, *, transient: bool) -> None:
        super().__init__(message)
        self.transient = transient


@dataclass(frozen=True)
class DownloadPolicy:
    """Limits for downloads; `allow_loopback` also admits http:// and 127.0.0.0/8 / ::1 for test servers."""

    max_bytes: int = 200 * 1024 * 1024
    allow_loopback: bool = False
    max_redirects: int = 3
    timeout: float = 300.0
    chunk_size: int = 256 * 1024


def check_address(host: str, address: str, *, allow_loopback: bool) -> None:
    """Raise DownloadError unless `address`, which `host` resolved to, is one we may connect to."""
    reason = address_refusal(host, address, allow_loopback=allow_loopback)
    if reason is not None:
        raise DownloadError(f"refused: {reason}", transient=False)


def check_url(url: URL, policy: DownloadPolicy) -> URL:
    """Return `url` if its scheme, host and literal IP are allowed; raise DownloadError otherwise."""
    schemes = {"https", "http"} if policy.allow_loopback else {"https"}
    host = url.raw_host
    if url.scheme not in schemes:
        raise DownloadError(f"refused: {url.scheme or 'a relative'} URL for {host or 'no host'}", transient=False)
    if not host:
        raise DownloadError("refused: the URL has no host", transient=False)
    if url.user is not None or url.password is not None:
        raise DownloadError(f"refused: the URL for {host} carries credentials", transient=False)
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return url  # a name: the guarded resolver checks every address it resolves to
    # aiohttp connects to IP literals without asking the resolver, so check them here.
    check_address(host, host, allow_loopback=policy.allow_loopback)
    return url


class GuardedResolver(AbstractResolver):
    """Resolve with aiohttp's default resolver and refuse a host unless every address it has is allowed."""

    def __init__(self, *, allow_loopback: bool, inner: AbstractResolver | None = None) -> None:
        self._allow_loopback = allow_loopback
        self._inner = inner or DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        """Return the addresses of `host`, or raise DownloadError if any of them is not allowed."""
        results = await self._inner.resolve(host, port, family)
        for result in results:
            check_address(host, result["host"], allow_loopback=self._allow_loopback)
        return results

    async def close(self) -> None:
        """Close the wrapped resolver."""
        await self._inner.close()


class _PartFile:
    """A temporary file beside `dest` that replaces `dest` only once it is complete and on disk."""

    def __init__(self, dest: Path) -> None:
        dest.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{dest.name}.", suffix=".part", dir=dest.parent)
        self._file = os.fdopen(fd, "wb")
        self._path = Path(name)
        self._dest = dest

    def write(self, chunk: bytes) -> None:
        """Append `chunk`."""
        self._file.write(chunk)

    def commit(self) -> None:
        """Flush to disk and move onto the destination; removes the temporary file if that fails."""
        try:
            self._file.flush()
            os.fsync(self._file.fileno())
            self._file.close()
            os.replace(self._path, self._dest)
        except BaseException:
            self.discard()
            raise
        # Make the rename durable too; best effort, as some filesystems refuse fsync on a directory.
        with contextlib.suppress(OSError):
            directory = os.open(self._dest.parent, os.O_RDONLY)
            try:
                os.fsync(directory)
            finally:
                os.close(directory)

    def discard(self) -> None:
        """Close and delete the temporary file."""
        self._file.close()
        self._path.unlink(missing_ok=True)


@contextlib.contextmanager
def _mapped_errors(host: str) -> Iterator[None]:
    """Turn transport and disk failures while talking to `host` into DownloadError."""
    try:
        yield
    except TimeoutError:
        raise DownloadError(f"download from {host} timed out", transient=True) from None
    except aiohttp.InvalidURL:
        raise DownloadError(f"refused: invalid URL for {host}", transient=False) from None
    # `from None` throughout: aiohttp messages can quote the full signed URL.
    except aiohttp.ClientError as exc:
        raise DownloadError(f"download from {host} failed: {type(exc).__name__}", transient=True) from None
    except OSError as exc:
        raise DownloadError(f"could not save the download from {host}: {exc.strerror}", transient=True) from None


def _check_status(status: int, host: str) -> None:
    """Raise DownloadError unless `status` is a success."""
    if 200 <= status < 300:
        return
    if status in GONE:
        raise DownloadError(f"the result link on {host} is gone or forbidden (HTTP {status})", transient=False)
    transient = status >= 500 or status in {408, 429}
    raise DownloadError(f"{host} answered HTTP {status}", transient=transient)


class Downloader:
    """Downloads result files through one session whose resolver refuses non-public addresses."""

    def __init__(self, policy: DownloadPolicy) -> None:
        self._policy = policy
        self._session: aiohttp.ClientSession | None = None
        self._resolver: GuardedResolver | None = None

    async def open(self) -> None:
        """Create the HTTP session."""
        if self._session is not None:
            return
        self._resolver = GuardedResolver(allow_loopback=self._policy.allow_loopback)
        # No DNS cache: every connection asks the guarded resolver about the address it really uses.
        connector = aiohttp.TCPConnector(resolver=self._resolver, use_dns_cache=False)
        timeout = aiohttp.ClientTimeout(
            total=self._policy.timeout, sock_connect=CONNECT_TIMEOUT, sock_read=READ_TIMEOUT
        )
        # trust_env=False: a proxy would resolve hosts itself, out of the guard's sight.
        self._session = aiohttp.ClientSession(connector=connector, timeout=timeout, trust_env=False)

    async def close(self) -> None:
        """Close the HTTP session."""
        if self._session is not None:
            await self._session.close()
            self._session = None
        if self._resolver is not None:
            await self._resolver.close()
            self._resolver = None

    async def __aenter__(self) -> Self:
        await self.open()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def download(self, url: str, dest: Path) -> int:
        """Download `url` to `dest` atomically and return the number of bytes written."""
        if self._session is None:
            raise RuntimeError("Downloader.open() was not called")
        try:
            target = check_url(URL(url), self._policy)
        except ValueError:
            raise DownloadError("refused: malformed URL", transient=False) from None
        started = time.monotonic()
        try:
            async with asyncio.timeout(self._policy.timeout):
                written = await self._follow(self._session, target, dest)
        except TimeoutError:
            raise DownloadError(f"download from {target.raw_host} timed out", transient=True) from None
        log.debug("downloaded %d bytes from %s in %.2fs", written, target.raw_host, time.monotonic() - started)
        return written

    async def _follow(self, session: aiohttp.ClientSession, url: URL, dest: Path) -> int:
        """Fetch `url`, following at most `max_redirects` redirects, and save the final body to `dest`."""
        for _ in range(self._policy.max_redirects + 1):
            host = url.raw_host or ""
            with _mapped_errors(host):
                async with session.get(url, allow_redirects=False) as response:
                    if response.status not in REDIRECTS:
                        _check_status(response.status, host)
                        return await self._save(response, dest, host)
                    location = response.headers.get("Location")
            url = self._next_hop(url, location)
            log.debug("redirected from %s to %s", host, url.raw_host)
        raise DownloadError(f"refused: more than {self._policy.max_redirects} redirects", transient=False)

    def _next_hop(self, url: URL, location: str | None) -> URL:
        """Return the checked URL a redirect from `url` points to."""
        if not location:
            raise DownloadError(f"{url.raw_host} sent a redirect without a Location", transient=False)
        try:
            return check_url(url.join(URL(location)), self._policy)
        except ValueError:
            raise DownloadError(f"refused: malformed redirect from {url.raw_host}", transient=False) from None

    async def _save(self, response: aiohttp.ClientResponse, dest: Path, host: str) -> int:
        """Stream `response` into a temporary file and move it onto `dest` once complete."""
        limit = self._policy.max_bytes
        size = response.content_length
        if size is not None and size > limit:
            raise DownloadError(f"refused: {host} offers {size} bytes, over the {limit} byte cap", transient=False)
        part = await asyncio.to_thread(_PartFile, dest)
        try:
            written = 0
            async for chunk in response.content.iter_chunked(self._policy.chunk_size):
                written += len(chunk)
                if written > limit:
                    raise DownloadError(f"refused: {host} sent more than {limit} bytes", transient=False)
                part.write(chunk)  # a 256 KiB write to the page cache is cheaper than a thread hop
        except BaseException:
            part.discard()
            raise
        # Not inside the try: commit cleans up after itself, even if this task is cancelled while it runs.
        await asyncio.to_thread(part.commit)
        return written
