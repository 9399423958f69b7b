#!/usr/bin/env python3
"""botocore's side of scripts/bench/s3-vs-botocore-curl: the same operations as Benchmarks/Sources/S3Bench.

usage: botocore_s3.py ENDPOINT AK SK BUCKET OP SIZE CONCURRENCY COUNT [FILE]
prints {"op","size","concurrency","count","seconds","ops_per_s","mb_per_s"}
"""
import json, os
import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

endpoint, ak, sk, bucket, op = sys.argv[1:6]
size, concurrency, count = int(sys.argv[6]), int(sys.argv[7]), int(sys.argv[8])
file = sys.argv[9] if len(sys.argv) > 9 else None
s3 = boto3.client(
    "s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=ak, aws_secret_access_key=sk,
    config=Config(signature_version="s3v4", max_pool_connections=max(10, concurrency), s3={"addressing_style": "path"}),
)
payload = b"a" * size if file is None else None


def key(index):
    return f"bench/{size}/{index}"


etag = s3.head_object(Bucket=bucket, Key=key(0))["ETag"] if op == "copy" else None


def one(index):
    if op == "put":
        if file:
            with open(file, "rb") as body:
                s3.put_object(Bucket=bucket, Key=key(index), Body=body)
        else:
            s3.put_object(Bucket=bucket, Key=key(index), Body=payload)
    elif op == "get":
        response = s3.get_object(Bucket=bucket, Key=key(index))
        if file:
            # Overwritten in place and truncated after, as Airlock's side does (see S3Bench).
            path = f"{file}.{index % concurrency}"
            with open(path, "r+b" if os.path.exists(path) else "w+b") as target:
                shutil.copyfileobj(response["Body"], target, 1 << 20)
                target.truncate()
        else:
            response["Body"].read()
    elif op == "head":
        s3.head_object(Bucket=bucket, Key=key(index))
    elif op == "copy":
        s3.copy_object(Bucket=bucket, Key=key(index) + ".copy", CopySource={"Bucket": bucket, "Key": key(index)},
                       CopySourceIfMatch=etag, MetadataDirective="REPLACE")
    elif op == "delete":
        s3.delete_object(Bucket=bucket, Key=key(index))


start = time.perf_counter()
with ThreadPoolExecutor(max_workers=concurrency) as pool:
    list(pool.map(one, range(count)))
seconds = time.perf_counter() - start
print(json.dumps({"op": op, "size": size, "concurrency": concurrency, "count": count, "seconds": seconds,
                  "ops_per_s": count / seconds, "mb_per_s": count * size / seconds / 1048576}))
