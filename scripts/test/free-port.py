#!/usr/bin/env python3
"""Print PREFERRED if nothing on this machine holds 127.0.0.1:PREFERRED, else a free port.

A connect test is not enough: the test clusters' default ports lie inside
Linux's ephemeral range (32768-60999), so the port may be the local end of some
other program's outgoing connection, which refuses connections yet makes
PostgreSQL's bind fail ("Address already in use"). Binding without
SO_REUSEADDR is refused in every case in which the server's bind would be.
"""
import socket
import sys


def bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def main() -> None:
    preferred = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    if preferred and bindable(preferred):
        print(preferred)
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        print(probe.getsockname()[1])


if __name__ == "__main__":
    main()
