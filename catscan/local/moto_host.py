"""moto server in a process of ours, so its state can be saved on stop and restored on start.

It also counts the requests it serves by caller (access key), service and operation, for `make bench`'s
calls per scan: `GET /_local/calls` answers the counts, `DELETE /_local/calls` resets them.
"""

from __future__ import annotations

import argparse
import base64
import copy
import functools
import hashlib
import inspect
import io
import json
import re
import signal
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import cheroot.connections
import cheroot.makefile
import cheroot.server
import moto.backends
import moto.core.responses
import moto.dynamodb.models
import moto.dynamodb.parsing.validators
import moto.dynamodb.responses
import moto.dynamodb.urls
import moto.s3.urls
import moto.sqs.urls
from botocore.exceptions import ClientError
from cheroot import wsgi
from flask import Response as FlaskResponse
from moto.core.request import (
    PRESERVED_HEADER_NAMES_ENVIRON_KEY,
    environ_key_for_header,
    should_preserve_original_header_name,
)
from moto.core.responses import ActionResult
from moto.core.utils import convert_to_flask_response, get_service_model, unix_time
from moto.dynamodb.exceptions import ItemSizeTooLarge
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import DynamoType, LimitedSizeDict
from moto.dynamodb.models.utilities import bytesize
from moto.dynamodb.parsing.ast_nodes import (
    ExpressionAttribute,
    ExpressionAttributeName,
    Node,
    UpdateExpressionAddAction,
    UpdateExpressionDeleteAction,
    UpdateExpressionRemoveAction,
    UpdateExpressionSetAction,
)
from moto.dynamodb.responses import DynamoHandler, DynamoResult
from moto.moto_api import recorder
from moto.moto_server.werkzeug_app import BackendRequest, DomainDispatcherApplication, create_backend_app
from moto.s3.responses import S3Response
from moto.settings import DISABLE_GLOBAL_CORS
from moto.sqs.models import SQSBackend
from moto.sqs.responses import SQSResponse
from werkzeug.exceptions import HTTPException
from werkzeug.sansio.request import Request as SansioRequest
from werkzeug.sansio.utils import get_current_url
from werkzeug.utils import cached_property
from werkzeug.wrappers import Response as WerkzeugResponse

from catscan.local import moto_expressions
from catscan.local.moto_state import load_state, save_state


def _cache_module_list() -> None:
    """moto lists its package folder on every request to route it (~15% of its CPU under load);
    the folder does not change while it runs."""
    modules = tuple(moto.backends.list_of_moto_modules())
    moto.backends.list_of_moto_modules = lambda: iter(modules)


def _cache_action_names() -> None:
    """moto lists a response class's methods (inspect.getmembers) on every request to find its action (~4%
    of its CPU under load); the classes do not change while it runs."""
    names = moto.core.responses.method_names_from_class
    moto.core.responses.method_names_from_class = functools.cache(lambda cls: frozenset(names(cls)))


# DynamoDB operations whose results moto holds in the output's own shape (AttributeValue maps; binaries as
# bytes): the scanner's idempotency records and the AppSync resolvers use only these.
_ITEM_OPERATIONS = frozenset({"GetItem", "PutItem", "UpdateItem", "DeleteItem"})


def _blob(value: Any) -> str:
    if isinstance(value, bytes):  # B and BS values: base64 on the wire, as the model walk writes them
        return base64.b64encode(value).decode()
    raise TypeError(f"{type(value).__name__} in a DynamoDB item result")


@functools.cache
def _output_members(operation: str) -> frozenset[str]:
    # moto's results may hold keys the model does not (DeleteItem's ConsumedCapacityUnits): the walk drops them.
    return frozenset(get_service_model("dynamodb").operation_model(operation).output_shape.members)


def _dump_item_results() -> None:
    """moto serializes each DynamoDB response by walking the botocore model attribute by attribute: about
    a quarter of its CPU under the scanner's load. For the item operations the walk returns the result's
    model members as they are (binaries in base64), so those are dumped directly; errors and every other
    operation take moto's own path. tests/local/moto_host checks both give the same answers."""
    original = DynamoHandler.serialized

    def serialized(self: DynamoHandler, action_result: ActionResult) -> Any:
        result = action_result.result
        if (
            type(action_result) not in (ActionResult, DynamoResult)
            or not isinstance(result, dict)
            or self._get_action() not in _ITEM_OPERATIONS
        ):
            return original(self, action_result)
        members = _output_members(self._get_action())
        headers = {"Content-Type": "application/x-amz-json-1.0", **self.response_headers}
        return (
            200,
            headers,
            json.dumps(
                {k: v for k, v in result.items() if k in members}, separators=(",", ":"), default=_blob
            ),
        )

    DynamoHandler.serialized = serialized  # type: ignore[method-assign]


