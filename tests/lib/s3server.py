"""A real S3-compatible server for tests: moto's standalone server on 127.0.0.1.

``S3Server.start()`` serves S3 over HTTP on a free loopback port, in a thread
of the test process (other processes, such as a Celery worker, reach it at
``endpoint``). ``storage_settings(bucket)`` is what ``STORAGES["default"]``
and the environment look like for ``ARCHIVE_STORAGE=s3`` against it.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

ACCESS_KEY = "trainedon-test"
SECRET_KEY = "trainedon-test-secret"
REGION = "us-east-1"


@dataclass
class S3Server:
    endpoint: str = ""
    _server: Any = field(default=None, repr=False)

    def start(self) -> S3Server:
        from moto.server import ThreadedMotoServer

        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.endpoint = f"http://{host}:{port}"
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()

    def client(self) -> Any:
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=self.endpoint,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            region_name=REGION,
        )

    def new_bucket(self) -> str:
        name = f"archive-{uuid.uuid4().hex[:12]}"
        self.client().create_bucket(Bucket=name)
        return name

    def env(self, bucket: str) -> dict[str, str]:
        """The environment a process needs for ARCHIVE_STORAGE=s3 against this server."""
        return {
            "ARCHIVE_STORAGE": "s3",
            "S3_BUCKET": bucket,
            "S3_ENDPOINT_URL": self.endpoint,
            "S3_ACCESS_KEY_ID": ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": SECRET_KEY,
            "S3_REGION": REGION,
            "S3_ADDRESSING_STYLE": "path",
        }

    def storage_settings(self, bucket: str, *, multipart_threshold: int) -> dict[str, Any]:
        """``STORAGES["default"]`` as app/settings.py builds it for these variables."""
        from boto3.s3.transfer import TransferConfig

        return {
            "BACKEND": "app.archive.s3.ArchiveS3Storage",
            "OPTIONS": {
                "bucket_name": bucket,
                "endpoint_url": self.endpoint,
                "access_key": ACCESS_KEY,
                "secret_key": SECRET_KEY,
                "region_name": REGION,
                "default_acl": None,
                "file_overwrite": False,
                "querystring_auth": True,
                "querystring_expire": 300,
                "addressing_style": "path",
                "signature_version": "s3v4",
                "transfer_config": TransferConfig(
                    multipart_threshold=multipart_threshold,
                    multipart_chunksize=multipart_threshold,
                ),
            },
        }
