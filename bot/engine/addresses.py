"""Classify IP addresses as public or not, so downloads never reach internal networks."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable
from typing import TypeAlias

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address

THIS_NETWORK = ipaddress.IPv4Network("0.0.0.0/8")
SHARED = ipaddress.IPv4Network("100.64.0.0/10")  # carrier-grade NAT; `is_private` misses it
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")

# Checked in order, so the most specific reason is the one reported.
_CHECKS: tuple[tuple[str, Callable[[IPAddress], bool]], ...] = (
    ("an unspecified", lambda ip: ip.is_unspecified or ip in THIS_NETWORK),
    ("a loopback", lambda ip: ip.is_loopback),
    ("a link-local", lambda ip: ip.is_link_local),
    ("a multicast", lambda ip: ip.is_multicast),
    ("a shared (CGNAT)", lambda ip: ip in SHARED),
    ("a site-local", lambda ip: isinstance(ip, ipaddress.IPv6Address) and ip.is_site_local),
    ("a private", lambda ip: ip.is_private),
    ("a reserved", lambda ip: ip.is_reserved),
    ("a non-global", lambda ip: not ip.is_global),
)


def embedded_ipv4(ip: IPAddress) -> ipaddress.IPv4Address | None:
    """Return the IPv4 address an IPv4-mapped, NAT64 or 6to4 IPv6 address reaches, if any."""
    if not isinstance(ip, ipaddress.IPv6Address):
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip.sixtofour


def classify(ip: IPAddress) -> str | None:
    """Return what kind of non-public address `ip` is (e.g. "a private"), or None when it is public."""
    # Judge translated addresses by the IPv4 host they end up at, not by their IPv6 wrapping.
    target: IPAddress = embedded_ipv4(ip) or ip
    for kind, matches in _CHECKS:
        if matches(target):
            return kind
    return None


def refusal(ip: IPAddress, *, allow_loopback: bool) -> str | None:
    """Return why connecting to `ip` is refused, or None when it is allowed."""
    kind = classify(ip)
    if kind == "a loopback" and allow_loopback:
        return None
    return kind


def address_refusal(host: str, address: str, *, allow_loopback: bool) -> str | None:
    """Return why `host`, found at `address`, may not be connected to, or None when it may."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return f"{host} resolves to an unparsable address"
    kind = refusal(ip, allow_loopback=allow_loopback)
    if kind is None:
        return None
    subject = f"{host} is" if host == address else f"{host} resolves to"
    return f"{subject} {kind} address ({ip})"
