#!/usr/bin/env python3
"""A small HTTP/1.1 peer for the transport's tests (threaded, loopback only).

Prints "PORT <n>" on stdout once listening, then serves until killed (over TLS with `--tls CERT KEY`):
  GET  /bytes/<n>        n deterministic bytes (byte i = i % 251), with Content-Length
  GET  /status/<code>    an empty response with that status
  GET  /truncated/<n>    announces n bytes, sends n/2 and closes the connection
  GET  /slow             sends 10 bytes, then stalls for 60 s
  GET  /headers          echoes the request headers as "name: value" lines
  PUT|POST /echo         replies "<length> <sha256 hex>" of the request body
"""
import hashlib
import sys
import time

from peer import QuietHandler, serve  # noqa: E402  (scripts/testing/peer.py, next to this script)


class Handler(QuietHandler):

    def do_HEAD(self):
        self.do_GET()

    def do_GET(self):
        parts = self.path.strip("/").split("/")
        if parts[0] == "bytes":
            n = int(parts[1])
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            if self.command == "HEAD":
                return
            chunk = bytes(i % 251 for i in range(251 * 64))
            sent = 0
            while sent < n:
                piece = chunk[: min(len(chunk), n - sent)]
                self.wfile.write(piece)
                sent += len(piece)
        elif parts[0] == "status":
            self.reply(int(parts[1]))
        elif parts[0] == "truncated":
            n = int(parts[1])
            self.send_response(200)
            self.send_header("Content-Length", str(n))
            self.end_headers()
            self.wfile.write(b"x" * (n // 2))
            self.wfile.flush()
            self.close_connection = True
        elif parts[0] == "slow":
            self.send_response(200)
            self.send_header("Content-Length", "100")
            self.end_headers()
            self.wfile.write(b"0123456789")
            self.wfile.flush()
            time.sleep(60)
        elif parts[0] == "headers":
            body = "".join(f"{k.lower()}: {v}\n" for k, v in self.headers.items()).encode()
            self.reply(200, body)
        else:
            self.reply(404, b"not found")

    def read_body(self):
        length = int(self.headers.get("Content-Length", "0"))
        digest = hashlib.sha256()
        remaining = length
        while remaining > 0:
            data = self.rfile.read(min(remaining, 1 << 16))
            if not data:
                break
            digest.update(data)
            remaining -= len(data)
        return length - remaining, digest.hexdigest()

    def do_PUT(self):
        length, digest = self.read_body()
        self.reply(200, f"{length} {digest}".encode())

    do_POST = do_PUT


def main():
    serve(Handler, tls=(sys.argv[2], sys.argv[3]) if len(sys.argv) == 4 and sys.argv[1] == "--tls" else None)


if __name__ == "__main__":
    sys.exit(main())
