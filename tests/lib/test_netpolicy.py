"""The address policy: which addresses are refused, how hosts are parsed and resolved."""

from __future__ import annotations

import ipaddress
import socket
import time
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.lib.netpolicy import (
    BadURL,
    BlockedAddress,
    FetchError,
    FetchTimeout,
    Gone,
    address_block_reason,
    allowed_by,
    check_address,
    parse_allow_entry,
    parse_ip_literal,
    resolve_and_check,
    resolve_checked,
)

BLOCKED = {
    "127.0.0.1": "loopback",
    "127.255.255.254": "loopback",
    "10.1.2.3": "private",
    "172.16.0.1": "private",
    "172.31.255.255": "private",
    "192.168.1.1": "private",
    "169.254.1.1": "link-local",
    "169.254.169.254": "metadata",
    "169.254.170.2": "metadata",
    "100.100.100.200": "metadata",
    "168.63.129.16": "Azure",
    "100.64.0.1": "carrier-grade NAT",
    "100.127.255.255": "carrier-grade NAT",
    "0.0.0.0": "unspecified",
    "0.1.2.3": "this network",
    "224.0.0.1": "multicast",
    "239.255.255.250": "multicast",
    "240.0.0.1": "reserved",
    "255.255.255.255": "broadcast",
    "192.0.2.10": "documentation",
    "198.51.100.10": "documentation",
    "203.0.113.10": "documentation",
    "198.18.0.1": "benchmarking",
    "192.0.0.8": "IETF",
    "::1": "loopback",
    "::": "unspecified",
    "fe80::1": "link-local",
    "fc00::1": "unique-local",
    "fd12:3456::1": "unique-local",
    "fd00:ec2::254": "metadata",
    "fec0::1": "site-local",
    "ff02::1": "multicast",
    "::ffff:127.0.0.1": "loopback",
    "::ffff:7f00:1": "loopback",
    "::ffff:10.0.0.1": "private",
    "::ffff:169.254.169.254": "metadata",
    "::127.0.0.1": "IPv4-compatible",
    "64:ff9b::7f00:1": "loopback",
    "64:ff9b::a9fe:a9fe": "metadata",
    "64:ff9b:1::1": "NAT64",
    "2002:7f00:1::1": "6to4",
    "2002:a00:1::1": "6to4",
    "2001:0:4136:e378:8000:63bf:80ff:fffe": "Teredo",
    "2001:db8::1": "documentation",
    "3fff::1": "documentation",
    "100::1": "discard",
    "4000::1": "reserved",
}

