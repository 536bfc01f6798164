"""The layer order of clinic_app, as README.md ("How the code is laid out") states it: a module
imports only from its own layer or the layers below. Read from the package's own source with
ast (no import runs), so an upward import fails here before it becomes a tangle.

Lowest first. Domains in one layer may use each other (their models name each other's tables).
Pages are every web area, the command-line entry points, and a domain's own views.py or
*_views.py: a page may use any domain's services, models and forms. create_app
(clinic_app/__init__.py) wires everything and is above them all.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "clinic_app"

LAYERS = [
    ("core", ["clock", "extensions", "write_lock", "errors", "ids", "text", "form_base", "headers"]),
    ("geo", ["geo"]),
    ("notifications", ["notifications"]),
    ("people and places", ["accounts", "clinics", "patients"]),
    ("audit", ["audit"]),
    ("demand", ["demand"]),
    ("scheduling", ["scheduling"]),
    ("care", ["treatments", "waitlist", "screening"]),
    ("adherence", ["adherence"]),
    ("rollout", ["rollout"]),
    ("reporting", ["reporting"]),
    ("interoperability", ["fhir"]),
    ("pages", ["public", "booking", "portal", "practice", "headoffice", "admin", "api", "sms", "demo", "backup"]),
]
# (importer, imported): why a lower layer may import a higher one here. Keep this short.
EXCEPTIONS: dict[tuple[str, str], str] = {}


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> int:
    """The index in LAYERS; pages for a domain's views; len(LAYERS) for create_app."""
    if module == "clinic_app":
        return len(LAYERS)
    if module.rsplit(".", 1)[-1].endswith("views"):
        return len(LAYERS) - 1
    top = module.split(".")[1]
    for index, (_, names) in enumerate(LAYERS):
        if top in names:
            return index
    raise AssertionError(f"{module} is in no layer: add its package to LAYERS in tests/test_layers.py and README.md")


def imports_of(module: str) -> set[str]:
    """The clinic_app modules it imports, anywhere in it (in functions too); `from a import b`
    counts as importing a.b when b is a module."""
    found = set()
    for node in ast.walk(ast.parse(MODULES[module].read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("clinic_app")}
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("clinic_app"):
            for alias in node.names:
                submodule = f"{node.module}.{alias.name}"
                found.add(submodule if submodule in MODULES else node.module)
    return found


def private_names_imported(module: str) -> list[str]:
    return [f"{node.module}.{alias.name}" for node in ast.walk(ast.parse(MODULES[module].read_text()))
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("clinic_app")
            for alias in node.names if alias.name.startswith("_")]


def describe(module: str) -> str:
    index = layer_of(module)
    return f"{module} ({LAYERS[index][0] if index < len(LAYERS) else 'create_app'})"


def test_every_module_is_in_a_layer():
    for module in MODULES:
        layer_of(module)


def test_no_module_imports_from_a_higher_layer():
    upward = [
        f"{describe(module)} imports {describe(imported)}"
        for module in MODULES for imported in sorted(imports_of(module))
        if layer_of(imported) > layer_of(module) and (module, imported) not in EXCEPTIONS
    ]
    assert upward == [], "lower layers import higher ones:\n" + "\n".join(upward)


def test_the_listed_exceptions_are_still_needed():
    stale = [pair for pair in EXCEPTIONS if pair[1] not in imports_of(pair[0])]
    assert stale == []


def test_no_module_imports_another_modules_private_names():
    found = {module: names for module in MODULES if (names := private_names_imported(module))}
    assert found == {}


def test_no_page_imports_another_areas_views():
    """A domain may use another's services and models, never its views (create_app excepted)."""
    found = [
        f"{module} imports {imported}" for module in MODULES if module != "clinic_app"
        for imported in imports_of(module)
        if imported.rsplit(".", 1)[-1].endswith("views") and imported.split(".")[1] != module.split(".")[1]
    ]
    assert found == []


def test_geo_is_a_leaf():
    """Geometry, geocoding and the coverage grid import no domain, only the core."""
    outside = {imported for module in MODULES if module.startswith("clinic_app.geo")
               for imported in imports_of(module) if layer_of(imported) not in (0, layer_of("clinic_app.geo"))}
    assert outside == set()
