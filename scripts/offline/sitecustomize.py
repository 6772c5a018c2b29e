"""Offline guard for the book build: every Python process that starts with this folder on
``PYTHONPATH`` and ``POOLDEMO_OFFLINE=1`` (jupyter-book and the kernels executing the chapters)
may open network connections to loopback only (the kernel talks to Jupyter over 127.0.0.1).

A connection anywhere else raises ``ConnectionRefusedError`` at once, so a chapter that tries to
download something fails the strict build instead of quietly depending on the network.
scripts/build-book.sh enables it; tests/test_offline.py checks it.
"""

import ipaddress
import os
import socket

if os.environ.get("POOLDEMO_OFFLINE") == "1":
    _connect, _connect_ex, _sendto = (socket.socket.connect, socket.socket.connect_ex,
                                      socket.socket.sendto)

    def _check(sock, address):
        if sock.family not in (socket.AF_INET, socket.AF_INET6):
            return  # Unix sockets and the like stay on this machine
        host = address[0] if isinstance(address, tuple) else address
        try:
            ok = ipaddress.ip_address(host).is_loopback
        except ValueError:
            ok = host == "localhost"
        if not ok:
            raise ConnectionRefusedError(
                f"the book builds offline (POOLDEMO_OFFLINE=1): connection to {address!r} blocked")

    def connect(self, address):
        _check(self, address)
        return _connect(self, address)

    def connect_ex(self, address):
        _check(self, address)
        return _connect_ex(self, address)

    def sendto(self, data, *args):
        _check(self, args[-1])
        return _sendto(self, data, *args)

    socket.socket.connect, socket.socket.connect_ex, socket.socket.sendto = (connect, connect_ex,
                                                                             sendto)
