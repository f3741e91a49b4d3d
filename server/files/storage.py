"""Where uploaded files are kept, behind one small interface.

``local`` writes under ``UPLOAD_DIR`` (development, single servers); ``s3`` talks to any
S3-compatible object store with boto3 (production with several servers). Keys are chosen by the
portal (random, never the citizen's file name), so they are safe as paths and object names; a
key is the file's path relative to ``UPLOAD_DIR`` with the local storage. Every area keeps its
files here under its own first key segment (``forms/``, ``fines/``).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

from flask import Flask, current_app

from server.backends import Registry
from server.config import ConfigurationError

SAFE_KEY = re.compile(r"^[a-z0-9-]+(/[a-z0-9-]+)*(\.[a-z0-9]+)?$")


class StorageError(RuntimeError):
    """The storage could not be reached or refused the operation."""


class UploadStorage(Protocol):
    def put(self, key: str, content: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes: ...

    def delete(self, key: str) -> None: ...


def _checked(key: str) -> str:
    if not SAFE_KEY.match(key):
        raise ValueError(f"not a storage key the portal makes: {key!r}")
    return key


class LocalStorage:
    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / _checked(key)

    def put(self, key: str, content: bytes, content_type: str) -> None:
        path = self._path(key)
        temporary = path.with_name(path.name + ".part")
        for attempt in range(3):
            path.parent.mkdir(parents=True, exist_ok=True)
            try:
                temporary.write_bytes(content)
                break
            except FileNotFoundError:
                if attempt == 2:  # pragma: no cover - a folder removed again and again
                    raise
                # ``delete`` removed the emptied folder in between: make it again.
        temporary.replace(path)  # readers never see half a file

    def get(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError as error:
            raise StorageError(f"no file {key!r}") from error

    def delete(self, key: str) -> None:
        path = self._path(key)
        path.unlink(missing_ok=True)
        # No emptied folder stays behind (an object store has none either), except the areas'
        # own (``forms/``, ``fines/``).
        for folder in path.parents:
            if folder.parent == self.root or self.root not in folder.parents:
                break
            try:
                folder.rmdir()
            except OSError:  # not empty (or gone already)
                break


class S3Storage:
    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client, self.bucket, self.prefix = client, bucket, prefix

    def _name(self, key: str) -> str:
        return self.prefix + _checked(key)

    def put(self, key: str, content: bytes, content_type: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.put_object(
                Bucket=self.bucket, Key=self._name(key), Body=content, ContentType=content_type
            )
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"storing {key!r} failed: {error}") from error

    def get(self, key: str) -> bytes:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            answer = self.client.get_object(Bucket=self.bucket, Key=self._name(key))
            return bytes(answer["Body"].read())
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"reading {key!r} failed: {error}") from error

    def delete(self, key: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self.client.delete_object(Bucket=self.bucket, Key=self._name(key))
        except (BotoCoreError, ClientError) as error:
            raise StorageError(f"removing {key!r} failed: {error}") from error


StorageFactory = Callable[[Mapping[str, Any]], UploadStorage]

#: The storages ``UPLOAD_STORAGE`` may name, each built from the settings.
STORAGES: Registry[StorageFactory] = Registry("UPLOAD_STORAGE")


def _local(config: Mapping[str, Any]) -> UploadStorage:
    return LocalStorage(Path(config["UPLOAD_DIR"]))


def _s3(config: Mapping[str, Any]) -> UploadStorage:
    if not config["UPLOAD_S3_BUCKET"]:
        raise ConfigurationError("UPLOAD_STORAGE=s3 needs UPLOAD_S3_BUCKET")
    import boto3
    from botocore.config import Config

    client = boto3.client(
        "s3",
        endpoint_url=config["UPLOAD_S3_ENDPOINT_URL"] or None,
        region_name=config["UPLOAD_S3_REGION"] or None,
        aws_access_key_id=config["UPLOAD_S3_ACCESS_KEY_ID"] or None,
        aws_secret_access_key=config["UPLOAD_S3_SECRET_ACCESS_KEY"] or None,
        config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5),
    )
    return S3Storage(client, config["UPLOAD_S3_BUCKET"], config["UPLOAD_S3_PREFIX"])


STORAGES.register("local", _local)
STORAGES.register("s3", _s3)


def make_storage(config: Mapping[str, Any]) -> UploadStorage:
    """The storage ``UPLOAD_STORAGE`` names; an unknown name is a ``ConfigurationError``."""
    return STORAGES.choose(config["UPLOAD_STORAGE"])(config)


def init_storage(app: Flask) -> None:
    """Choose the configured storage once per app (a second call keeps it)."""
    if "upload_storage" not in app.extensions:
        app.extensions["upload_storage"] = make_storage(app.config)


def storage() -> UploadStorage:
    found: UploadStorage = current_app.extensions["upload_storage"]
    return found
