#!/usr/bin/env python3
"""A real SMTP server for md2030's delivery tests, built on aiosmtpd.

It listens on 127.0.0.1:PORT, offers STARTTLS with the given certificate and
requires it before AUTH, accepts one user (AUTH PLAIN or LOGIN), and writes every
accepted message as OUT/NNN.eml with, beside it, what Python's own MIME parser
reads from it: OUT/NNN.json (envelope, decoded headers, whether the session was
encrypted and authenticated, the attachment's name and type) and OUT/NNN.pdf (the
attachment's bytes; a second attachment as OUT/NNN.2.pdf, and so on). Recipients given with --fail-once get "451 try again later"
the first time they are named; recipients given with --reject always get "550".

Prints "ready" on stdout once it accepts connections; stops on SIGTERM.
"""

import argparse
import email
import email.policy
import json
import os
import signal
import ssl
import sys
import threading

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


class Handler:
    def __init__(self, out, fail_once, reject):
        self.out = out
        self.fail_once = set(fail_once)
        self.reject = set(reject)
        self.failed = set()
        self.count = 0
        self.lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.reject:
            return "550 5.1.1 mailbox unknown"
        if address in self.fail_once and address not in self.failed:
            self.failed.add(address)
            return "451 4.3.0 try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            number = self.count
        stem = os.path.join(self.out, f"{number:03}")
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        attachments = [part for part in message.iter_attachments()]
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "tls": session.ssl is not None,
            "authenticated": bool(session.authenticated),
            "subject": str(message["subject"]),
            "to": str(message["to"]),
            "from": str(message["from"]),
            "message_id": str(message["message-id"]),
            "body": message.get_body(preferencelist=("plain",)).get_content(),
            "attachments": [
                {"filename": part.get_filename(), "content_type": part.get_content_type()}
                for part in attachments
            ],
        }
        if attachments:
            write(stem + ".pdf", attachments[0].get_payload(decode=True))
        for number, part in enumerate(attachments[1:], start=2):
            write(f"{stem}.{number}.pdf", part.get_payload(decode=True))
        write(stem + ".eml", envelope.content)
        # The JSON last: its presence says the message is complete.
        write(stem + ".json", json.dumps(record, ensure_ascii=False).encode("utf-8"))
        return "250 2.0.0 message accepted for delivery"


def write(path, data):
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(data)
    os.replace(tmp, path)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--user", required=True)
    parser.add_argument("--password", required=True)
    parser.add_argument("--fail-once", action="append", default=[])
    parser.add_argument("--reject", action="append", default=[])
    args = parser.parse_args()

    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(args.cert, args.key)

    def authenticate(server, session, envelope, mechanism, auth_data):
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == args.user
            and auth_data.password.decode() == args.password
        )
        return AuthResult(success=ok)

    controller = Controller(
        Handler(args.out, args.fail_once, args.reject),
        hostname="127.0.0.1",
        port=args.port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
        auth_require_tls=True,
    )
    controller.start()
    print("ready", flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    controller.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
