"""Check the integration against the newest Home Assistant release without running it.

    python scripts/compat.py [--version X.Y.Z | --wheel PATH] [--offline] [--months 12]

Downloads the newest ``homeassistant`` wheel from PyPI (cached by version under
``.cache/compat``; never installed: newer releases need a newer Python than ours), then,
by static analysis (ast) of the integration and of the wheel's source:

- every name the integration imports from ``homeassistant.*`` must still exist there;
- every deprecation marker on an API the integration uses is listed: ``report_usage``
  calls and calls carrying ``breaks_in_ha_version``, ``DeprecationWarning``s, the
  ``deprecated_*`` decorators, deprecated constants (``_DEPRECATED_<NAME>``) and deprecated
  keywords (module-level ``*DEPRECATED*`` tables), each with the version it breaks in.

An API is "used" when the integration imports it, reaches it as an attribute of an
imported module or class, calls it on ``self`` in a subclass, or on a value whose type
follows from an annotation or a return annotation (``entry: ConfigEntry``,
``registry = dr.async_get(hass)``). What it cannot see: values without annotations,
``**kwargs`` built at run time, ``getattr`` with computed names, and markers more than one
call below the API the integration calls.

Exit status 1 on a missing name, or on a marker that breaks within ``--months`` of today,
unless the marker is conditional and listed in REVIEWED with the reason it does not
apply. Prints the Home Assistant version it checked.
"""

from __future__ import annotations

import argparse
import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
import datetime as dt
import hashlib
import json
from pathlib import Path
import re
import sys
from typing import Any
import urllib.parse
import urllib.request
import zipfile

ROOT = Path(__file__).resolve().parent.parent
INTEGRATION = ROOT / "custom_components" / "cgi_camera"
PACKAGE = "custom_components.cgi_camera"
CACHE = ROOT / ".cache" / "compat"
PYPI = "https://pypi.org/pypi/homeassistant"

# Conditional markers read and found not to apply, keyed "<module>:<qualname>:<version>".
# A marker that fires unconditionally cannot be waived here: fix the call instead.
REVIEWED: dict[str, str] = {
    "homeassistant.config_entries:ConfigFlow.async_update_reload_and_abort:2026.12.0": (
        "only for an entry with an update listener; where OptionsFlowWithReload exists the "
        "integration adds none (compat.OPTIONS_FLOW_RELOADS)"
    ),
}

# Home Assistant internals the integration reads (no API offers them), by the source
# text that must still be in the package: (package, text, what relies on it).
INTERNALS: tuple[tuple[str, str, str], ...] = (
    ("homeassistant.components.sensor", '{DOMAIN}.private"',
     "sensor.py keeps a size sensor's stored unit (registry options 'sensor.private')"),
    ("homeassistant.components.sensor", '"suggested_unit_of_measurement"',
     "sensor.py reads the stored 'suggested_unit_of_measurement' from those options"),
)

_VERSION = re.compile(r"^(\d{4})\.(\d{1,2})(?:\.\d+)?$")
# Python 3.14 (PEP 758) allows ``except A, B:``; this Python's ast does not.
_PEP758 = re.compile(r"^(\s*)except(\*?)\s+([\w.]+(?:\s*,\s*[\w.]+)+)\s*:", re.M)
_REPORTERS = {"report_usage", "_print_deprecation_warning", "_print_deprecation_warning_internal"}
_DEPRECATION_DECORATORS = {"deprecated_function", "deprecated_class", "deprecated_hass_argument"}
_DEPRECATED_CONSTANTS = {"DeprecatedConstant", "DeprecatedConstantEnum", "DeprecatedAlias"}
_TRANSPARENT_DECORATORS = {"callback", "staticmethod", "classmethod", "property", "override",
                           "overload", "final", "cache", "cached_property", "abstractmethod"}


# -- the wheel ------------------------------------------------------------------------------


def _get_json(url: str) -> dict[str, Any]:
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            loaded: dict[str, Any] = json.load(response)
            return loaded
    except (OSError, ValueError) as err:
        raise SystemExit(f"error: {url}: {err} (--offline uses the newest cached wheel)"
                         ) from err


def _wheel_of(release: dict[str, Any]) -> dict[str, Any]:
    for file in release["urls"]:
        if file["packagetype"] == "bdist_wheel":
            wheel: dict[str, Any] = file
            return wheel
    raise SystemExit(f"error: homeassistant {release['info']['version']} has no wheel on PyPI")


def fetch_wheel(version: str | None, offline: bool) -> tuple[str, Path]:
    """(version, path) of the wheel: ``version`` or the newest release, cached."""
    CACHE.mkdir(parents=True, exist_ok=True)
    if offline:
        cached = sorted(CACHE.glob("homeassistant-*.whl"), key=_wheel_version_key)
        if version:
            cached = [p for p in cached if _wheel_version(p) == version]
        if not cached:
            raise SystemExit(f"error: --offline and no cached wheel in {CACHE}")
        return _wheel_version(cached[-1]), cached[-1]
    index = f"{PYPI}/{version}/json" if version else f"{PYPI}/json"
    release = _get_json(index)
    version = str(release["info"]["version"])
    wheel = _wheel_of(release)
    url = urllib.parse.urljoin(index, wheel["url"])  # mirrors may answer relative URLs
    path = CACHE / wheel["filename"]
    if not path.exists():
        print(f"downloading {wheel['filename']} ({wheel['size'] / 1e6:.0f} MB)", file=sys.stderr)
        partial = path.with_suffix(".part")
        digest = hashlib.sha256()
        with urllib.request.urlopen(url, timeout=300) as response, partial.open(
            "wb"
        ) as out:
            while chunk := response.read(1 << 20):
                digest.update(chunk)
                out.write(chunk)
        if digest.hexdigest() != wheel["digests"]["sha256"]:
            partial.unlink()
            raise SystemExit(f"error: {wheel['filename']}: sha256 does not match PyPI's")
        partial.rename(path)
    return version, path