def _regular_json(self: DynamoType) -> dict[str, Any]:
    """DynamoType.to_regular_json (the item as a response holds it) without its redundant copies: moto
    deep-copies the whole value and then converts each nested value, which copies it again, once per level
    of nesting. Each value is copied once here; the result is the same fresh structure."""
    value = self.value
    if isinstance(value, dict):
        value = {
            k: v.to_regular_json() if isinstance(v, DynamoType) else copy.deepcopy(v)
            for k, v in value.items()
        }
    elif isinstance(value, list):
        value = [v.to_regular_json() if isinstance(v, DynamoType) else copy.deepcopy(v) for v in value]
    else:
        value = copy.deepcopy(value)
    if self.is_binary() and isinstance(value, str):
        value = base64.b64decode(value)
    return {self.type: value}


class _CopyModule:
    """`copy` as one of moto's DynamoDB modules sees it (every name but deepcopy is the real module's)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)


class _ItemCopies(threading.local, _CopyModule):
    """Skips, on the thread that asks, the one deep copy of an item known not to be needed (under UpdateItem,
    moto copies the stored item twice before changing it: ~30% of an UpdateItem)."""

    skip = False

    def deepcopy(self, x: Any, memo: Any = None) -> Any:
        return x if self.skip else copy.deepcopy(x, memo)


class _NoItemCopy(_CopyModule):
    """For moto's DynamoDB handler module: its one deep copy (the stored item, under UpdateItem) is skipped on
    every thread (to_json builds a fresh structure of the old item anyway)."""

    def deepcopy(self, x: Any, memo: Any = None) -> Any:
        return x


# DynamoDB writes are atomic per item, conditions included; moto's backend is not (two threads may both pass
# the same condition). One lock over every write makes each one atomic, as DynamoDB's are.
_WRITES = threading.RLock()


def _atomic(write: Callable[..., Any]) -> Callable[..., Any]:
    def locked(*args: Any, **kwargs: Any) -> Any:
        with _WRITES:
            return write(*args, **kwargs)

    locked.__wrapped__ = write  # type: ignore[attr-defined]
    return locked


class _UpdateState(threading.local):
    ast_copy_needed = True  # the update expression's tree is validated more than once (a new item)


_update = _UpdateState()


def _validator_deepcopy(x: Any, memo: Any = None) -> Any:
    """The validators' deepcopy: the update expression's tree is copied only when it is validated twice."""
    if isinstance(x, Node):
        return moto_expressions.clone(x) if _update.ast_copy_needed else x
    return copy.deepcopy(x, memo)


def _size(self: DynamoType) -> int:
    """DynamoType.size without rebuilding each nested map value (moto wraps every value of a map in a new
    DynamoType, which converts the whole subtree again, at each level): the same sizes."""
    if self.is_map():
        return sum(
            bytesize(k) + (v if type(v) is DynamoType else DynamoType(v)).size()
            for k, v in self.value.items()
        )
    return _moto_size(self)


_moto_size = DynamoType.size


class _ItemSizes(threading.local):
    """The sizes of an item's attribute values, by identity, while an UpdateItem of top-level SETs runs."""

    known: dict[int, tuple[Any, int]] | None = None


_item_sizes = _ItemSizes()
# sha256 of moto 5.2.5's LimitedSizeDict.__setitem__, which _limited_setitem reproduces.
_LIMITED_SETITEM = "d979580fdbe14f79f3216564e1385c4b3485db82bc88193326c467a037331e81"


