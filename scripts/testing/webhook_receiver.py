#!/usr/bin/env python3
"""A webhook receiver for the event sender's tests (loopback only).

usage: webhook_receiver.py SECRET LOG [FAIL_FIRST]
Prints "PORT <n>" once listening. POST /hook checks Airlock-Signature (t=<unix>,v1=<hex HMAC-SHA256 of "t.body">)
with SECRET: a bad or missing signature gets 401. The first FAIL_FIRST well-signed attempts of each delivery get 503;
later ones get 204. Every request is appended to LOG as one JSON line {delivery, type, verified, status, body}.
"""
import hashlib
import hmac
import json
import sys
import threading

from peer import QuietHandler, serve  # noqa: E402  (scripts/testing/peer.py, next to this script)

SECRET = sys.argv[1].encode()
LOG = sys.argv[2]
FAIL_FIRST = int(sys.argv[3]) if len(sys.argv) > 3 else 0
attempts = {}
lock = threading.Lock()


class Handler(QuietHandler):
    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        signature = self.headers.get("Airlock-Signature", "")
        fields = dict(part.split("=", 1) for part in signature.split(",") if "=" in part)
        expected = hmac.new(SECRET, fields.get("t", "").encode() + b"." + body, hashlib.sha256).hexdigest()
        verified = "v1" in fields and hmac.compare_digest(expected, fields["v1"])
        delivery = self.headers.get("Airlock-Delivery", "")
        with lock:
            attempts[delivery] = attempts.get(delivery, 0) + 1
            status = 401 if not verified else (503 if attempts[delivery] <= FAIL_FIRST else 204)
            with open(LOG, "a") as log:
                log.write(json.dumps({"delivery": delivery, "type": self.headers.get("Airlock-Event"), "verified": verified,
                                      "status": status, "body": body.decode()}) + "\n")
        self.reply(status)


serve(Handler)