def _wheel_version(path: Path) -> str:
    return path.name.split("-")[1]


def _wheel_version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", _wheel_version(path)))


class Wheel:
    """The wheel's Python source, parsed on demand."""

    def __init__(self, path: Path) -> None:
        self.zip = zipfile.ZipFile(path)
        self.names = set(self.zip.namelist())
        self._modules: dict[str, Module | None] = {}
        self.patched_syntax = 0

    def path_of(self, module: str) -> str | None:
        base = module.replace(".", "/")
        for candidate in (f"{base}.py", f"{base}/__init__.py"):
            if candidate in self.names:
                return candidate
        return None

    def module(self, name: str) -> Module | None:
        if name not in self._modules:
            path = self.path_of(name)
            self._modules[name] = None if path is None else Module(self, name, path)
        return self._modules[name]

    def parse(self, path: str) -> ast.Module:
        source = self.zip.read(path).decode()
        try:
            return ast.parse(source)
        except SyntaxError:
            self.patched_syntax += 1
            return ast.parse(_PEP758.sub(r"\1except\2 (\3):", source))

    def metadata(self, header: str) -> list[str]:
        meta = next(n for n in self.names if n.endswith(".dist-info/METADATA"))
        prefix = f"{header}: "
        return [line[len(prefix):] for line in self.zip.read(meta).decode().splitlines()
                if line.startswith(prefix)]


@dataclass
class Symbol:
    """A name defined in a wheel module."""

    module: Module
    qualname: str
    node: ast.AST | None  # None: a submodule
    type_checking_only: bool = False

    @property
    def key(self) -> str:
        return f"{self.module.name}:{self.qualname}"


@dataclass
class Marker:
    """A deprecation marker on an API."""

    api: str  # module:qualname
    what: str
    version: str | None
    condition: str | None  # source of the enclosing test; None = unconditional
    line: int
    # The parameters of the function the condition is written in, to evaluate it.
    signature: ast.arguments | None = field(default=None, compare=False)

    @property
    def key(self) -> str:
        return f"{self.api}:{self.version}"

    def applies(self, use: Use) -> bool:
        """False only when the condition is ``<param> is [not] None`` and the call at
        ``use`` settles it (a constant argument, or the parameter's default)."""
        if self.condition is None or use.arguments is None or self.signature is None:
            return True
        try:
            test = ast.parse(self.condition, mode="eval").body
        except SyntaxError:
            return True
        negate = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
        if negate:
            assert isinstance(test, ast.UnaryOp)
            test = test.operand
        if not (isinstance(test, ast.Compare) and isinstance(test.left, ast.Name)
                and len(test.ops) == 1 and isinstance(test.ops[0], ast.Is | ast.IsNot)
                and isinstance(test.comparators[0], ast.Constant)
                and test.comparators[0].value is None):
            return True
        value = _argument(self.signature, test.left.id, use.arguments)
        if value is _UNKNOWN:
            return True
        holds = (value is None) == isinstance(test.ops[0], ast.Is)
        return holds != negate


_UNKNOWN = object()


def _argument(signature: ast.arguments, name: str, arguments: dict[str, object]) -> object:
    """The value parameter ``name`` gets from a call's constant ``arguments``."""
    positional = [a.arg for a in [*signature.posonlyargs, *signature.args]]
    if positional and positional[0] in ("self", "cls"):
        positional = positional[1:]
    if name in arguments:
        return arguments[name]
    if name in positional and f"#{positional.index(name)}" in arguments:
        return arguments[f"#{positional.index(name)}"]
    if any(key.startswith("**") for key in arguments):
        return _UNKNOWN
    every = [*signature.posonlyargs, *signature.args]
    defaults = dict(zip([a.arg for a in every[len(every) - len(signature.defaults):]],
                        signature.defaults, strict=True))
    defaults |= {a.arg: d for a, d in zip(signature.kwonlyargs, signature.kw_defaults,
                                          strict=True) if d is not None}
    default = defaults.get(name)
    if isinstance(default, ast.Constant):
        return default.value
    return _UNKNOWN