def _limited_setitem(self: LimitedSizeDict, key: str, value: Any) -> None:
    """LimitedSizeDict.__setitem__ (an item's attributes refuse a value that would make it exceed DynamoDB's
    size limit): moto measures the whole item again at every SET, so an update of 12 SETs measured it 12
    times. While an UpdateItem of only top-level SETs runs, each attribute value keeps its size: such an
    update replaces values (new or other attributes' objects, never changed in place), so an object's size
    stays what it was measured at; the sizes summed and the verdicts are moto's."""
    known = _item_sizes.known
    if known is None:
        return _moto_limited_setitem(self, key, value)

    def size(part: Any) -> int:
        if type(part) is not DynamoType:
            return bytesize(str(part))
        measured = known.get(id(part))
        if measured is None or measured[0] is not part:  # the object is held: its id is not reused
            measured = known[id(part)] = (part, part.size())
        return measured[1]

    current_item_size = sum(size(part) for part in (list(self.keys()) + list(self.values())))
    if current_item_size + bytesize(key) + size(value) > 405000:
        raise ItemSizeTooLarge
    dict.__setitem__(self, key, value)


_moto_limited_setitem = LimitedSizeDict.__setitem__


@functools.lru_cache(maxsize=512)
def _top_level_sets(update_expression: str) -> bool:
    """Whether an update expression only SETs top-level attributes (`SET a = ..., #b = ...`)."""
    try:
        tree = moto_expressions.parsed(update_expression)
    except Exception:  # noqa: BLE001 - not an expression: moto's own path gives moto's own error
        return False
    actions = tree.find_clauses(
        [
            UpdateExpressionSetAction,
            UpdateExpressionAddAction,
            UpdateExpressionRemoveAction,
            UpdateExpressionDeleteAction,
        ]
    )
    return all(
        type(action) is UpdateExpressionSetAction
        and len(action.children[0].children) == 1
        and type(action.children[0].children[0]) in (ExpressionAttributeName, ExpressionAttribute)
        for action in actions
    )


def _uses_of_deepcopy(function: Any) -> int:
    return inspect.getsource(function).count("deepcopy(")


def _cheaper_updates() -> None:
    """DynamoDB UpdateItem, the commonest write of a scan (5 a scan), as moto answers it but with less work:
    - the UpdateItem handler deep-copies the stored item only to take `existing_item.to_json()` of it
      before the update: to_json builds a fresh structure already (its values are copied), so the old
      attributes are the same without the copy (the handler's only deep copy);
    - the backend copies the item for the table's stream only (`orig_item`): skipped without a stream;
    - the update expression's tree is copied by each validator, as a new item validates it twice: not copied
      for an existing item (one validation);
    - DynamoType.size and to_regular_json without their redundant rebuilds and copies of nested values.
    The sources are checked so that another moto version cannot silently change what is skipped."""
    handler_update, backend_update = DynamoHandler.update_item, DynamoDBBackend.update_item
    validators = moto.dynamodb.parsing.validators
    if (
        _uses_of_deepcopy(moto.dynamodb.responses) != 1
        or _uses_of_deepcopy(handler_update) != 1
        or _uses_of_deepcopy(backend_update) != 1
        or inspect.getsource(backend_update).count("orig_item") != 2
        or "stream_shard.add(orig_item, item)" not in inspect.getsource(backend_update)
        or _uses_of_deepcopy(moto.dynamodb.models) != 2
        or _uses_of_deepcopy(validators.Validator.__init__) != 1
        or _uses_of_deepcopy(validators) != 2
        or hashlib.sha256(inspect.getsource(_moto_limited_setitem).encode()).hexdigest() != _LIMITED_SETITEM
        or list(inspect.signature(backend_update).parameters)[3:7]
        != [
            "update_expression",
            "expression_attribute_names",
            "expression_attribute_values",
            "attribute_updates",
        ]
    ):
        raise RuntimeError("moto's DynamoDB UpdateItem changed: review catscan/local/moto_host.py")
    moto.dynamodb.responses.copy = _NoItemCopy()  # type: ignore[attr-defined]
    copies = _ItemCopies()
    moto.dynamodb.models.copy = copies  # type: ignore[attr-defined]
    validators.deepcopy = _validator_deepcopy  # type: ignore[attr-defined]

    def update_item(
        self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any
    ) -> Any:
        with _WRITES:  # the existence check and the update see the same item
            table = self.get_table(table_name)
            try:
                exists = self.get_item(table_name, key) is not None
            except Exception:  # noqa: BLE001 - a bad key: moto's own path gives moto's own error
                exists = False
            copies.skip = table.stream_shard is None
            _update.ast_copy_needed = not exists
            expression = kwargs.get("update_expression", args[0] if args else None)
            legacy = kwargs.get("attribute_updates", args[3] if len(args) > 3 else None)
            if expression and not legacy and _top_level_sets(expression):
                _item_sizes.known = {}
            try:
                return backend_update(self, table_name, key, *args, **kwargs)
            finally:
                copies.skip = False
                _update.ast_copy_needed = True
                _item_sizes.known = None

    DynamoDBBackend.update_item = update_item  # type: ignore[method-assign]
    for name in ("put_item", "delete_item", "transact_write_items", "batch_write_item"):
        if hasattr(DynamoDBBackend, name):
            setattr(DynamoDBBackend, name, _atomic(getattr(DynamoDBBackend, name)))
    DynamoType.to_regular_json = _regular_json  # type: ignore[method-assign]
    DynamoType.size = _size  # type: ignore[method-assign]
    LimitedSizeDict.__setitem__ = _limited_setitem  # type: ignore[method-assign,assignment]


