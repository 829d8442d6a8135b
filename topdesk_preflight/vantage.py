"""Where the run looked from: the network checks describe THIS machine's path to TOPdesk.

A support engineer often runs the tool on a laptop while HCP runs on a server
in another network. The report says so plainly, with the addresses this
machine resolved, whether they are private, and whether a proxy from the
environment carried the requests, so a green network check on a laptop is
never mistaken for proof about the HCP server's firewall.
"""

from __future__ import annotations

import ipaddress
import socket
import urllib.request
from typing import Any, Iterable
from urllib.parse import urlsplit, urlunsplit

STATEMENT = ("The network checks describe the path from this machine to TOPdesk, not the HCP server's. "
             "When they fail, or HCP still cannot connect, run topdesk-preflight on the HCP server itself.")


UNREADABLE_PROXY = "(a proxy URL that cannot be read)"


def redact_proxy(url: str) -> str:
    """A proxy URL without any user:password it may carry.

    Read as requests reads it: a URL without a scheme (``user:pw@proxy:3128``) is
    taken as ``http://``, so its login is found and dropped too. A URL that cannot be
    parsed at all (a port of 99999, an unclosed ``[``) is never echoed: it may be
    half a password.
    """
    text = url if "://" in url else f"http://{url}"
    try:
        parts = urlsplit(text)
        host, port = parts.hostname or "", parts.port
    except ValueError:
        return UNREADABLE_PROXY
    if "@" not in parts.netloc:
        return url
    netloc = host if port is None else f"{host}:{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def environment_proxies() -> list[str]:
    """Every proxy URL the environment names (HTTPS_PROXY, HTTP_PROXY, ALL_PROXY, any case)."""
    return [value for key, value in urllib.request.getproxies().items() if key != "no" and value]


def proxy_for(url: str) -> str | None:
    """The proxy requests would use for ``url`` (HTTPS_PROXY / NO_PROXY, CIDR ranges too), credentials removed."""
    import requests.utils

    proxy = requests.utils.select_proxy(url, requests.utils.get_environ_proxies(url))
    return redact_proxy(proxy) if proxy else None


def classify(addresses: Iterable[str]) -> list[dict[str, Any]]:
    out = []
    for address in addresses:
        try:
            ip = ipaddress.ip_address(str(address).split("%", 1)[0])
        except ValueError:
            continue
        out.append({"address": str(ip), "private": ip.is_private, "loopback": ip.is_loopback})
    return out


def describe(url: str, resolved: Iterable[str] = ()) -> dict[str, Any]:
    """The vantage block of the report; ``resolved`` comes from the network.dns check's evidence."""
    addresses = classify(resolved)
    return {
        "machine": socket.gethostname(),
        "target_host": urlsplit(url).hostname,
        "resolved_addresses": addresses,
        "private_network": bool(addresses) and all(a["private"] for a in addresses),
        "proxy": proxy_for(url),
        "statement": STATEMENT,
    }
