"""What the methods of one NPC class body do with their ``self``: the attributes they
read (and whether they call them), set, and the ``self.<method>(...)`` calls."""

from __future__ import annotations

import ast

__all__ = ["SelfUses"]


class SelfUses(ast.NodeVisitor):
    """What the methods of one class body do with their ``self``."""

    def __init__(self) -> None:
        self.loads: list[tuple[str, int, bool]] = []  # (attribute, line, called)
        self.stores: set[str] = set()
        self.calls: list[tuple[str, ast.Call]] = []  # self.<method>(...) calls
        self.dynamic = False  # setattr(self, <expression>), vars(self), self.__dict__
        self._self: str | None = None
        self._called: set[int] = set()

    @classmethod
    def of(cls, node: ast.ClassDef) -> SelfUses:
        uses = cls()
        for item in node.body:
            if not isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            decorators = {d.id for d in item.decorator_list if isinstance(d, ast.Name)}
            parameters = item.args.posonlyargs + item.args.args
            if decorators & {"staticmethod", "classmethod"} or not parameters:
                continue
            uses._self = parameters[0].arg
            for statement in item.body:
                uses.visit(statement)
        return uses

    def _is_self(self, node: ast.AST) -> bool:
        return isinstance(node, ast.Name) and node.id == self._self

    def visit_Attribute(self, node: ast.Attribute) -> None:
        if self._is_self(node.value):
            if isinstance(node.ctx, ast.Load):
                if node.attr == "__dict__":
                    self.dynamic = True
                self.loads.append((node.attr, node.lineno, id(node) in self._called))
            else:
                self.stores.add(node.attr)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        function = node.func
        if isinstance(function, ast.Attribute) and self._is_self(function.value):
            self._called.add(id(function))
            self.calls.append((function.attr, node))
        elif isinstance(function, ast.Name) and node.args and self._is_self(node.args[0]):
            if function.id == "vars":
                self.dynamic = True
            elif function.id in ("setattr", "getattr", "hasattr", "delattr"):
                name = node.args[1] if len(node.args) > 1 else None
                if isinstance(name, ast.Constant) and isinstance(name.value, str):
                    self.stores.add(name.value)  # guarded or set by name: known to exist
                elif function.id == "setattr":
                    self.dynamic = True
        self.generic_visit(node)

    def _visit_scope(self, node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
        arguments = node.args
        names = {a.arg for a in arguments.posonlyargs + arguments.args + arguments.kwonlyargs}
        if self._self not in names:  # a parameter named like self hides it
            self.generic_visit(node)

    visit_FunctionDef = _visit_scope  # noqa: N815 -- ast.NodeVisitor's naming
    visit_AsyncFunctionDef = _visit_scope  # noqa: N815
    visit_Lambda = _visit_scope  # noqa: N815