def within_retention(backend: SQSBackend, queue_name: str, message: Any) -> bool:
    """moto's retention check for one received message, without building all of the queue's attributes
    (which counts every message in the queue: quadratic in the queue's length on each ReceiveMessage)."""
    retention_period = backend.get_queue(queue_name).message_retention_period
    return retention_period + message.sent_timestamp / 1000 > unix_time()


CALLS_PATH = "/_local/calls"
# SigV4: Credential=<access key>/<date>/<region>/<service>/aws4_request
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/[^/]+/[^/]+/([^/]+)/")


def s3_operation(method: str, path: str, query: str, headers: Any) -> str:
    """The S3 REST operation of a path-style request (enough for counting, not routing)."""
    params = parse_qs(query, keep_blank_values=True)
    has_key = len(path.strip("/").split("/", 1)) == 2
    if has_key:
        name = {
            "GET": "GetObject",
            "HEAD": "HeadObject",
            "PUT": "PutObject",
            "DELETE": "DeleteObject",
            "POST": "PostObject",
        }.get(method, method)
        if method == "PUT" and "x-amz-copy-source" in headers:
            name = "CopyObject"
        if method == "GET" and "Range" in headers:
            name += " (ranged)"
        if "tagging" in params:
            name += "Tagging"
        return name
    if method == "GET" and not path.strip("/"):
        return "ListBuckets"
    if (method == "GET" and not params) or "list-type" in params:
        return "ListObjectsV2" if params.get("list-type") == ["2"] else "ListObjects"
    if method == "POST" and "delete" in params:
        return "DeleteObjects"
    if method == "PUT" and not params:
        return "CreateBucket"
    return f"{method} bucket?{next(iter(params), '')}"


