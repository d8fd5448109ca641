"""Download guards without a server: which URLs pass, what the guarded resolver refuses, address classes."""

from __future__ import annotations

import ipaddress
import socket

import pytest
from aiohttp.abc import AbstractResolver, ResolveResult
from yarl import URL

from bot.engine.addresses import classify
from bot.engine.download import DownloadError, DownloadPolicy, GuardedResolver, check_url


@pytest.mark.parametrize(
    ("address", "allowed"),
    [
        ("https://cdn.example/v.mp4?sig=1", True),
        ("https://8.8.8.8/v.mp4", True),
        ("http://cdn.example/v.mp4", False),
        ("ftp://cdn.example/v.mp4", False),
        ("javascript:alert(1)", False),
        ("https:///v.mp4", False),
        ("/v.mp4", False),
        ("https://user:pw@cdn.example/v.mp4", False),
        ("https://127.0.0.1/v.mp4", False),
        ("https://[::1]/v.mp4", False),
        ("https://[fe80::1]/v.mp4", False),
    ],
)
def test_check_url(address: str, allowed: bool):
    """Only https URLs with a host, no credentials and no non-public literal IP pass."""
    if allowed:
        assert check_url(URL(address), DownloadPolicy()) == URL(address)
    else:
        with pytest.raises(DownloadError) as caught:
            check_url(URL(address), DownloadPolicy())
        assert not caught.value.transient
        assert "sig" not in str(caught.value)


class FakeDns(AbstractResolver):
    """Answers every lookup with fixed addresses, standing in for a hostile DNS server."""

    def __init__(self, *addresses: str) -> None:
        self._addresses = addresses

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(hostname=host, host=a, port=port, family=family, proto=0, flags=0) for a in self._addresses
        ]

    async def close(self) -> None:
        pass


@pytest.mark.parametrize(
    ("addresses", "allow_loopback", "refused"),
    [
        (("8.8.8.8", "2606:4700::1111"), False, None),
        (("127.0.0.1",), False, "a loopback address (127.0.0.1)"),
        (("::1",), False, "a loopback address (::1)"),
        (("127.0.0.1", "::1"), True, None),
        (("8.8.8.8", "10.0.0.5"), False, "a private address (10.0.0.5)"),
        (("10.0.0.5",), True, "a private address (10.0.0.5)"),
        (("not-an-ip",), False, "an unparsable address"),
    ],
)
async def test_guarded_resolver(addresses: tuple[str, ...], allow_loopback: bool, refused: str | None):
    """Every resolved address must be allowed; one bad answer refuses the host."""
    resolver = GuardedResolver(allow_loopback=allow_loopback, inner=FakeDns(*addresses))
    if refused is None:
        assert len(await resolver.resolve("cdn.example", 443)) == len(addresses)
        return
    with pytest.raises(DownloadError) as caught:
        await resolver.resolve("cdn.example", 443)
    assert str(caught.value) == f"refused: cdn.example resolves to {refused}"


@pytest.mark.parametrize(
    ("address", "kind"),
    [
        ("10.0.0.1", "a private"),
        ("172.16.0.1", "a private"),
        ("192.168.1.1", "a private"),
        ("127.0.0.1", "a loopback"),
        ("::1", "a loopback"),
        ("169.254.169.254", "a link-local"),
        ("100.64.0.1", "a shared (CGNAT)"),
        ("0.0.0.0", "an unspecified"),  # noqa: S104
        ("0.1.2.3", "an unspecified"),
        ("fe80::1", "a link-local"),
        ("fec0::1", "a site-local"),
        ("::ffff:10.0.0.1", "a private"),
        ("::ffff:127.0.0.1", "a loopback"),
        ("64:ff9b::a00:1", "a private"),
        ("2002:c0a8:101::1", "a private"),
        ("224.0.0.1", "a multicast"),
        ("ff02::1", "a multicast"),
        ("240.0.0.1", "a private"),
        ("2001:db8::1", "a private"),
        ("8.8.8.8", None),
        ("::ffff:8.8.8.8", None),
        ("2606:4700::1111", None),
    ],
)
def test_classify(address: str, kind: str | None):
    """Only globally routable addresses count as public, including IPv4 inside IPv6 wrappers."""
    assert classify(ipaddress.ip_address(address)) == kind
