"""moto's DynamoDB update expressions with less work per UpdateItem, for the moto host.

Under the scanner's load UpdateItem is the largest part of moto's CPU, and most of it is expression handling,
not the update: moto parses the same UpdateExpression twice per request (handler and backend), and its ten
validators each walk the tree through `DepthFirstTraverser`, which rebuilds its processing map (a dict of
bound methods) and a tuple of classes at every node and tests them with ABC isinstance checks. Here:
- a parsed tree is kept per expression text (the AppSync emulator sends the same text on every update); the
  handler only reads it (`find_clauses`), the backend gets its own copy, which the validators then change;
- the walk and `find_clauses` decide per node class once, with the same order and results as moto's;
- two validators count and compare the clauses below every node of the tree (each node's whole subtree
  again: quadratic in the number of SETs); during their walks, which change nothing, each subtree's clauses
  are found once.
Only successful parses are kept: a bad expression raises moto's own error every time. The methods replaced
are checked against the moto source they were written for, so another moto version fails at start-up
instead of silently validating differently. tests/local/moto_host compares the answers with moto's own.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import inspect
import threading
from typing import Any

import moto.dynamodb.models
import moto.dynamodb.responses
from moto.dynamodb.parsing import ast_nodes
from moto.dynamodb.parsing.ast_nodes import (
    DepthFirstTraverser,
    Expression,
    Node,
    UpdateExpressionFunction,
)
from moto.dynamodb.parsing.expressions import UpdateExpressionParser
from moto.dynamodb.parsing.validators import ActionCountValidator, OverlappingPathsValidator

# Validators whose processors return the node they are given and change nothing in the tree (checked below).
_READ_ONLY_WALKS = (ActionCountValidator, OverlappingPathsValidator)

# sha256 of the moto 5.2.5 sources that the replacements below reproduce.
_TRAVERSER_SOURCE = "ec3e3b9cd5fdd87f65cd0a2ac3627ffa7f8200d0c72f0e3f8b44eabadb3a3df5"
_FIND_CLAUSES_SOURCE = "b77be7ac447d7617ea68e818e2bceb652a8a14257001715c64b36b3244a04c55"
_READ_ONLY_SOURCES = {
    ActionCountValidator: "3fe995f04a9c4a2d1edcdef932cbdcb8781c9229148d2475c63d8ede6e17f528",
    OverlappingPathsValidator: "27f48a77a1762303e8de34cb7b9b58020e972805e470c03dfd500fb5b4b8f20f",
}

_IMMUTABLE = (str, int, float, bool, type(None))


def _sha256(obj: Any) -> str:
    return hashlib.sha256(inspect.getsource(obj).encode()).hexdigest()


def clone(node: Node) -> Node:
    """A copy of a parsed tree (given its root), as `copy.deepcopy` makes it: every node new, its children list
    new and its parent the new parent; leaves (names, placeholders, indexes) are immutable, anything else is
    deep-copied. Several times cheaper than deepcopy's generic walk with its memo."""
    new = object.__new__(type(node))
    state = new.__dict__
    for name, value in node.__dict__.items():
        if name != "children":  # copied below; "parent": the root's (None) kept, the others' set below
            state[name] = value if isinstance(value, _IMMUTABLE) or name == "parent" else copy.deepcopy(value)
    children = node.children
    new.children = children
    if children is not None:
        copied = []
        for child in children:
            if isinstance(child, Node):
                child = clone(child)
                child.parent = new
            elif not isinstance(child, _IMMUTABLE):
                child = copy.deepcopy(child)
            copied.append(child)
        new.children = copied
    return new


@functools.lru_cache(maxsize=512)
def parsed(expression: str) -> Node:
    """moto's tree of an UpdateExpression, shared: read it, never change it (see `clone`)."""
    return UpdateExpressionParser.make(expression)


class SharedTrees:
    """`UpdateExpressionParser` as moto's DynamoDB handler sees it: the handler only lists a tree's clauses."""

    @staticmethod
    def make(expression: str) -> Node:
        return parsed(expression)


class OwnTrees:
    """`UpdateExpressionParser` as moto's DynamoDB backend sees it: a tree of its own, which it validates
    (the validators replace nodes) and executes."""

    @staticmethod
    def make(expression: str) -> Node:
        return clone(parsed(expression))


@functools.cache
def _is_node(kind: type) -> bool:
    return issubclass(kind, Node)


@functools.cache
def _holds_clauses(kind: type) -> bool:
    return issubclass(kind, (Expression, UpdateExpressionFunction))


