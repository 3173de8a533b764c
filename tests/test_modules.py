"""The code's own shape: no import cycle in an app, no lazy import hiding one, no dead task, no lost file name."""

import ast
import re
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings

ROOT = Path(__file__).resolve().parent.parent
APPS = ("contacts", "turf", "candidates", "dashboard")
CODE = ("config", "lib", "leaders", "contacts", "turf", "events", "candidates", "dashboard", "bench", "tests")
# A path to a file of the repository, a template or a static file: "contacts/voterfile/load.py".
NAMED_FILE = re.compile(r"(?<![\w/.-])((?:[\w-]+/)+[\w.-]+\.(?:py|html|txt|js|css))\b")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules(app: str) -> dict[str, ast.Module]:
    """Return every module of an app but its migrations and tests, parsed."""
    return {
        _module_name(path): ast.parse(path.read_text(), str(path))
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
    }


def _imported(node: ast.Import | ast.ImportFrom, known: set[str]) -> set[str]:
    """Return the app's modules an import statement loads (a package's name counts as its __init__)."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif node.level:
        return set()  # the apps use absolute imports only
    else:
        base = node.module or ""
        names = [f"{base}.{alias.name}" for alias in node.names] + [base]
    return {name for name in names if name in known}


def _type_checking_only(tree: ast.Module) -> set[int]:
    """Return the line numbers of imports made only for type checkers."""
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            lines |= {
                inner.lineno for inner in ast.walk(node) if isinstance(inner, ast.Import | ast.ImportFrom)
            }
    return lines


def _graph(app: str) -> dict[str, set[str]]:
    """Return, for each module of the app, the app's modules it imports anywhere (functions too)."""
    modules = _modules(app)
    known = set(modules)
    graph = {}
    for name, tree in modules.items():
        skipped = _type_checking_only(tree)
        graph[name] = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import | ast.ImportFrom) and node.lineno not in skipped:
                graph[name] |= _imported(node, known) - {name}
    return graph


def _cycle(graph: dict[str, set[str]]) -> list[str]:
    """Return one import cycle of the graph as the modules along it, or [] if it has none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(module: str) -> list[str]:
        state[module] = 1
        path.append(module)
        for target in sorted(graph[module]):
            if state.get(target) == 1:
                return [*path[path.index(target) :], target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[module] = 2
        return []

    for module in sorted(graph):
        if module not in state and (found := visit(module)):
            return found
    return []


@pytest.mark.parametrize("app", APPS)
def test_no_module_of_an_app_imports_itself_back_through_others(app):
    assert _cycle(_graph(app)) == []


@pytest.mark.parametrize("app", APPS)
def test_an_app_imports_its_own_modules_at_the_top_of_the_module(app):
    lazy = []
    for name, tree in _modules(app).items():
        for function in ast.walk(tree):
            if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            # Django loads apps.py before any model: AppConfig.ready() is where an app may import its own.
            if name.endswith(".apps") and function.name == "ready":
                continue
            for node in ast.walk(function):
                if isinstance(node, ast.Import | ast.ImportFrom) and _imported(node, set(_modules(app))):
                    lazy.append(f"{name}:{node.lineno}")
    assert lazy == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert _cycle({"a": {"b"}, "b": set(), "c": {"a", "b"}}) == []


def _python_files() -> list[Path]:
    return [
        path
        for folder in CODE
        for path in sorted((ROOT / folder).rglob("*.py"))
        if "migrations" not in path.parts
    ]


def test_every_file_the_code_names_exists():
    missing = [
        f"{path.relative_to(ROOT)}: {name}"
        for path in _python_files()
        for name in NAMED_FILE.findall(path.read_text())
        if not any((base / name).exists() for base in (ROOT, ROOT / "templates", ROOT / "static"))
    ]
    assert missing == []


def test_every_task_is_queued_or_scheduled():
    scheduled = {entry["task"] for entry in settings.CELERY_BEAT_SCHEDULE.values()}
    source = "\n".join(path.read_text() for path in _python_files() if "tests" not in path.parts)
    unused = []
    for path in sorted(ROOT.glob("*/tasks.py")):
        module = _module_name(path)
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.FunctionDef) and any(
                "shared_task" in ast.unparse(d) for d in node.decorator_list
            ):
                queued = re.search(rf"\b{node.name}\.(delay|apply_async|s|si)\(", source)
                if f"{module}.{node.name}" not in scheduled and not queued:
                    unused.append(f"{module}.{node.name}")
    assert unused == []


def test_every_app_of_ours_holds_more_than_its_config():
    empty = []
    for config in apps.get_app_configs():
        folder = Path(config.path)
        if not folder.is_relative_to(ROOT):
            continue
        modules = [
            path
            for path in folder.rglob("*.py")
            if path.name not in ("__init__.py", "apps.py") and "migrations" not in path.parts
        ]
        if not modules:
            empty.append(config.name)
    assert empty == []