class Module:
    """Top-level names of one wheel module, and where they come from."""

    def __init__(self, wheel: Wheel, name: str, path: str) -> None:
        self.wheel = wheel
        self.name = name
        self.is_package = path.endswith("__init__.py")
        self.tree = wheel.parse(path)
        self.defs: dict[str, tuple[ast.AST, bool]] = {}
        # name -> (module, its name there or None for the module itself, type-checking only)
        self.imports: dict[str, tuple[str, str | None, bool]] = {}
        self.star: list[str] = []
        self._collect(self.tree.body, False)
        self._reporters: dict[str, list[Marker]] | None = None

    def _absolute(self, node: ast.ImportFrom) -> str:
        if not node.level:
            return node.module or ""
        parts = self.name.split(".")
        base = parts if self.is_package else parts[:-1]
        base = base[: len(base) - node.level + 1]
        return ".".join([*base, *([node.module] if node.module else [])])

    def _collect(self, body: list[ast.stmt], type_checking: bool) -> None:
        for stmt in body:
            if isinstance(stmt, ast.If):
                guarded = type_checking or "TYPE_CHECKING" in ast.unparse(stmt.test)
                self._collect(stmt.body, guarded)
                self._collect(stmt.orelse, type_checking)
            elif isinstance(stmt, ast.Try):
                for block in (stmt.body, stmt.orelse, stmt.finalbody,
                              *(h.body for h in stmt.handlers)):
                    self._collect(block, type_checking)
            elif isinstance(stmt, ast.With):
                self._collect(stmt.body, type_checking)
            elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
                self.defs.setdefault(stmt.name, (stmt, type_checking))
                if not type_checking:
                    self.defs[stmt.name] = (stmt, False)
            elif isinstance(stmt, ast.Assign | ast.AnnAssign | ast.TypeAlias):
                if isinstance(stmt, ast.Assign):
                    targets = stmt.targets
                else:
                    targets = [stmt.name if isinstance(stmt, ast.TypeAlias) else stmt.target]
                for target in targets:
                    for name in ast.walk(target):
                        if isinstance(name, ast.Name):
                            self.defs[name.id] = (stmt, type_checking)
            elif isinstance(stmt, ast.ImportFrom):
                source = self._absolute(stmt)
                for alias in stmt.names:
                    if alias.name == "*":
                        self.star.append(source)
                    elif not type_checking or (alias.asname or alias.name) not in self.imports:
                        self.imports[alias.asname or alias.name] = (source, alias.name,
                                                                    type_checking)
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    bound = alias.asname or alias.name.split(".")[0]
                    module = alias.name if alias.asname else alias.name.split(".")[0]
                    self.imports[bound] = (module, None, type_checking)

    @property
    def dynamic(self) -> bool:
        """A module-level ``__getattr__`` that may make up names (Home Assistant's
        ``partial(check_if_deprecated_constant, ...)`` only serves ``_DEPRECATED_*``)."""
        node = self.defs.get("__getattr__", (None, False))[0]
        return node is not None and "check_if_deprecated_constant" not in ast.unparse(node)

    def lookup(self, name: str, seen: frozenset[str] = frozenset()) -> Symbol | None:
        """The symbol ``name`` of this module, following re-exports."""
        if self.name in seen:
            return None
        seen = seen | {self.name}
        if name in self.defs:
            node, guarded = self.defs[name]
            return Symbol(self, name, node, guarded)
        if name in self.imports:
            source, original, guarded = self.imports[name]
            found = self._imported(source, original, seen)
            if found is not None and guarded:
                found.type_checking_only = True
            return found
        if (sub := self.wheel.module(f"{self.name}.{name}")) is not None:
            return Symbol(sub, "", None)
        for source in self.star:
            if (origin := self.wheel.module(source)) and (found := origin.lookup(name, seen)):
                return found
        return None

    def _imported(self, source: str, original: str | None, seen: frozenset[str]
                  ) -> Symbol | None:
        if original is None:
            target = self.wheel.module(source)
            return Symbol(target, "", None) if target else None
        if (sub := self.wheel.module(f"{source}.{original}")) is not None and (
            (mod := self.wheel.module(source)) is None or original not in mod.defs
        ):
            return Symbol(sub, "", None)
        if (origin := self.wheel.module(source)) is not None:
            return origin.lookup(original, seen)
        return None  # third-party: not ours to check

    def reporters(self) -> dict[str, list[Marker]]:
        """Module-level helpers that report (one call of indirection is followed)."""
        if self._reporters is None:
            self._reporters = {}
            for name, (node, _) in self.defs.items():
                if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                    found = list(_direct_markers(self, node, f"{self.name}:{name}", {}))
                    if found:
                        self._reporters[name] = found
        return self._reporters

    def deprecated_keywords(self) -> dict[str, str | None]:
        """Keyword -> version, from ``*DEPRECATED*`` tables of this module."""
        found: dict[str, str | None] = {}
        for name, (node, _) in self.defs.items():
            value = getattr(node, "value", None)
            if "DEPRECATED" in name.upper() and isinstance(value, ast.Dict):
                for key, item in zip(value.keys, value.values, strict=True):
                    if isinstance(key, ast.Constant) and isinstance(key.value, str):
                        found[key.value] = _first_version(item)
        return found


def _first_version(node: ast.AST) -> str | None:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Constant) and isinstance(sub.value, str) and (
            _VERSION.match(sub.value)
        ):
            return sub.value
    return None


def _call_name(node: ast.Call) -> str:
    func = node.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _what(node: ast.Call) -> str:
    if node.args:
        arg = node.args[0]
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            return arg.value
        return ast.unparse(arg)
    return ast.unparse(node)[:120]


def _keyword(node: ast.Call, name: str) -> str | None:
    for kw in node.keywords:
        if kw.arg == name:
            if isinstance(kw.value, ast.Constant) and isinstance(kw.value.value, str):
                return kw.value.value
            return f"<{ast.unparse(kw.value)}>"
    return None


def _constant(version: str | None) -> str | None:
    """The version if it was written down (``<expr>`` marks a computed one)."""
    return None if version is None or version.startswith("<") else version


def _direct_markers(
    module: Module, func: ast.FunctionDef | ast.AsyncFunctionDef, api: str,
    reporters: dict[str, list[Marker]],
) -> Iterator[Marker]:
    """Markers in ``func``'s own body (not nested functions), with their condition."""

    def visit(node: ast.AST, condition: str | None) -> Iterator[Marker]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                          | ast.ClassDef):
                continue
            cond = condition
            if isinstance(node, ast.If | ast.While) and child is not node.test:
                cond = ast.unparse(node.test) if child in node.body else (
                    f"not ({ast.unparse(node.test)})")
            elif isinstance(node, ast.For | ast.AsyncFor | ast.ExceptHandler | ast.Match):
                cond = condition or ast.unparse(node).splitlines()[0]
            elif isinstance(node, ast.IfExp | ast.BoolOp) and condition is None:
                cond = ast.unparse(node)[:100]
            if isinstance(child, ast.Call):
                name = _call_name(child)
                version = _keyword(child, "breaks_in_ha_version")
                if name in _REPORTERS:
                    yield Marker(api, _what(child), _constant(version), cond, child.lineno)
                elif version is not None and _constant(version):
                    # (a non-constant version here is a parameter passed on, not a report)
                    yield Marker(api, _what(child), version, cond, child.lineno)
                elif name == "warn" and "DeprecationWarning" in ast.unparse(child):
                    yield Marker(api, _what(child), None, cond, child.lineno)
                elif name in reporters:
                    for inner in reporters[name]:
                        yield Marker(api, inner.what, inner.version, cond or inner.condition,
                                     child.lineno)
            yield from visit(child, cond)

    for decorator in func.decorator_list:
        if isinstance(decorator, ast.Call) and _call_name(decorator) in _DEPRECATION_DECORATORS:
            yield Marker(api, ast.unparse(decorator), _keyword(decorator, "breaks_in_ha_version"),
                         None, decorator.lineno)
    for marker in visit(func, None):
        marker.signature = func.args
        yield marker