PUBLIC = ["8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "2a00:1450::1"]


@pytest.mark.parametrize(("address", "reason"), sorted(BLOCKED.items()))
def test_blocked_addresses_name_their_reason(address: str, reason: str) -> None:
    found = address_block_reason(address)
    assert found is not None and reason.lower() in found.lower()
    with pytest.raises(BlockedAddress) as caught:
        check_address(address)
    assert caught.value.error_class == "blocked_address"
    assert reason.lower() in str(caught.value).lower()


@pytest.mark.parametrize("address", [*PUBLIC, "::ffff:8.8.8.8", "64:ff9b::808:808"])
def test_public_addresses_pass(address: str) -> None:
    assert address_block_reason(address) is None
    assert check_address(address) == ipaddress.ip_address(address)


def test_6to4_names_the_embedded_address() -> None:
    assert "127.0.0.1" in (address_block_reason("2002:7f00:1::") or "")


# Every odd spelling of 127.0.0.1 that resolvers or browsers accept.
LOOPBACK_SPELLINGS = [
    "2130706433",
    "0177.0.0.1",
    "0x7f.0.0.1",
    "0x7F.0X0.0.01",
    "0x7f000001",
    "017700000001",
    "127.1",
    "127.0.1",
    "127.0.0.1.",
    "[::1]",
    "::1",
    "[::ffff:7f00:1]",
    "[::ffff:127.0.0.1]",
    "[0:0:0:0:0:ffff:7f00:1]",
]


@pytest.mark.parametrize("spelling", LOOPBACK_SPELLINGS)
def test_odd_spellings_are_parsed_and_refused(spelling: str) -> None:
    ip = parse_ip_literal(spelling)
    assert ip is not None and address_block_reason(ip) is not None
    with pytest.raises(BlockedAddress):
        resolve_and_check(spelling, 80, [])


@pytest.mark.parametrize(
    "spelling", ["2130706433", "0177.0.0.1", "0x7f.0.0.1", "0x7f000001", "127.1", "127.0.1"]
)
def test_parser_agrees_with_the_system_resolver(spelling: str) -> None:
    answers = {a[4][0] for a in socket.getaddrinfo(spelling, 80, type=socket.SOCK_STREAM)}
    assert answers == {str(parse_ip_literal(spelling))}


@pytest.mark.parametrize(
    "host", ["1.2.3.4.5", "256.0.0.1", "08.0.0.1", "0x1.0x100.0.0", "4294967296"]
)
def test_invalid_numeric_hosts_are_bad_urls(host: str) -> None:
    with pytest.raises(BadURL):
        parse_ip_literal(host)


@pytest.mark.parametrize("host", ["example.com", "1x.example", "0x.example.org", "a.b-c.d"])
def test_domain_names_are_not_literals(host: str) -> None:
    assert parse_ip_literal(host) is None


def test_ipv6_zone_is_refused() -> None:
    with pytest.raises(BadURL):
        parse_ip_literal("fe80::1%eth0")


def test_localhost_name_is_refused_unless_allowed() -> None:
    with pytest.raises(BlockedAddress) as caught:
        resolve_and_check("localhost", 8001, [])
    assert "loopback" in caught.value.reason
    assert resolve_and_check("localhost", 8001, ["localhost"]) == "127.0.0.1"
    assert resolve_and_check("LOCALHOST", 8001, ["localhost:8001"]) == "127.0.0.1"
    with pytest.raises(BlockedAddress):
        resolve_and_check("localhost", 8002, ["localhost:8001"])


def test_allow_entry_with_port_exempts_only_that_port() -> None:
    assert resolve_and_check("127.0.0.1", 8001, ["127.0.0.1:8001"]) == "127.0.0.1"
    with pytest.raises(BlockedAddress):
        resolve_and_check("127.0.0.1", 8002, ["127.0.0.1:8001"])
    # An IP entry also covers a name resolving to that IP, on that port only.
    assert resolve_and_check("localhost", 8001, ["127.0.0.1:8001"]) == "127.0.0.1"
    # Odd spellings are matched by address, not by text.
    assert resolve_and_check("0x7f.1", 8001, ["127.0.0.1:8001"]) == "127.0.0.1"


def test_allow_hosts_default_to_the_setting(settings: Any) -> None:
    settings.ARCHIVE_ALLOW_HOSTS = []
    with pytest.raises(BlockedAddress):
        resolve_and_check("127.0.0.1", 8001)
    settings.ARCHIVE_ALLOW_HOSTS = ["127.0.0.1:8001"]
    assert resolve_and_check("127.0.0.1", 8001) == "127.0.0.1"
    assert allowed_by("127.0.0.1", 8001, None)


@pytest.mark.parametrize(
    ("entry", "host", "port"),
    [
        ("example.org", "example.org", None),
        ("Example.ORG.:8080", "example.org", 8080),
        ("[::1]:8000", "::1", 8000),
        ("[::1]", "::1", None),
        ("::1", "::1", None),
        ("127.1:80", "127.0.0.1", 80),
    ],
)
def test_allow_entries_parse(entry: str, host: str, port: int | None) -> None:
    parsed = parse_allow_entry(entry)
    assert (parsed.host, parsed.port) == (host, port)


def test_bad_ports_are_refused_even_on_public_addresses() -> None:
    with pytest.raises(BlockedAddress, match="port 25"):
        resolve_and_check("8.8.8.8", 25, [])
    with pytest.raises(BadURL):
        resolve_and_check("8.8.8.8", 0, [])
    assert resolve_and_check("8.8.8.8", 8080, []) == "8.8.8.8"


def _fake_dns(monkeypatch: pytest.MonkeyPatch, answers: list[str], calls: list[str]) -> None:
    def getaddrinfo(host: str, port: int, *args: Any, **kwargs: Any) -> list[Any]:
        calls.append(host)
        return [
            (socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "", (a, port))
            for a in answers
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


def test_any_blocked_answer_refuses_the_name(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    _fake_dns(monkeypatch, ["93.184.215.14", "10.0.0.7"], calls)
    with pytest.raises(BlockedAddress, match=r"10\.0\.0\.7"):
        resolve_and_check("rebind.example", 443, [])
    assert calls == ["rebind.example"]


def test_resolution_is_done_once_and_pins_the_first_answer(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[str] = []
    _fake_dns(monkeypatch, ["2606:4700:4700::1111", "1.1.1.1", "1.1.1.1"], calls)
    resolution = resolve_checked("one.example", 443, [])
    assert resolution.pinned == "2606:4700:4700::1111"
    assert resolution.addresses == ("2606:4700:4700::1111", "1.1.1.1")
    assert calls == ["one.example"]


def test_unknown_name_is_gone() -> None:
    with pytest.raises(Gone) as caught:
        resolve_and_check("no-such-host.invalid", 80, [])
    assert caught.value.error_class == "gone"
    assert isinstance(caught.value, FetchError)


def test_slow_dns_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    def slow(*args: Any, **kwargs: Any) -> list[Any]:
        time.sleep(3)
        return []

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    started = time.monotonic()
    with pytest.raises(FetchTimeout):
        resolve_and_check("slow.example", 80, [], timeout=0.2)
    assert time.monotonic() - started < 2.5


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------

ipv4s = st.integers(min_value=0, max_value=2**32 - 1).map(ipaddress.IPv4Address)
PRIVATE_V4 = [
    ipaddress.IPv4Network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.168.0.0/16",
        "224.0.0.0/4",
        "240.0.0.0/4",
    )
]


@given(ipv4s)
def test_ipv6_forms_of_an_ipv4_address_are_judged_like_it(ip: ipaddress.IPv4Address) -> None:
    blocked = address_block_reason(ip) is not None
    mapped = ipaddress.IPv6Address(f"::ffff:{ip}")
    nat64 = ipaddress.IPv6Address(int(ipaddress.IPv6Address("64:ff9b::")) | int(ip))
    assert (address_block_reason(mapped) is not None) == blocked
    assert (address_block_reason(nat64) is not None) == blocked
    # 6to4 is refused whatever it carries.
    sixtofour = ipaddress.IPv6Address((0x2002 << 112) | (int(ip) << 80) | 1)
    assert address_block_reason(sixtofour) is not None


@given(ipv4s)
def test_every_private_ipv4_is_blocked(ip: ipaddress.IPv4Address) -> None:
    if any(ip in net for net in PRIVATE_V4) or not ip.is_global:
        assert address_block_reason(ip) is not None


def _spell(ip: ipaddress.IPv4Address, parts: int, radixes: list[int]) -> str:
    """``ip`` written with ``parts`` components, each in decimal, octal or hex."""
    octets = ip.packed
    values = [*octets[: parts - 1], int.from_bytes(octets[parts - 1 :], "big")]
    formats = {10: "{}", 8: "0{:o}", 16: "0x{:x}"}
    return ".".join(formats[r].format(v) for r, v in zip(radixes, values, strict=False))


@given(
    ipv4s,
    st.integers(min_value=1, max_value=4),
    st.lists(st.sampled_from([8, 10, 16]), min_size=4, max_size=4),
)
def test_any_inet_aton_spelling_parses_to_the_same_address(
    ip: ipaddress.IPv4Address, parts: int, radixes: list[int]
) -> None:
    spelling = _spell(ip, parts, radixes)
    assert parse_ip_literal(spelling) == ip
    # ... exactly as the C library reads it.
    assert socket.inet_aton(spelling) == ip.packed


@given(st.ip_addresses())
def test_policy_never_crashes_and_blocks_non_global(ip: Any) -> None:
    reason = address_block_reason(ip)
    if not ip.is_global and not str(ip).startswith(("64:ff9b::", "::ffff:")):
        assert reason is not None
