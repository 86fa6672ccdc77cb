"""Saving and restoring moto's in-memory state, so the local cloud survives a restart.

moto keeps everything in Python objects (its "backends"); pickling them keeps users with their
passwords and subs, objects, tables, queues and parameters exactly. A few members are not picklable
as they are (RSA keys, locks, a lambda default factory); copyreg reducers below rebuild them.
"""

from __future__ import annotations

import copyreg
import io
import pickle
import threading
from collections import defaultdict
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

SERVICES = ("s3", "dynamodb", "sqs", "ssm", "cognito-idp", "cognito-identity")
FORMAT_VERSION = 1


def _load_private_key(pem: bytes) -> Any:
    return serialization.load_pem_private_key(pem, password=None)


def _reduce_private_key(key: Any) -> tuple:
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    return _load_private_key, (pem,)


def _nested_dict() -> defaultdict:
    return defaultdict(dict)


def _rebuild_defaultdict(factory: Any, items: dict) -> defaultdict:
    rebuilt = defaultdict(factory)
    rebuilt.update(items)
    return rebuilt


def _reduce_defaultdict(value: defaultdict) -> tuple:
    factory = value.default_factory
    if getattr(factory, "__name__", "") == "<lambda>":
        # The only lambda factory in the services above is SSM's `lambda: defaultdict(dict)`.
        factory = _nested_dict
    return _rebuild_defaultdict, (factory, dict(value))


def _rebuild_defaultdict_subclass(cls: type, factory: Any, items: dict, attrs: dict) -> defaultdict:
    rebuilt = defaultdict.__new__(cls)
    rebuilt.default_factory = factory
    rebuilt.update(items)
    rebuilt.__dict__.update(attrs)
    return rebuilt


class _StatePickler(pickle.Pickler):
    dispatch_table = copyreg.dispatch_table.copy()
    dispatch_table[type(rsa.generate_private_key(65537, 1024))] = _reduce_private_key
    dispatch_table[type(threading.Lock())] = lambda _: (threading.Lock, ())
    dispatch_table[type(threading.RLock())] = lambda _: (threading.RLock, ())
    dispatch_table[threading.Condition] = lambda _: (threading.Condition, ())
    dispatch_table[defaultdict] = _reduce_defaultdict

    def reducer_override(self, obj: Any) -> Any:
        # defaultdict subclasses with their own __init__ (SSM's ParameterDict) cannot be rebuilt
        # through it: restore their items and attributes directly.
        if isinstance(obj, defaultdict) and type(obj) is not defaultdict:
            factory = obj.default_factory
            if getattr(factory, "__name__", "") == "<lambda>":
                factory = _nested_dict
            return _rebuild_defaultdict_subclass, (type(obj), factory, dict(obj), dict(vars(obj)))
        return NotImplemented


def save_state(path: Path) -> None:
    """Write every service's backends to `path` atomically (call with the server stopped)."""
    from moto.backends import get_backend

    buffer = io.BytesIO()
    _StatePickler(buffer, protocol=pickle.HIGHEST_PROTOCOL).dump(
        {"version": FORMAT_VERSION, "backends": {name: dict(get_backend(name)) for name in SERVICES}}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_bytes(buffer.getvalue())
    tmp.replace(path)


def load_state(path: Path) -> bool:
    """Restore the backends saved at `path`; False when there is nothing to restore."""
    from moto.backends import get_backend

    if not path.exists():
        return False
    state = pickle.loads(path.read_bytes())
    if state.get("version") != FORMAT_VERSION:
        raise ValueError(f"{path} was written by another version of catscan; start with --fresh")
    for name, accounts in state["backends"].items():
        backend = get_backend(name)
        backend.clear()
        backend.update(accounts)
    return True
