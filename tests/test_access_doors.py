"""No view fetches a row by an id the user sent except through its model's door (`get_<thing>_for`).

Each views module is read as source (AST), not run: a bare fetch hides on the branch no test takes.
An id is user-supplied when it comes from a view's (or a helper's) arguments, `request.GET`,
`POST` or `body`, or a form's `cleaned_data`, directly or through a variable assigned from one.
A row a door returned is in scope, so what is read off it is not user-supplied any more. A fetch
is a `get_object_or_404`, or a `get`/`filter`/`in_bulk`/`Q` whose id argument (`pk`, `id`,
`…_id`, `…__pk`, with or without `__in`) is user-supplied.
"""

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
APPS = ("config", "contacts", "leaders", "turf", "events", "candidates", "field", "dashboard")
# Views modules, and the sub-domains' views split out of them (events/speaker_views.py, field/checkin.py).
VIEWS = sorted(
    {path for app in APPS for pattern in ("views*.py", "*_views.py") for path in (ROOT / app).glob(pattern)}
    | {ROOT / "field" / "checkin.py"}
)

DOOR = re.compile(r"^get_\w+_for$")
ID_ARGUMENT = re.compile(r"^(pk|id|\w+_id|\w+_pk|\w+__pk|\w+__id)(__in|__exact)?$")
# Calls whose answer is in scope whatever the user sent: a door, and a page of rows already scoped.
CLEANERS = re.compile(r"^(get_\w+_for|get_page)$")
FETCHES = {"get", "filter", "in_bulk", "get_object_or_404", "get_list_or_404", "Q"}
ALWAYS_BARE = {"get_object_or_404", "get_list_or_404"}
# Parameters that are never a user-supplied id: the request itself and the signed-in user.
TRUSTED_PARAMETERS = {"request", "user"}
REQUEST_INPUT = {"GET", "POST", "body", "FILES", "COOKIES", "headers"}


def _called_name(call: ast.Call) -> str:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return ""


class _Function(ast.NodeVisitor):
    """Follow user-supplied ids through one function's assignments and report bare fetches."""

    def __init__(self, function: ast.FunctionDef, path: Path) -> None:
        self.path = path if not path.is_relative_to(ROOT) else path.relative_to(ROOT)
        self.name = function.name
        arguments = function.args
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs]
        # A view's arguments come from its URL, and a helper's may come from a view.
        self.tainted = {argument.arg for argument in every} - TRUSTED_PARAMETERS
        self.found: list[str] = []

    def is_user_supplied(self, node: ast.AST) -> bool:
        for part in ast.walk(node):
            if isinstance(part, ast.Name) and part.id in self.tainted:
                return True
            if isinstance(part, ast.Attribute) and part.attr in REQUEST_INPUT | {"cleaned_data"}:
                return True
        return False

    def _taint(self, targets: list[ast.AST], value: ast.AST) -> None:
        # A door's answer is in scope: what is read off it is no longer the user's word.
        clean = isinstance(value, ast.Call) and bool(CLEANERS.match(_called_name(value)))
        for target in targets:
            for name in ast.walk(target):
                if isinstance(name, ast.Name):
                    if clean:
                        self.tainted.discard(name.id)
                    elif self.is_user_supplied(value):
                        self.tainted.add(name.id)

    def visit_Assign(self, node: ast.Assign) -> None:
        self.generic_visit(node)
        self._taint(node.targets, node.value)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        self.generic_visit(node)
        if node.value is not None:
            self._taint([node.target], node.value)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.generic_visit(node)
        self._taint([node.target], node.value)

    def visit_For(self, node: ast.For) -> None:
        self._taint([node.target], node.iter)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        self.generic_visit(node)
        name = _called_name(node)
        if name not in FETCHES:
            return
        by_id = [
            keyword.arg
            for keyword in node.keywords
            if keyword.arg and ID_ARGUMENT.match(keyword.arg) and self.is_user_supplied(keyword.value)
        ]
        if name == "in_bulk" and node.args and self.is_user_supplied(node.args[0]):
            by_id.append("id_list")
        if name in ALWAYS_BARE or by_id:
            where = f"{self.path}:{node.lineno} in {self.name}()"
            self.found.append(f"{where}: {name}({', '.join(by_id)})")


def bare_fetches(path: Path) -> list[str]:
    """Return each fetch by a user-supplied id in a module, outside its `get_<thing>_for` doors."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not DOOR.match(node.name):
            visitor = _Function(node, path)
            for statement in node.body:
                visitor.visit(statement)
            found += visitor.found
    return sorted(set(found))


def test_it_reads_every_views_module():
    assert {path.parent.name for path in VIEWS} >= {"contacts", "leaders", "turf", "events", "field"}


@pytest.mark.parametrize("path", VIEWS, ids=lambda path: str(path.relative_to(ROOT)))
def test_no_view_fetches_a_user_supplied_id_but_through_a_door(path):
    assert bare_fetches(path) == []


def _write(tmp_path: Path, source: str) -> Path:
    module = tmp_path / "views.py"
    module.write_text(source)
    return module


@pytest.mark.parametrize(
    "source",
    [
        "def view(request, pk):\n    return get_object_or_404(Turf, pk=pk)\n",
        "def view(request, pk):\n    return Turf.objects.get(pk=pk)\n",
        "def view(request, voter_id):\n    return Entry.objects.filter(voter_id=voter_id).first()\n",
        "def view(request):\n    return Voter.objects.filter(pk=request.POST['voter']).first()\n",
        "def view(request):\n    ids = form.cleaned_data['ids']\n    return Voter.objects.filter(pk__in=ids)\n",
        "def view(request, pk):\n    key = int(pk)\n    return Voter.objects.visible_to(request.user).get(pk=key)\n",
        "def view(request, pk):\n    return Attempt.objects.filter(Q(household_id=pk) | Q(voter=None))\n",
        "def view(request):\n    return Voter.objects.in_bulk(request.GET.getlist('id'))\n",
    ],
)
def test_it_catches_a_bare_fetch(tmp_path, source):
    assert bare_fetches(_write(tmp_path, source))


@pytest.mark.parametrize(
    "source",
    [
        "def view(request, pk):\n    turf = get_turf_for(request.user, pk)\n"
        "    return Entry.objects.filter(turf=turf, voter_id=turf.leader_id)\n",
        "def get_turf_for(user, pk):\n    return Turf.objects.visible_to(user).get(pk=pk)\n",
        "def view(request):\n    return Turf.objects.filter(leader_id=request.user.pk)\n",
    ],
)
def test_it_lets_a_door_and_what_it_returned_through(tmp_path, source):
    assert bare_fetches(_write(tmp_path, source)) == []