class _Found(threading.local):
    """find_clauses' answers per (node, clause types), kept while a walk that changes no node asks for them."""

    memo: dict[tuple[int, tuple[type, ...]], list[Node]] | None = None


_found = _Found()


def find_clauses(self: Node, clause_types: list[type]) -> list[Node]:
    """Node.find_clauses with its class tests decided once per class, and, during the walks of the validators
    that only read the tree, each subtree's answer kept (moto's validators ask it at every node of the tree's
    chain of actions, each time over the whole subtree: quadratic in the number of actions)."""
    memo = _found.memo
    if memo is not None:
        key = (id(self), tuple(clause_types))
        if key in memo:
            return list(memo[key])
    clauses = []
    for child in self.children or []:
        kind = type(child)
        if kind in clause_types:
            clauses.append(child)
        elif _holds_clauses(kind):
            clauses.extend(child.find_clauses(clause_types))
    if memo is not None:
        memo[key] = list(clauses)
    return clauses


@functools.cache
def _processor_index(classes: tuple[type, ...], kind: type) -> int | None:
    """The place in a processing map (its classes, in order) of the processor of a node class: the first
    class the node is an instance of, as DepthFirstTraverser.process picks it."""
    return next((i for i, cls in enumerate(classes) if issubclass(kind, cls)), None)


def traverse(self: DepthFirstTraverser, root: Node) -> Node:
    """DepthFirstTraverser.traverse: the same depth-first walk, children first, each node of a processed class
    replaced in its parent by what its processor returns (the first of `_processing_map` it is an instance
    of), `pre_processing_of_child` called before each child; the map is read once per walk instead of twice
    per node, and which of its classes a node class falls under is decided once."""
    processing = self._processing_map()
    classes, processors = tuple(processing), tuple(processing.values())
    hook = self.pre_processing_of_child
    has_hook = type(self).pre_processing_of_child is not DepthFirstTraverser.pre_processing_of_child

    def visit(node: Any, child_id: int) -> Any:
        kind = type(node)
        if not _is_node(kind):
            return node
        parent_node = node.parent
        if node.children is not None:
            for i, child_node in enumerate(node.children):
                if has_hook:
                    hook(node, i)
                visit(child_node, i)
        index = _processor_index(classes, kind)
        if index is not None:
            node = processors[index](node)
            node.parent = parent_node
            if parent_node:
                parent_node.children[child_id] = node
        return node

    if type(self) not in _READ_ONLY_WALKS:
        return visit(root, -1)
    _found.memo = {}  # the walk changes no node: each subtree's clauses stay what they were
    try:
        return visit(root, -1)
    finally:
        _found.memo = None


def _subclasses(cls: type) -> list[type]:
    return [s for c in cls.__subclasses__() for s in (c, *_subclasses(c))]


def install() -> None:
    """Patch moto's DynamoDB update-expression handling (see the module's docstring)."""
    overridden = [
        f"{c.__name__}.{m}"
        for c in _subclasses(DepthFirstTraverser)
        for m in ("traverse", "traverse_node_recursively", "process", "nodes_to_be_processed")
        if m in vars(c)
    ]
    handler_source = inspect.getsource(moto.dynamodb.responses)
    models_source = inspect.getsource(moto.dynamodb.models)
    if (
        _sha256(DepthFirstTraverser) != _TRAVERSER_SOURCE
        or any(_sha256(cls) != source for cls, source in _READ_ONLY_SOURCES.items())
        or _sha256(Node.find_clauses) != _FIND_CLAUSES_SOURCE
        or overridden
        or any("find_clauses" in vars(c) for c in _subclasses(Node))  # one find_clauses for every node class
        # the handler reads its trees only through find_clauses; the backend's tree is its own to change
        or handler_source.count("UpdateExpressionParser.make(") != 2
        or handler_source.count("update_expression_ast") != 5
        or handler_source.count("update_expression_ast.find_clauses(") != 3
        or models_source.count("UpdateExpressionParser.make(") != 1
        or any(
            "UpdateExpressionParser" in vars(m)
            for m in (ast_nodes, moto.dynamodb.parsing.validators, moto.dynamodb.parsing.executors)
        )
    ):
        raise RuntimeError(
            "moto's DynamoDB update expressions changed: review catscan/local/moto_expressions.py"
        )
    moto.dynamodb.responses.UpdateExpressionParser = SharedTrees  # type: ignore[attr-defined]
    moto.dynamodb.models.UpdateExpressionParser = OwnTrees  # type: ignore[attr-defined]
    DepthFirstTraverser.traverse = traverse  # type: ignore[method-assign]
    Node.find_clauses = find_clauses  # type: ignore[method-assign]
