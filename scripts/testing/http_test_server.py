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
import http.server
import socketserver
import ssl
import sys
import time


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def reply(self, status, body=b"", headers=()):
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

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


class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True


def main():
    server = Server(("127.0.0.1", 0), Handler)
    if len(sys.argv) == 4 and sys.argv[1] == "--tls":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(sys.argv[2], sys.argv[3])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"PORT {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