def markers_of(symbol: Symbol, member: str | None = None) -> list[Marker]:
    """Markers on ``symbol`` (or on its class member ``member``)."""
    module, node = symbol.module, symbol.node
    api = symbol.key + (f".{member}" if member else "")
    found: list[Marker] = []
    reporters = module.reporters()
    if node is None:
        return found
    if member is None:
        if (const := module.defs.get(f"_DEPRECATED_{symbol.qualname}")) is not None:
            value = getattr(const[0], "value", None)
            if isinstance(value, ast.Call) and _call_name(value) in _DEPRECATED_CONSTANTS:
                found.append(Marker(api, f"deprecated constant: {ast.unparse(value)[:100]}",
                                    _first_version(value), None, value.lineno))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found += _direct_markers(module, node, api, reporters)
        elif isinstance(node, ast.ClassDef):
            for decorator in node.decorator_list:
                if isinstance(decorator, ast.Call) and (
                    _call_name(decorator) in _DEPRECATION_DECORATORS):
                    found.append(Marker(api, ast.unparse(decorator),
                                        _keyword(decorator, "breaks_in_ha_version"), None,
                                        decorator.lineno))
            for init in ("__init__", "__post_init__", "__init_subclass__", "__new__"):
                if (method := _class_member(node, init)) is not None and isinstance(
                    method, ast.FunctionDef | ast.AsyncFunctionDef
                ):
                    found += _direct_markers(module, method, api, reporters)
        return found
    assert isinstance(node, ast.ClassDef)
    target = _class_member(node, member)
    if isinstance(target, ast.FunctionDef | ast.AsyncFunctionDef):
        found += _direct_markers(module, target, api, reporters)
    return found


def _class_member(node: ast.ClassDef, name: str) -> ast.AST | None:
    """A member defined in the class body (methods, annotations, assignments, any branch)."""
    found: ast.AST | None = None
    for stmt in _flatten(node.body):
        if isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            if stmt.name == name:
                is_setter = any(isinstance(d, ast.Attribute) and d.attr in ("setter", "deleter")
                                for d in stmt.decorator_list)
                found = found if (is_setter and found is not None) else stmt
        elif (isinstance(stmt, ast.AnnAssign) and isinstance(stmt.target, ast.Name)
              and stmt.target.id == name) or (isinstance(stmt, ast.Assign) and any(
                  isinstance(t, ast.Name) and t.id == name for t in stmt.targets)):
            found = found or stmt
    if found is None:
        # ``self.name: T = ...`` in a method declares an instance attribute too.
        for sub in ast.walk(node):
            if isinstance(sub, ast.AnnAssign) and isinstance(sub.target, ast.Attribute) and (
                sub.target.attr == name and isinstance(sub.target.value, ast.Name)
                and sub.target.value.id == "self"
            ):
                return sub
    return found


