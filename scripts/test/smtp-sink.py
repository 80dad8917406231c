#!/usr/bin/env python3
"""A real SMTP server for the tests: stores every message it accepts in a directory.

    scripts/setup/python-env.sh python3 scripts/test/smtp-sink.py --port PORT --dir DIR

Listens on 127.0.0.1:PORT (plain SMTP, as `SMTP_URL=smtp://127.0.0.1:PORT`)
with aiosmtpd, and writes each delivered message as DIR/NNNN.eml (the raw
message) and DIR/NNNN.json (envelope, subject and the decoded text and HTML
parts, so a test need not decode quoted-printable or base64 itself). A .json
file appears only once complete (written aside, then renamed). Prints
"ready PORT" when it accepts connections; stops on SIGTERM or SIGINT.
tests/api/mail.rs starts and stops it.
"""
import argparse
import email
import email.policy
import itertools
import json
import os
import signal
import threading

from aiosmtpd.controller import Controller


class Store:
    def __init__(self, directory: str) -> None:
        self.directory = directory
        os.makedirs(directory, exist_ok=True)
        # Numbering continues after a restart on the same directory.
        existing = [int(name.split(".")[0]) for name in os.listdir(directory) if name.endswith(".json")]
        self.numbers = itertools.count(max(existing, default=0) + 1)
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's hook name)
        raw = envelope.original_content or envelope.content
        message = email.message_from_bytes(raw, policy=email.policy.default)
        text = message.get_body(preferencelist=("plain",))
        html = message.get_body(preferencelist=("html",))
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": list(envelope.rcpt_tos),
            "from": str(message["from"]),
            "to": str(message["to"]),
            "subject": str(message["subject"]),
            "text": text.get_content() if text is not None else None,
            "html": html.get_content() if html is not None else None,
        }
        with self.lock:
            number = next(self.numbers)
        base = os.path.join(self.directory, f"{number:04d}")
        with open(base + ".eml", "wb") as f:
            f.write(raw)
        with open(base + ".json.tmp", "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(base + ".json.tmp", base + ".json")
        return "250 Message accepted for delivery"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", required=True)
    args = parser.parse_args()

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())

    controller = Controller(Store(args.dir), hostname="127.0.0.1", port=args.port)
    controller.start()
    print(f"ready {args.port}", flush=True)
    try:
        stop.wait()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
