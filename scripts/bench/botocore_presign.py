#!/usr/bin/env python3
"""botocore's side of scripts/bench/presign-vs-botocore: the same GET and POST as Benchmarks/Sources/PresignCompare.

Prints {"get_us": median, "post_us": median} (microseconds per operation, medians over rounds).
"""
import datetime
import json
import statistics
import sys
import time
from unittest import mock

import boto3
from botocore.config import Config

ROUNDS = int(sys.argv[1]) if len(sys.argv) > 1 else 30
PER_ROUND = 200
KEY = "0192f1c2-7c3b-7d4e-9a8b-123456789abc"
WHEN = datetime.datetime(2026, 11, 21, 12, 0, 0)


def main():
    with mock.patch("botocore.auth.get_current_datetime", return_value=WHEN), mock.patch(
        "botocore.signers.get_current_datetime", return_value=WHEN
    ):
        s3 = boto3.client(
            "s3",
            endpoint_url="http://127.0.0.1:7480",
            region_name="us-east-1",
            aws_access_key_id="AKIAIOSFODNN7EXAMPLE",
            aws_secret_access_key="wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
            config=Config(signature_version="s3v4", s3={"addressing_style": "path"}),
        )

        def get():
            return s3.generate_presigned_url(
                "get_object", Params={"Bucket": "airlock-processed", "Key": KEY + "/quarterly report.pdf"}, ExpiresIn=300
            )

        def post():
            return s3.generate_presigned_post(
                "airlock-incoming",
                KEY,
                Fields={"Content-Type": "application/pdf", "x-amz-meta-airlock-id": KEY, "success_action_status": "201"},
                Conditions=[
                    {"Content-Type": "application/pdf"},
                    ["content-length-range", 48213, 48213],
                    {"x-amz-meta-airlock-id": KEY},
                    {"success_action_status": "201"},
                ],
                ExpiresIn=900,
            )

        result = {}
        for name, body in (("get_us", get), ("post_us", post)):
            for _ in range(PER_ROUND):
                body()
            samples = []
            for _ in range(ROUNDS):
                start = time.perf_counter_ns()
                for _ in range(PER_ROUND):
                    body()
                samples.append((time.perf_counter_ns() - start) / PER_ROUND / 1000)
            result[name] = statistics.median(samples)
        print(json.dumps(result))


if __name__ == "__main__":
    main()