class CallCounter:
    """WSGI middleware counting requests by (access key, service, operation)."""

    def __init__(self, app: Callable) -> None:
        self.app = app
        self.counts: Counter[tuple[str, str, str]] = Counter()
        self._lock = threading.Lock()

    def key(self, environ: dict[str, Any]) -> tuple[str, str, str]:
        match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
        caller, service = match.groups() if match else ("anonymous", "?")
        target = environ.get("HTTP_X_AMZ_TARGET")
        if target:
            operation = target.rsplit(".", 1)[-1]
        elif service == "s3":
            headers = {
                "Range": environ.get("HTTP_RANGE"),
                "x-amz-copy-source": environ.get("HTTP_X_AMZ_COPY_SOURCE"),
            }
            operation = s3_operation(
                environ["REQUEST_METHOD"],
                environ.get("PATH_INFO", "/"),
                environ.get("QUERY_STRING", ""),
                {k: v for k, v in headers.items() if v},
            )
        else:
            operation = f"{environ['REQUEST_METHOD']} {environ.get('PATH_INFO', '/')}"
        return caller, service, operation

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        if environ.get("PATH_INFO") == CALLS_PATH:
            if environ["REQUEST_METHOD"] == "DELETE":
                with self._lock:
                    self.counts.clear()
            with self._lock:
                rows = [
                    {"caller": c, "service": s, "operation": o, "count": n}
                    for (c, s, o), n in self.counts.items()
                ]
            body = json.dumps(rows).encode()
            start_response(
                "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            )
            return [body]
        key = self.key(environ)
        with self._lock:
            self.counts[key] += 1
        return self.app(environ, start_response)


# JSON-protocol requests answered by one moto response class each, routed on their X-Amz-Target and signing
# service exactly as moto's app routes them (see DirectRoutes).
_JSON_HANDLERS: dict[tuple[str, str], Callable[..., Any]] = {
    ("dynamodb", "DynamoDB_20120810."): DynamoHandler.dispatch,
    ("sqs", "AmazonSQS."): SQSResponse.dispatch,
}
# A path-style S3 object path (/bucket/key), which moto's S3 app routes to key_dispatch whatever the method
# and query; "//" is left to moto's app (werkzeug merges slashes), as are moto's own and S3 Control's paths.
_S3_KEY_PATH = re.compile(r"/[^/]+/.")
_NOT_S3_OBJECTS = ("/moto-api", "/latest/", "/v20180820/")
_S3_METHODS = frozenset({"GET", "PUT", "HEAD", "DELETE", "POST"})


@functools.lru_cache(maxsize=64)
def _root_url(scheme: str, host: str, root_path: str) -> str:
    return get_current_url(scheme, host, root_path)


class DirectRequest(BackendRequest):
    """The request moto's Flask app builds, with its root URL (part of every request's raw_url, which moto
    takes) remembered per scheme, host and root path: werkzeug quotes and converts it again for each request
    (~4% of moto's CPU under load)."""

    @cached_property
    def root_url(self) -> str:
        return _root_url(self.scheme, self.host, self.root_path)


# sha256 of the moto 5.2.5 code whose routing and Flask view DirectRoutes reproduces.
_ROUTING_SOURCES = {
    convert_to_flask_response.__call__: "2c82766d05909ebb416d91eb9db685b57c639346d5eaea28e3a3a89c6607153e",
    DomainDispatcherApplication.get_application: "0ff6939685bde9172bc014581e6d9373c63594fab534071ff806e0f26a0c21be",
    DomainDispatcherApplication.infer_service_region_host: (
        "b4fac9b6aa6baef13071a246d6038ea1b0c5f3bc5ac6ca4b6d25ef9a51a2848e"
    ),
    create_backend_app: "a317751ebd1c922b780f29ddad94a40364779d7c4e3107bf671d046c2bb8b463",
}


def _check_routes() -> None:
    changed = [
        f.__qualname__
        for f, digest in _ROUTING_SOURCES.items()
        if hashlib.sha256(inspect.getsource(f).encode()).hexdigest() != digest
    ]
    s3_paths = moto.s3.urls.url_paths
    if (
        changed
        or moto.dynamodb.urls.url_paths != {"{0}/": DynamoHandler.dispatch}
        or moto.sqs.urls.url_paths.get("{0}/$") != SQSResponse.dispatch
        or len(s3_paths) != 5
        or s3_paths.get("{0}/(?P<bucket_name_path>[^/]+)/(?P<key_name>.+)") != S3Response.key_dispatch
    ):
        raise RuntimeError(
            f"moto's routing changed ({changed}): review DirectRoutes in catscan/local/moto_host.py"
        )


class DirectRoutes:
    """WSGI middleware handing DynamoDB and SQS JSON requests and S3 object requests to moto's response class
    directly, as moto's app would after routing them: moto's app (DomainDispatcherApplication, then Flask and
    werkzeug's URL map) spent about 0.3 ms of CPU per request finding the one view every such request reaches.
    The request, the handler's call, its ClientError fallback and the response (Flask's Response class,
    flask-cors' header) are those of moto's Flask view (moto.core.utils.convert_to_flask_response); anything
    else (other paths and services, a browser's CORS request with an Origin, unsigned or presigned requests)
    still goes through moto's app. tests/local/moto_host compares the raw answers of both paths."""

    def __init__(self, app: Callable) -> None:
        _check_routes()
        self.app = app

    @staticmethod
    def handler(environ: dict[str, Any]) -> Callable[..., Any] | None:
        authorization = environ.get("HTTP_AUTHORIZATION", "")
        match = _CREDENTIAL.search(authorization)
        if (
            not match
            or not authorization.startswith("AWS4-HMAC-SHA256 Credential=")
            or "HTTP_ORIGIN" in environ
        ):
            return None
        service, method, path = (
            match.group(2).lower(),
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
        )
        if service == "s3":
            if (
                method in _S3_METHODS
                and _S3_KEY_PATH.match(path)
                and "//" not in path
                and not path.startswith(_NOT_S3_OBJECTS)
                and "s3-control" not in environ.get("HTTP_HOST", "")
            ):
                return S3Response.key_dispatch
            return None
        if method != "POST" or path != "/":
            return None
        target = environ.get("HTTP_X_AMZ_TARGET", "")
        return _JSON_HANDLERS.get((service, target[: target.find(".") + 1]))

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Any:
        handler = self.handler(environ)
        if handler is None:
            return self.app(environ, start_response)
        request = DirectRequest(environ)
        try:
            recorder._record_request(request)
            result = handler(request, request.raw_url, dict(request.headers))
        except ClientError as exc:
            result = 400, {}, exc.response["Error"]["Message"]
        except HTTPException as exc:  # Flask answers an escaped HTTP error with its own response
            result = exc.get_response(environ)
        if isinstance(result, WerkzeugResponse):  # Flask's, or an escaped HTTP error's werkzeug one
            response = result
        else:
            status, headers, content = result if len(result) == 3 else (200, {}, result)
            response = FlaskResponse(response=content, status=status, headers=headers)
            if request.method == "HEAD" and "content-length" in headers:
                response.headers["Content-Length"] = headers["content-length"]
        if not DISABLE_GLOBAL_CORS and "Access-Control-Allow-Origin" not in response.headers:
            response.headers["Access-Control-Allow-Origin"] = "*"  # flask-cors, for a request without Origin
        return response(environ, start_response)


class MotoGateway(wsgi.Gateway_10):
    """The request as moto's own server (werkzeug's, with moto's handler) hands it to moto: the raw target
    in RAW_URI, and the headers: a header with an underscore in its name is dropped (WSGI cannot tell `X_Foo` from `X-Foo`), except S3
    metadata (`x-amz-meta-*`), kept with its spelling for moto to report, and never in the place of a
    dashed header."""

    def get_environ(self) -> dict[str, Any]:
        env = super().get_environ()
        # The request target as sent, which moto reads for S3 keys (werkzeug's RAW_URI; PATH_INFO is decoded).
        env["RAW_URI"] = env["REQUEST_URI"]
        env["SERVER_NAME"] = self.req.server.bind_addr[
            0
        ]  # the host, as werkzeug says (cheroot: its own name)
        headers = [
            (name.decode("latin-1"), value.decode("latin-1")) for name, value in self.req.inheaders.items()
        ]
        for name, _ in headers:
            if "_" in name:
                env.pop(environ_key_for_header(name), None)
        dashed = {environ_key_for_header(name) for name, _ in headers if "_" not in name}
        names: dict[str, str] = {}
        for name, value in headers:
            key = environ_key_for_header(name)
            if "_" not in name:
                env[key] = value  # its own value, whatever an underscored twin said
            elif should_preserve_original_header_name(name) and key not in dashed:
                names.setdefault(key, name)
                env[key] = value.replace("\r\n", "")
        env[PRESERVED_HEADER_NAMES_ENVIRON_KEY] = names
        return env

    def write(self, chunk: bytes) -> None:
        """cheroot's write, but the status line and headers go out with the body's first chunk in one write
        instead of two (each a system call here and a wake-up of the client)."""
        connection = self.req.conn
        if self.req.sent_headers or not chunk:
            return super().write(chunk)
        together = _SentTogether()
        real, connection.wfile = connection.wfile, together
        try:
            super().write(chunk)
        finally:
            connection.wfile = real
            if together.parts:
                real.write(b"".join(together.parts))


class _SentTogether:
    """Collects what cheroot writes for a response's head and first chunk, sent as one write."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.parts.append(bytes(data))
        return len(data)


class SocketReader(io.BufferedReader):
    """cheroot's socket reader (cheroot.makefile.StreamReader) on the C buffered reader: cheroot's reads
    through the pure-Python `_pyio` one, each header line a Python loop of peeks and reads (~10% of moto's
    CPU under load). cheroot needs of it only the reads and `has_data`."""

    bytes_read = 0  # read by cheroot's statistics only, which are off here (not counted)

    def __init__(self, sock: socket.socket, bufsize: int = io.DEFAULT_BUFFER_SIZE) -> None:
        super().__init__(socket.SocketIO(sock, "rb"), bufsize)  # type: ignore[arg-type]
        self._sock = sock

    def has_data(self) -> bool:
        """Whether bytes of a next request can be read now (cheroot then serves the connection at once instead
        of waiting for the socket to be readable): the buffer's or, if none, the socket's; never waits."""
        timeout = self._sock.gettimeout()
        self._sock.settimeout(0)
        try:
            return bool(self.peek(1))
        except OSError:  # a broken connection: cheroot's own read meets the error and closes it
            return True
        finally:
            self._sock.settimeout(timeout)


def _makefile(sock: socket.socket, mode: str = "r", bufsize: int = io.DEFAULT_BUFFER_SIZE) -> Any:
    return SocketReader(sock, bufsize) if "r" in mode else cheroot.makefile.MakeFile(sock, mode, bufsize)


class MotoConnection(cheroot.server.HTTPConnection):
    """cheroot's connection reading through SocketReader."""

    def __init__(self, server: Any, sock: socket.socket, makefile: Any = None) -> None:
        super().__init__(server, sock, _makefile)


# sha256 of the cheroot 11.1.2 code that MotoConnection and MotoGateway.write rely on.
_CHEROOT_SOURCES = {
    "HTTPConnection.__init__": "20161cb1b494a0274a6703faeecfc233daa12b91276a869e89e570cdff7b7b47",
    "StreamReader": "a2e06d5ea1de97f614d97069164d9d24c70717c0f89b0a8865e77802115bc4b9",
    "Gateway.write": "5857159633bb25adf24629486e3da2f54cd2406a4f063df2ad8a9cd1bbcf028f",
    "HTTPRequest.write": "acec0baee30882a18167479324042d5f9f85b375de7767f847ff4601d1e484b8",
}


def _check_server_sources() -> None:
    found = {
        "HTTPConnection.__init__": cheroot.server.HTTPConnection.__init__,
        "StreamReader": cheroot.makefile.StreamReader,
        "Gateway.write": wsgi.Gateway.write,
        "HTTPRequest.write": cheroot.server.HTTPRequest.write,
    }
    changed = [
        name
        for name, obj in found.items()
        if hashlib.sha256(inspect.getsource(obj).encode()).hexdigest() != _CHEROOT_SOURCES[name]
    ]
    if "return get_current_url(self.scheme, self.host, self.root_path)" not in inspect.getsource(
        SansioRequest.root_url.fget  # type: ignore[attr-defined]
    ):
        raise RuntimeError("werkzeug's root_url changed: review DirectRequest in catscan/local/moto_host.py")
    uses = inspect.getsource(cheroot.server) + inspect.getsource(cheroot.connections)
    if (
        changed
        or uses.count("rfile.has_data()") != 1
        or "ssl_adapter" not in inspect.getsource(cheroot.connections)
    ):
        raise RuntimeError(f"cheroot changed ({changed}): review catscan/local/moto_host.py")


def make_server(host: str, port: int, app: Callable, threads: int = 32) -> wsgi.Server:
    """moto's app on cheroot rather than werkzeug's development server, which closes every connection
    (each request paid a TCP connect and a new thread: ~13% of moto's CPU under the scanner's load, and
    as much again in its callers' connection set-up). cheroot keeps connections alive and answers from a
    pool of threads; long polls (SQS ReceiveMessage) hold a thread while they wait, hence the pool's size."""
    server = wsgi.Server((host, port), app, numthreads=threads, request_queue_size=128, timeout=60)
    server.gateway = MotoGateway
    _check_server_sources()
    server.ConnectionClass = MotoConnection
    # Every idle keep-alive connection waits in cheroot's selector, not on a thread: the local cloud has
    # more clients than cheroot's default of 10 (beyond it connections are closed after each answer).
    server.keep_alive_conn_limit = 512
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description="moto server with saved state")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=4566)
    parser.add_argument("--state-file", type=Path, help="restore from / save to this file")
    parser.add_argument(
        "--plain-dispatch", action="store_true", help="every request through moto's app (for comparisons)"
    )
    args = parser.parse_args()

    if args.state_file:
        started = time.monotonic()
        if load_state(args.state_file):
            print(f"restored state from {args.state_file} in {time.monotonic() - started:.2f}s", flush=True)
    _cache_module_list()
    _cache_action_names()
    _dump_item_results()
    _cheaper_updates()
    moto_expressions.install()
    SQSBackend.is_message_valid_based_on_retention_period = within_retention  # type: ignore[method-assign]
    app = DomainDispatcherApplication(create_backend_app)
    server = make_server(args.host, args.port, CallCounter(app if args.plain_dispatch else DirectRoutes(app)))
    server.prepare()  # the port is open from here
    threading.Thread(target=server.serve, daemon=True).start()
    print(f"moto listening on http://{args.host}:{args.port}", flush=True)

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    stop.wait()
    server.stop()
    if args.state_file:
        save_state(args.state_file)
        print(f"saved state to {args.state_file}", flush=True)


if __name__ == "__main__":
    main()
