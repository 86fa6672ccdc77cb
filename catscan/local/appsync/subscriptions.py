"""Subscriptions: who gets which mutation payload, and in which shape.

A mutation publishes the JSON it returned to its caller (keyed by field names): exactly the fields the
mutation selected, after field resolvers ran (so field-level-auth fields are null and owners read as
`<username>`). Each subscription of the mutation (`@aws_subscribe`) then receives it only if
  (a) AppSync's basic filtering holds: each subscription argument given (e.g. `owner`) equals the payload field,
  (b) the enhanced filters hold: the client's `filter` argument and the auth runtime filter (owner rules),
and the subscriber's selection set is executed against the payload, so fields the mutation did not select
come back null (non-null ones yield GraphQL errors, as on AppSync).
"""

from __future__ import annotations

import inspect
import logging
from dataclasses import dataclass
from typing import Any, Protocol

from graphql import ExecutionResult
from graphql.execution import Executor

from .errors import format_execution_error
from .filters import matches
from .schema_model import ApiModel

log = logging.getLogger(__name__)


class Sink(Protocol):
    def send(self, message: dict[str, Any]) -> None: ...


@dataclass
class Subscription:
    id: str
    sink: Sink
    field_name: str  # e.g. onUpdateScan
    args: dict[str, Any]
    runtime_filter: dict[str, Any] | None
    executor: Executor


class SubscriptionRegistry:
    def __init__(self, api: ApiModel) -> None:
        self.api = api
        self._subs: dict[tuple[int, str], Subscription] = {}

    def __len__(self) -> int:
        return len(self._subs)

    def add(self, sub: Subscription) -> None:
        self._subs[(id(sub.sink), sub.id)] = sub

    def has(self, sink: Sink, sub_id: str) -> bool:
        return (id(sink), sub_id) in self._subs

    def remove(self, sink: Sink, sub_id: str) -> bool:
        return self._subs.pop((id(sink), sub_id), None) is not None

    def remove_sink(self, sink: Sink) -> None:
        for key in [k for k in self._subs if k[0] == id(sink)]:
            del self._subs[key]

    def publish(self, mutation_field: str, payload: dict[str, Any]) -> None:
        targets = set(self.api.subscriptions_for(mutation_field))
        if not targets:
            return
        for sub in list(self._subs.values()):
            if sub.field_name in targets:
                try:
                    self._deliver(sub, payload)
                except Exception:  # one broken subscriber must not break the mutation
                    log.exception("delivering %s to subscription %s failed", mutation_field, sub.id)

    @staticmethod
    def wants(sub: Subscription, payload: dict[str, Any]) -> bool:
        for name, value in sub.args.items():
            if name == "filter" or value is None:
                continue
            if payload.get(name) != value:
                return False
        if not matches(sub.args.get("filter"), payload):
            return False
        return matches(sub.runtime_filter, payload)

    def _deliver(self, sub: Subscription, payload: dict[str, Any]) -> None:
        if not self.wants(sub, payload):
            return
        result = sub.executor.build_per_event_executor({sub.field_name: payload}).execute_operation(False)
        if inspect.isawaitable(result):  # resolvers are synchronous in event mode; be safe anyway
            raise RuntimeError("subscription event execution must be synchronous")
        assert isinstance(result, ExecutionResult)
        body: dict[str, Any] = {"data": result.data}
        if result.errors:
            body["errors"] = [format_execution_error(e) for e in result.errors]
        sub.sink.send({"id": sub.id, "type": "data", "payload": body})