def _flatten(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for stmt in body:
        if isinstance(stmt, ast.If):
            yield from _flatten(stmt.body)
            yield from _flatten(stmt.orelse)
        elif isinstance(stmt, ast.Try):
            yield from _flatten(stmt.body)
            for handler in stmt.handlers:
                yield from _flatten(handler.body)
        else:
            yield stmt


def _self_attributes(node: ast.ClassDef) -> set[str]:
    """``self.x = ...`` in any method: instance attributes the body does not declare."""
    return {
        target.attr
        for sub in ast.walk(node)
        if isinstance(sub, ast.Assign | ast.AnnAssign)
        for target in (sub.targets if isinstance(sub, ast.Assign) else [sub.target])
        if isinstance(target, ast.Attribute) and isinstance(target.value, ast.Name)
        and target.value.id == "self"
    }


# -- types, as far as annotations tell -------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """What an expression is: a wheel module, a wheel class or its instance, a callable."""

    kind: str  # "module", "class", "instance", "callable"
    symbol: Symbol = field(compare=False)
    member: str | None = None  # callable: a member of the class symbol


class Resolver:
    """Resolves expressions of the integration to wheel symbols."""

    def __init__(self, wheel: Wheel) -> None:
        self.wheel = wheel

    def bases(self, symbol: Symbol, depth: int = 0) -> Iterator[Symbol]:
        """The class and its wheel base classes, nearest first."""
        yield symbol
        node = symbol.node
        if depth > 20 or not isinstance(node, ast.ClassDef):
            return
        for base in node.bases:
            ref = self.annotation(symbol.module, base)
            if ref is not None and ref.kind in ("class", "instance"):
                yield from self.bases(ref.symbol, depth + 1)

    def member(self, cls: Symbol, name: str) -> tuple[Symbol, ast.AST] | None:
        for klass in self.bases(cls):
            if isinstance(klass.node, ast.ClassDef) and (
                (found := _class_member(klass.node, name)) is not None
            ):
                return klass, found
        return None

    def has_member(self, cls: Symbol, name: str) -> bool:
        return self.member(cls, name) is not None or any(
            isinstance(k.node, ast.ClassDef) and name in _self_attributes(k.node)
            for k in self.bases(cls)
        )

    def annotation(self, module: Module, node: ast.AST | None) -> Ref | None:
        """The class an annotation names (``X | None``, ``X[T]`` and strings unwrapped)."""
        if node is None:
            return None
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                node = ast.parse(node.value, mode="eval").body
            except SyntaxError:
                return None
        if isinstance(node, ast.BinOp):
            for side in (node.left, node.right):
                if not (isinstance(side, ast.Constant) and side.value is None):
                    return self.annotation(module, side)
            return None
        if isinstance(node, ast.Subscript):
            return self.annotation(module, node.value)
        ref = self.in_module(module, node)
        if ref is not None and isinstance(ref.symbol.node, ast.TypeAlias):
            return self.annotation(ref.symbol.module, ref.symbol.node.value)
        return ref

    def in_module(self, module: Module, node: ast.AST) -> Ref | None:
        """A name or dotted name, read in a wheel module's namespace."""
        if isinstance(node, ast.Name):
            symbol = module.lookup(node.id)
            return None if symbol is None else _ref(symbol)
        if isinstance(node, ast.Attribute):
            base = self.in_module(module, node.value)
            return None if base is None else self.attribute(base, node.attr)
        return None

    def attribute(self, base: Ref, name: str) -> Ref | None:
        if base.kind == "module":
            symbol = base.symbol.module.lookup(name)
            return None if symbol is None else _ref(symbol)
        if base.kind in ("class", "instance"):
            found = self.member(base.symbol, name)
            if found is None:
                return None
            owner, node = found
            if isinstance(node, ast.ClassDef):
                return _ref(Symbol(owner.module, node.name, node))
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                if any((isinstance(d, ast.Name) and d.id in ("property", "cached_property"))
                       or (isinstance(d, ast.Attribute) and d.attr == "cached_property")
                       for d in node.decorator_list):
                    ref = self.annotation(owner.module, node.returns)
                    return _instance(ref)
                return Ref("callable", owner, node.name)
            if isinstance(node, ast.AnnAssign):
                return _instance(self.annotation(owner.module, node.annotation))
        return None

    def returns(self, ref: Ref) -> Ref | None:
        """What calling ``ref`` gives."""
        if ref.kind == "class":
            return Ref("instance", ref.symbol)
        if ref.kind != "callable":
            return None
        symbol = ref.symbol
        node = symbol.node
        if ref.member is not None and isinstance(node, ast.ClassDef):
            node = _class_member(node, ref.member)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return _instance(self.annotation(symbol.module, node.returns))
        return None


def _ref(symbol: Symbol) -> Ref:
    if symbol.node is None:
        return Ref("module", symbol)
    if isinstance(symbol.node, ast.ClassDef):
        return Ref("class", symbol)
    if isinstance(symbol.node, ast.FunctionDef | ast.AsyncFunctionDef):
        return Ref("callable", symbol)
    return Ref("instance", symbol)  # a constant or alias: its value is not followed


def _instance(ref: Ref | None) -> Ref | None:
    if ref is None:
        return None
    return Ref("instance", ref.symbol) if ref.kind == "class" else ref


# -- the integration ------------------------------------------------------------------------


@dataclass
class Use:
    """One place the integration uses a wheel API."""

    where: str  # file:line
    api: Symbol
    member: str | None = None
    # For a call: the arguments written as constants (name -> value), and the
    # keyword names passed at all; None when not a call.
    arguments: dict[str, object] | None = None
    waived: str | None = None  # the ``# compat:`` reason on the line, if any


@dataclass
class Report:
    missing: list[str] = field(default_factory=list)
    unresolved: list[str] = field(default_factory=list)
    uses: list[Use] = field(default_factory=list)
    keyword_markers: list[tuple[str, Marker]] = field(default_factory=list)
    third_party: set[str] = field(default_factory=set)
    imports: int = 0


class Scanner:
    """Walks the integration's modules and records every wheel API they use."""

    def __init__(self, wheel: Wheel, integration: Path = INTEGRATION) -> None:
        self.wheel = wheel
        self.resolver = Resolver(wheel)
        self.report = Report()
        self.root = integration.parent.parent
        self.trees = {
            self._module_name(path): (path, ast.parse(path.read_text()))
            for path in sorted(integration.rglob("*.py"))
        }
        self._spaces: dict[str, dict[str, Ref | None]] = {}
        self._lines = {path.relative_to(self.root): path.read_text().splitlines()
                       for path, _ in self.trees.values()}
        # Attributes the integration's own classes define: ``self.<one of them>`` is ours.
        self.own = {
            name
            for _, tree in self.trees.values()
            for klass in ast.walk(tree) if isinstance(klass, ast.ClassDef)
            for name in (_self_attributes(klass) | {
                getattr(stmt, "name", None) or ast.unparse(getattr(stmt, "target", stmt))
                for stmt in klass.body})
        }

    def _module_name(self, path: Path) -> str:
        parts = path.relative_to(self.root).with_suffix("").parts
        return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)

    def run(self) -> Report:
        for name, (path, tree) in self.trees.items():
            self._scan_imports(path, tree)
            self._walk_scope(path.relative_to(self.root), tree.body, self._namespace(name), {})
        return self.report

    def _namespace(self, name: str) -> dict[str, Ref | None]:
        """Module-level names as wheel refs: imports, type aliases, and our classes (as
        their nearest wheel base class)."""
        if name in self._spaces:
            return self._spaces[name]
        space: dict[str, Ref | None] = {}
        self._spaces[name] = space  # import cycles see a partial namespace
        path, tree = self.trees[name]
        for stmt in ast.walk(tree):
            if isinstance(stmt, ast.ImportFrom):
                source = _absolute(name, path.name == "__init__.py", stmt)
                for alias in stmt.names:
                    bound = alias.asname or alias.name
                    if source.split(".")[0] == "homeassistant":
                        space[bound] = self._wheel_ref(source, alias.name)
                    elif source in self.trees:
                        space[bound] = self._namespace(source).get(alias.name)
                    elif f"{source}.{alias.name}" in self.trees:
                        space[bound] = None  # one of our modules
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    if alias.name.split(".")[0] == "homeassistant":
                        target = alias.name if alias.asname else "homeassistant"
                        module = self.wheel.module(target)
                        space[alias.asname or "homeassistant"] = (
                            Ref("module", Symbol(module, "", None)) if module else None)
        for stmt in tree.body:
            if isinstance(stmt, ast.TypeAlias) and isinstance(stmt.name, ast.Name):
                space[stmt.name.id] = self._expression(stmt.value, space, {})
            elif isinstance(stmt, ast.ClassDef):
                bases = (self._expression(base, space, {}) for base in stmt.bases)
                space[stmt.name] = next((b for b in bases if b and b.kind == "class"), None)
        return space

    def _wheel_ref(self, module: str, name: str) -> Ref | None:
        source = self.wheel.module(module)
        if source is None:
            return None
        symbol = source.lookup(name)
        return None if symbol is None else _ref(symbol)

    def _scan_imports(self, path: Path, tree: ast.Module) -> None:
        rel = path.relative_to(self.root)
        for stmt in ast.walk(tree):
            if isinstance(stmt, ast.ImportFrom) and not stmt.level and stmt.module:
                top = stmt.module.split(".")[0]
                if top == "homeassistant":
                    for alias in stmt.names:
                        self._check_import(f"{rel}:{stmt.lineno}", stmt.module, alias.name)
                elif top not in sys.stdlib_module_names and top != "custom_components":
                    self.report.third_party.add(top)
            elif isinstance(stmt, ast.Import):
                for alias in stmt.names:
                    top = alias.name.split(".")[0]
                    if top == "homeassistant":
                        self._check_import(f"{rel}:{stmt.lineno}", alias.name, None)
                    elif top not in sys.stdlib_module_names:
                        self.report.third_party.add(top)

    def _check_import(self, where: str, module: str, name: str | None) -> None:
        self.report.imports += 1
        source = self.wheel.module(module)
        if source is None:
            self.report.missing.append(f"{where}: module {module} is gone")
            return
        if name is None:
            return
        symbol = source.lookup(name)
        if symbol is None:
            if (const := source.defs.get(f"_DEPRECATED_{name}")) is not None:
                self.report.uses.append(Use(where, Symbol(source, name, const[0])))
            elif source.dynamic:
                self.report.unresolved.append(f"{where}: {module}.{name} (module __getattr__)")
            else:
                self.report.missing.append(f"{where}: {module} has no {name}")
            return
        if symbol.type_checking_only:
            self.report.missing.append(f"{where}: {module}.{name} exists for type checkers only")
            return
        self.report.uses.append(Use(where, symbol))

    def _walk_scope(
        self, rel: Path, body: list[ast.stmt], space: dict[str, Ref | None],
        local: dict[str, Ref | None], klass: Ref | None = None,
    ) -> None:
        """One scope (module, class or function body), with the types it knows."""
        local = dict(local)
        for stmt in body:
            if isinstance(stmt, ast.ClassDef):
                bases = [self._expression(b, space, local) for b in stmt.bases]
                wheel_base = next((b for b in bases if b and b.kind == "class"), None)
                self._visit(rel, [*stmt.bases, *stmt.decorator_list], space, local)
                self._walk_scope(rel, stmt.body, space, local, wheel_base)
            elif isinstance(stmt, ast.FunctionDef | ast.AsyncFunctionDef):
                self._walk_function(rel, stmt, space, local, klass)
            else:
                self._learn(stmt, space, local)
                self._visit(rel, [stmt], space, local)

    def _walk_function(
        self, rel: Path, func: ast.FunctionDef | ast.AsyncFunctionDef,
        space: dict[str, Ref | None], local: dict[str, Ref | None], klass: Ref | None,
    ) -> None:
        inner = dict(local)
        args = func.args
        for index, arg in enumerate([*args.posonlyargs, *args.args, *args.kwonlyargs]):
            if index == 0 and klass is not None and arg.arg in ("self", "cls"):
                inner[arg.arg] = Ref("instance", klass.symbol)
            elif arg.annotation is not None:
                inner[arg.arg] = _instance(self._expression(arg.annotation, space, local))
        defaults = [*args.defaults, *(d for d in args.kw_defaults if d is not None)]
        self._visit(rel, [*func.decorator_list, *defaults], space, local)
        self._walk_scope(rel, func.body, space, inner)

    def _learn(self, stmt: ast.stmt, space: dict[str, Ref | None],
               local: dict[str, Ref | None]) -> None:
        """Local names whose type an assignment or annotation gives (flow-insensitive)."""
        for sub in _statements(stmt):
            if isinstance(sub, ast.AnnAssign) and isinstance(sub.target, ast.Name):
                local[sub.target.id] = _instance(self._expression(sub.annotation, space, local))
            elif isinstance(sub, ast.Assign) and len(sub.targets) == 1 and isinstance(
                sub.targets[0], ast.Name
            ):
                local[sub.targets[0].id] = self._expression(sub.value, space, local)
            elif isinstance(sub, ast.With | ast.AsyncWith):
                for item in sub.items:
                    if isinstance(item.optional_vars, ast.Name):
                        local[item.optional_vars.id] = None
            for expr in ast.walk(sub):
                if isinstance(expr, ast.NamedExpr) and isinstance(expr.target, ast.Name):
                    local[expr.target.id] = self._expression(expr.value, space, local)

    def _expression(self, node: ast.AST, space: dict[str, Ref | None],
                    local: dict[str, Ref | None]) -> Ref | None:
        resolver = self.resolver
        if isinstance(node, ast.Name):
            return local[node.id] if node.id in local else space.get(node.id)
        if isinstance(node, ast.Attribute):
            base = self._expression(node.value, space, local)
            return None if base is None else resolver.attribute(base, node.attr)
        if isinstance(node, ast.Call):
            func = self._expression(node.func, space, local)
            return None if func is None else resolver.returns(func)
        if isinstance(node, ast.Await | ast.Subscript):
            return self._expression(node.value, space, local)
        if isinstance(node, ast.BinOp):
            return self._expression(node.left, space, local) or self._expression(
                node.right, space, local)
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            try:
                return self._expression(ast.parse(node.value, mode="eval").body, space, local)
            except SyntaxError:
                return None
        return None

    def _waiver(self, rel: Path, line: int) -> str | None:
        """The reason in a ``# compat: <reason>`` comment on ``line`` or the line above."""
        lines = self._lines[rel]
        for text in lines[max(line - 2, 0):line]:
            if "# compat:" in text:
                return text.split("# compat:", 1)[1].strip()
        return None

    def _use(self, rel: Path, line: int, symbol: Symbol, member: str | None = None,
             arguments: dict[str, object] | None = None) -> None:
        self.report.uses.append(Use(f"{rel}:{line}", symbol, member, arguments,
                                    self._waiver(rel, line)))

    def _visit(self, rel: Path, roots: list[ast.AST], space: dict[str, Ref | None],
               local: dict[str, Ref | None]) -> None:
        """Record the wheel APIs the expressions under ``roots`` use."""
        stack = list(roots)
        called: set[int] = set()  # attributes recorded with their call's arguments
        while stack:
            node = stack.pop()
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                self._walk_function(rel, node, space, local, None)
                continue
            if isinstance(node, ast.ClassDef):
                self._walk_scope(rel, [node], space, local)
                continue
            if isinstance(node, ast.Attribute) and id(node) not in called:
                self._attribute_use(rel, node, space, local)
            elif isinstance(node, ast.Call) and self._call_use(rel, node, space, local):
                called.add(id(node.func))
            stack.extend(ast.iter_child_nodes(node))

    def _attribute_use(self, rel: Path, node: ast.Attribute, space: dict[str, Ref | None],
                       local: dict[str, Ref | None]) -> None:
        if isinstance(node.value, ast.Name) and node.value.id in ("self", "cls") and (
            node.attr in self.own
        ):
            return  # the integration's own attribute (or its override)
        base = self._expression(node.value, space, local)
        if base is None:
            return
        where = f"{rel}:{node.lineno}"
        if base.kind == "module":
            module = base.symbol.module
            symbol = module.lookup(node.attr)
            if symbol is not None:
                self._use(rel, node.lineno, symbol)
            elif (const := module.defs.get(f"_DEPRECATED_{node.attr}")) is not None:
                self._use(rel, node.lineno, Symbol(module, node.attr, const[0]))
            else:
                (self.report.unresolved if module.dynamic else self.report.missing).append(
                    f"{where}: {module.name} has no {node.attr}")
        elif base.kind in ("class", "instance") and isinstance(base.symbol.node, ast.ClassDef):
            found = self.resolver.member(base.symbol, node.attr)
            if found is not None:
                self._use(rel, node.lineno, found[0], node.attr)
            elif node.attr not in self.own and not self.resolver.has_member(
                base.symbol, node.attr
            ):
                self.report.unresolved.append(
                    f"{where}: no {node.attr} in the source of {base.symbol.key}")

    def _call_use(self, rel: Path, node: ast.Call, space: dict[str, Ref | None],
                  local: dict[str, Ref | None]) -> bool:
        """Record a call of a wheel method with its arguments; True when recorded."""
        func = self._expression(node.func, space, local)
        if func is None:
            return False
        self._deprecated_keywords(rel, node, func)
        if not isinstance(node.func, ast.Attribute) or func.kind != "callable" or (
            func.member is None
        ):
            return False
        arguments: dict[str, object] = {}
        for index, arg in enumerate(node.args):
            if isinstance(arg, ast.Starred):
                arguments["**"] = _UNKNOWN
                break
            arguments[f"#{index}"] = arg.value if isinstance(arg, ast.Constant) else _UNKNOWN
        for kw in node.keywords:
            key = kw.arg if kw.arg is not None else "**"
            arguments[key] = kw.value.value if isinstance(kw.value, ast.Constant) else _UNKNOWN
        self._use(rel, node.lineno, func.symbol, func.member, arguments)
        return True

    def _deprecated_keywords(self, rel: Path, node: ast.Call, func: Ref) -> None:
        deprecated = func.symbol.module.deprecated_keywords()
        api = func.symbol.key + (f".{func.member}" if func.member else "")
        for kw in node.keywords:
            if kw.arg is not None and kw.arg in deprecated:
                self.report.keyword_markers.append((f"{rel}:{node.lineno}", Marker(
                    api, f"deprecated keyword {kw.arg}=", deprecated[kw.arg], None,
                    node.lineno)))


