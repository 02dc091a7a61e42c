"""Record every attempt of this process to reach another machine, when CTDASH_AUDIT_LOG is set.

Python imports this module at start in a process whose PYTHONPATH holds this folder. It creates
the file CTDASH_AUDIT_LOG names, so an empty file shows the hook was installed, and appends one
line, `event<TAB>host<TAB>port`, for each:
- `socket.connect` (`connect_ex` raises the same event) or `socket.sendto` of an IPv4 or IPv6
  socket to an address that is not loopback (127.0.0.0/8, ::1) or `localhost`;
- `socket.getaddrinfo` or `socket.gethostbyname` of a host other than those, None or ''.
Unix and other local sockets are never recorded. The hook never raises: whatever goes wrong
inside it, the process goes on as it would without it.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
import sys
import threading
from typing import Any

LOG = os.environ.get("CTDASH_AUDIT_LOG")
NETWORK_FAMILIES = (socket.AF_INET, socket.AF_INET6)
_lock = threading.Lock()


def is_local(host: object) -> bool:
    """Whether a host, as given to connect or a lookup, can only be this machine."""
    if host is None:
        return True
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    name = str(host).lower()
    if name in ("", "localhost"):
        return True
    try:
        address = ipaddress.ip_address(name.split("%")[0])  # an IPv6 scope (%eth0) is not part
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped.is_loopback
    return address.is_loopback


def outside_destination(args: tuple[Any, ...]) -> tuple[object, object] | None:
    """(host, port) that a connect or sendto of a network socket aims at, if not this machine."""
    sock, address = args[0], args[1]
    if sock.family not in NETWORK_FAMILIES or address is None or is_local(address[0]):
        return None
    return address[0], address[1]


def outside_lookup(args: tuple[Any, ...]) -> tuple[object, object] | None:
    """(host, port) of a name lookup, if the host is not this machine."""
    host = args[0]
    port = args[1] if len(args) > 1 else None
    return None if is_local(host) else (host, port)


WATCHED = {
    "socket.connect": outside_destination,
    "socket.sendto": outside_destination,
    "socket.getaddrinfo": outside_lookup,
    "socket.gethostbyname": outside_lookup,
}


def record(event: str, args: tuple[Any, ...]) -> None:
    """The audit hook: append a line for a watched event that would leave this machine."""
    judge = WATCHED.get(event)
    if judge is None or LOG is None:
        return
    # An exception raised here would abort the call being watched.
    with contextlib.suppress(Exception):
        attempt = judge(args)
        if attempt is not None:
            host, port = attempt
            with _lock, open(LOG, "a", encoding="utf-8") as log:
                log.write(f"{event}\t{host!s}\t{port!s}\n")


if LOG:
    with open(LOG, "a", encoding="utf-8"):
        pass
    sys.addaudithook(record)
