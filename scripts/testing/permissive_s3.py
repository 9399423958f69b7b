#!/usr/bin/env python3
"""A deliberately broken S3 emulator for testing `airlock storage check`: it serves objects but accepts any signature,
any expiry, any POST policy and any header. A store like this must FAIL the check.

Prints "PORT <n>" once listening. In memory, loopback only, path-style only.
"""
import cgi
import hashlib
import sys
import urllib.parse

from peer import QuietHandler, serve  # noqa: E402  (scripts/testing/peer.py, next to this script)

OBJECTS = {}
BUCKETS = set()


class Handler(QuietHandler):

    def target(self):
        parsed = urllib.parse.urlsplit(self.path)
        parts = urllib.parse.unquote(parsed.path).lstrip("/").split("/", 1)
        bucket = parts[0]
        key = parts[1] if len(parts) > 1 else ""
        return bucket, key, urllib.parse.parse_qs(parsed.query, keep_blank_values=True)

    def body(self):
        length = int(self.headers.get("Content-Length", "0"))
        return self.rfile.read(length) if length else b""

    def etag(self, data):
        return '"' + hashlib.md5(data).hexdigest() + '"'

    def do_GET(self):
        bucket, key, query = self.target()
        if not bucket:
            return self.reply(200, b"<ListAllMyBucketsResult/>")
        if not key:
            if "list-type" in query:
                prefix = query.get("prefix", [""])[0]
                items = "".join(
                    f"<Contents><Key>{k}</Key><Size>{len(v[0])}</Size><ETag>{self.etag(v[0])}</ETag><LastModified>2026-01-01T00:00:00.000Z</LastModified></Contents>"
                    for (b, k), v in sorted(OBJECTS.items()) if b == bucket and k.startswith(prefix)
                )
                return self.reply(200, f"<ListBucketResult><IsTruncated>false</IsTruncated>{items}</ListBucketResult>".encode())
            return self.reply(404, b"<Error><Code>NoSuchLifecycleConfiguration</Code></Error>")
        if (bucket, key) not in OBJECTS:
            return self.reply(404, b"<Error><Code>NoSuchKey</Code><Message>missing</Message></Error>")
        data, meta = OBJECTS[(bucket, key)]
        self.reply(200, data, [("ETag", self.etag(data))] + list(meta.items()))

    def do_HEAD(self):
        bucket, key, _ = self.target()
        if not key:
            return self.reply(200 if bucket in BUCKETS else 404)
        self.do_GET()

    def do_PUT(self):
        bucket, key, query = self.target()
        data = self.body()
        if not key:
            BUCKETS.add(bucket)
            return self.reply(200)
        meta = {k: v for k, v in self.headers.items() if k.lower().startswith("x-amz-meta-") or k.lower() == "content-type"}
        source = self.headers.get("x-amz-copy-source")
        if source:
            src_bucket, src_key = urllib.parse.unquote(source).lstrip("/").split("/", 1)
            data = OBJECTS[(src_bucket, src_key)][0]
            OBJECTS[(bucket, key)] = (data, meta)
            return self.reply(200, f"<CopyObjectResult><ETag>{self.etag(data)}</ETag></CopyObjectResult>".encode())
        OBJECTS[(bucket, key)] = (data, meta)
        self.reply(200, headers=[("ETag", self.etag(data))])

    def do_DELETE(self):
        bucket, key, _ = self.target()
        OBJECTS.pop((bucket, key), None)
        self.reply(204)

    def do_POST(self):
        bucket, _, _ = self.target()
        form = cgi.FieldStorage(fp=self.rfile, headers=self.headers, environ={"REQUEST_METHOD": "POST"})
        key = form.getvalue("key")
        OBJECTS[(bucket, key)] = (form["file"].value, {})
        self.reply(int(form.getvalue("success_action_status") or 204))


def main():
    serve(Handler)


if __name__ == "__main__":
    sys.exit(main())