def _statements(stmt: ast.stmt) -> Iterator[ast.stmt]:
    """``stmt`` and the statements nested in it, not entering functions or classes."""
    yield stmt
    for name in ("body", "orelse", "finalbody"):
        for inner in getattr(stmt, name, None) or []:
            if isinstance(inner, ast.stmt) and not isinstance(
                inner, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef
            ):
                yield from _statements(inner)
    for handler in getattr(stmt, "handlers", None) or []:
        for inner in handler.body:
            yield from _statements(inner)
    for case in getattr(stmt, "cases", None) or []:
        for inner in case.body:
            yield from _statements(inner)


def _absolute(name: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    parts = name.split(".")
    base = parts if is_package else parts[:-1]
    base = base[: len(base) - node.level + 1]
    return ".".join([*base, *([node.module] if node.module else [])])


# -- verdict --------------------------------------------------------------------------------


def _breaks_by(version: str | None, cutoff: dt.date) -> bool:
    if version is None or not (match := _VERSION.match(version)):
        return False
    year, month = int(match.group(1)), int(match.group(2))
    return dt.date(year, month, 1) <= cutoff


def _add_months(day: dt.date, months: int) -> dt.date:
    month = day.month - 1 + months
    return dt.date(day.year + month // 12, month % 12 + 1, min(day.day, 28))


@dataclass
class Finding:
    """A marker and the places the integration reaches it."""

    marker: Marker
    applies: set[str] = field(default_factory=set)  # call sites it can fire from
    settled: set[str] = field(default_factory=set)  # call sites whose arguments rule it out
    waived: dict[str, str] = field(default_factory=dict)  # site -> our ``# compat:`` reason

    def verdict(self, cutoff: dt.date) -> tuple[str, bool]:
        """(label, fails)."""
        marker = self.marker
        if not self.applies:
            return ("ours" if self.waived else "n/a", False)
        if not _breaks_by(marker.version, cutoff):
            return ("later" if marker.version else "no date", False)
        if marker.condition and marker.key in REVIEWED:
            return ("REVIEWED", False)
        return ("FAIL", True)


def collect(report: Report) -> list[Finding]:
    findings: dict[tuple[str, int, str], Finding] = {}
    for use in report.uses:
        for marker in markers_of(use.api, use.member):
            finding = findings.setdefault((marker.api, marker.line, marker.what),
                                          Finding(marker))
            if use.waived:
                finding.waived[use.where] = use.waived
            elif marker.applies(use):
                finding.applies.add(use.where)
            else:
                finding.settled.add(use.where)
    for where, marker in report.keyword_markers:
        findings.setdefault((marker.api, marker.line, marker.what),
                            Finding(marker)).applies.add(where)
    return sorted(findings.values(),
                  key=lambda f: (f.marker.version or "9999", f.marker.api, f.marker.line))


def _sites(sites: set[str]) -> str:
    listed = sorted(sites)
    return ", ".join(listed[:5]) + (f" (+{len(listed) - 5})" if len(listed) > 5 else "")


def missing_internals(wheel: Wheel) -> list[str]:
    """The :data:`INTERNALS` whose text no module of the wheel's package has any more."""
    gone: list[str] = []
    for package, text, why in INTERNALS:
        folder = package.replace(".", "/") + "/"
        if not any(text in wheel.zip.read(name).decode() for name in sorted(wheel.names)
                   if name.startswith(folder) and name.endswith(".py")):
            gone.append(f"{package} no longer has {text}: {why}")
    return gone


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--version", help="check this release instead of the newest")
    parser.add_argument("--wheel", type=Path, help="check this wheel file")
    parser.add_argument("--offline", action="store_true", help="use the newest cached wheel")
    parser.add_argument("--months", type=int, default=12,
                        help="fail on markers breaking within this many months (12)")
    parser.add_argument("--integration", type=Path, default=INTEGRATION,
                        help="the integration folder to check (default: this checkout's)")
    parser.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today(),
                        help=argparse.SUPPRESS)  # for the tests: a fixed clock
    parser.add_argument("-v", "--verbose", action="store_true",
                        help="also list the uses whose API could not be followed")
    args = parser.parse_args(argv)

    if args.wheel:
        version, path = _wheel_version(args.wheel), args.wheel
    else:
        version, path = fetch_wheel(args.version, args.offline)
    today: dt.date = args.today
    cutoff = _add_months(today, args.months)
    wheel = Wheel(path)
    report = Scanner(wheel, args.integration.resolve()).run()
    findings = collect(report)

    print(f"Home Assistant {version} ({path.name}), checked {today}")
    print(f"  {report.imports} imports from homeassistant.* and {len(report.uses)} uses of "
          f"its APIs in {args.integration}")
    failures = [f"missing: {line}" for line in report.missing]
    failures += [f"internal gone: {line}" for line in missing_internals(wheel)]
    if findings:
        print("\ndeprecation markers on APIs the integration uses:")
    for finding in findings:
        marker = finding.marker
        label, fails = finding.verdict(cutoff)
        print(f"  [{label}] {marker.api} (breaks {marker.version or '?'}): {marker.what}")
        if marker.condition:
            print(f"      only when: {marker.condition}")
        if label == "REVIEWED":
            print(f"      reviewed: {REVIEWED[marker.key]}")
        if finding.applies:
            print(f"      used at: {_sites(finding.applies)}")
        if finding.settled:
            print(f"      ruled out by the arguments at: {_sites(finding.settled)}")
        for site, reason in sorted(finding.waived.items()):
            print(f"      feature-detected fallback at {site}: {reason}")
        if fails:
            failures.append(f"{marker.api} breaks in {marker.version}: {marker.what[:90]}")
    for key in sorted(set(REVIEWED) - {f.marker.key for f in findings}):
        print(f"  note: REVIEWED entry {key} matches no marker any more; remove it")
    if report.unresolved:
        print(f"\n{len(set(report.unresolved))} attribute uses could not be followed to a "
              "definition (typed as a base class, or set at run time)"
              + (":" if args.verbose else "; -v lists them"))
        if args.verbose:
            for line in sorted(set(report.unresolved)):
                print(f"  {line}")
    _third_party(wheel, report.third_party)
    if wheel.patched_syntax:
        print(f"  ({wheel.patched_syntax} wheel modules use Python 3.14 syntax; read after "
              "rewriting `except A, B:`)")
    if failures:
        print(f"\nFAILED against Home Assistant {version} (cutoff {cutoff}):")
        for line in failures:
            print(f"  {line}")
        return 1
    print(f"\nOK against Home Assistant {version}: nothing missing, nothing breaking by "
          f"{cutoff}.")
    return 0


def _third_party(wheel: Wheel, imported: set[str]) -> None:
    """Packages the integration imports that this release no longer brings itself."""
    requires = {re.split(r"[<>=!~; \[]", r, maxsplit=1)[0].lower().replace("-", "_")
                for r in wheel.metadata("Requires-Dist")}
    init = wheel.zip.read("homeassistant/__init__.py").decode()
    for top in sorted(imported):
        if top.lower() in requires:
            continue
        aliased = re.search(rf"\b(install_as_{top}|alias_{top})\b", init)
        how = f"aliased by homeassistant/__init__.py ({aliased.group(1)})" if aliased else (
            "not a direct requirement of homeassistant (a dependency's, or manifest.json's)")
        print(f"  import {top}: {how}")


if __name__ == "__main__":
    sys.exit(main())
