"""The FastAPI + boto3 peer for scripts/bench/api: the same job as POST /v1/uploads (API key check, declaration
checks against a profile, an intent row in SQLite, a presigned POST form), written the usual Python way.
Run: uvicorn fastapi_peer:app --workers 2 --loop uvloop --http httptools  (env PEER_DB, PEER_KEY, PEER_ENDPOINT)."""
import hashlib
import os
import sqlite3
import threading
import time
import uuid

import boto3
from botocore.config import Config
from fastapi import FastAPI, Header, HTTPException
from pydantic import BaseModel

DB = os.environ.get("PEER_DB", "/tmp/peer.sqlite")
KEY_HASH = hashlib.sha256(os.environ["PEER_KEY"].encode()).hexdigest()
s3 = boto3.client("s3", endpoint_url=os.environ.get("PEER_ENDPOINT", "http://127.0.0.1:17580"), region_name="us-east-1",
                  aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
                  config=Config(signature_version="s3v4", s3={"addressing_style": "path"}))
PROFILE = {"maxSize": 50 << 20, "allow": {"txt": ["text/plain"], "pdf": ["application/pdf"]}}
local = threading.local()


def prepare():
    """WAL and the table, once per process: switching the journal mode takes an exclusive lock that SQLite's busy
    timeout does not wait for, so doing it on every thread's connection failed requests under load."""
    for _ in range(100):
        try:
            conn = sqlite3.connect(DB, timeout=10, isolation_level=None)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("CREATE TABLE IF NOT EXISTS intents (id TEXT PRIMARY KEY, owner TEXT, filename TEXT, size INTEGER, type TEXT, created REAL)")
            conn.close()
            return
        except sqlite3.OperationalError:
            time.sleep(0.05)
    raise RuntimeError("the peer's database stays locked")


prepare()


def db():
    if not hasattr(local, "conn"):
        local.conn = sqlite3.connect(DB, timeout=10, isolation_level=None)
        local.conn.execute("PRAGMA synchronous=NORMAL")  # as Airlock's catalog
    return local.conn


class UploadRequest(BaseModel):
    profile: str
    filename: str
    size: int
    contentType: str


app = FastAPI()


@app.post("/v1/uploads", status_code=201)
def create(body: UploadRequest, authorization: str = Header(default="")):
    token = authorization.removeprefix("Bearer ")
    if hashlib.sha256(token.encode()).hexdigest() != KEY_HASH:
        raise HTTPException(401, "unauthenticated")
    ext = body.filename.rsplit(".", 1)[-1].lower() if "." in body.filename else ""
    if body.profile != "documents" or ext not in PROFILE["allow"] or body.contentType not in PROFILE["allow"][ext]:
        raise HTTPException(400, "not allowed")
    if body.size <= 0 or body.size > PROFILE["maxSize"] or "/" in body.filename:
        raise HTTPException(400, "invalid")
    upload_id = str(uuid.uuid4())
    db().execute("INSERT INTO intents VALUES (?, ?, ?, ?, ?, ?)", (upload_id, "key:bench", body.filename, body.size, body.contentType, time.time()))
    form = s3.generate_presigned_post("airlock-incoming", upload_id, Fields={"Content-Type": body.contentType, "x-amz-meta-airlock-id": upload_id},
                                      Conditions=[{"Content-Type": body.contentType}, {"x-amz-meta-airlock-id": upload_id},
                                                  ["content-length-range", body.size, body.size]], ExpiresIn=900)
    return {"id": upload_id, "state": "pending", "upload": {"method": "POST", **form}}
