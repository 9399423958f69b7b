#!/usr/bin/env python3
"""Differential-test oracle: sign the cases Airlock's tests generate with botocore, at the cases' fixed times.

stdin: a JSON array of cases; stdout: a JSON array of results in the same order.
A case: {op: get|put|post, endpoint, region, addressing: path|virtual, bucket, key?, keyPrefix?, expires, accessKey,
         secretKey, sessionToken?, date: YYYYMMDDTHHMMSSZ, responseContentDisposition?, responseContentType?,
         contentType?, contentLength?, checksumSHA256?, minSize?, maxSize?, meta: {name: value}, successStatus?,
         airlockPolicy?: base64 policy Airlock produced (post)}
A result: {url} for get/put; {url, fields, policyJSON, signatureOfAirlockPolicy} for post.
"""
import base64
import datetime
import json
import sys
from unittest import mock

import boto3
import botocore.auth
from botocore.awsrequest import AWSRequest
from botocore.config import Config
from botocore.credentials import Credentials


def client(case):
    return boto3.client(
        "s3",
        endpoint_url=case["endpoint"],
        region_name=case["region"],
        aws_access_key_id=case["accessKey"],
        aws_secret_access_key=case["secretKey"],
        aws_session_token=case.get("sessionToken"),
        config=Config(signature_version="s3v4", s3={"addressing_style": case["addressing"]}),
    )


def sign(case):
    when = datetime.datetime.strptime(case["date"], "%Y%m%dT%H%M%SZ")
    with mock.patch("botocore.auth.get_current_datetime", return_value=when), mock.patch(
        "botocore.signers.get_current_datetime", return_value=when
    ):
        s3 = client(case)
        if case["op"] == "get":
            params = {"Bucket": case["bucket"], "Key": case["key"]}
            if "responseContentDisposition" in case:
                params["ResponseContentDisposition"] = case["responseContentDisposition"]
            if "responseContentType" in case:
                params["ResponseContentType"] = case["responseContentType"]
            return {"url": s3.generate_presigned_url("get_object", Params=params, ExpiresIn=case["expires"])}
        if case["op"] == "put":
            params = {"Bucket": case["bucket"], "Key": case["key"]}
            if "contentType" in case:
                params["ContentType"] = case["contentType"]
            if "contentLength" in case:
                params["ContentLength"] = case["contentLength"]
            if "checksumSHA256" in case:
                params["ChecksumSHA256"] = case["checksumSHA256"]
            return {"url": s3.generate_presigned_url("put_object", Params=params, ExpiresIn=case["expires"])}

        fields, conditions = {}, []
        if "contentType" in case:
            fields["Content-Type"] = case["contentType"]
            conditions.append({"Content-Type": case["contentType"]})
        if "minSize" in case:
            conditions.append(["content-length-range", case["minSize"], case["maxSize"]])
        for name, value in case.get("meta", {}).items():
            fields["x-amz-meta-" + name] = value
            conditions.append({"x-amz-meta-" + name: value})
        if "successStatus" in case:
            fields["success_action_status"] = str(case["successStatus"])
            conditions.append({"success_action_status": str(case["successStatus"])})
        key = case["key"] if "key" in case else case["keyPrefix"] + "${filename}"
        post = s3.generate_presigned_post(case["bucket"], key, Fields=fields, Conditions=conditions, ExpiresIn=case["expires"])
        policy_json = base64.b64decode(post["fields"]["policy"]).decode("utf-8")
        # botocore's signing key over Airlock's policy text.
        auth = botocore.auth.S3SigV4PostAuth(
            Credentials(case["accessKey"], case["secretKey"], case.get("sessionToken")), "s3", case["region"]
        )
        request = AWSRequest(method="POST", url=post["url"])
        request.context["timestamp"] = case["date"]
        signature = auth.signature(case["airlockPolicy"], request)
        return {"url": post["url"], "fields": post["fields"], "policyJSON": policy_json, "signatureOfAirlockPolicy": signature}


def main():
    cases = json.load(sys.stdin)
    json.dump([sign(case) for case in cases], sys.stdout)


if __name__ == "__main__":
    main()
