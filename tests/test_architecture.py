"""The shape of the code (docs/architecture.md): `lint-imports` checks the layers in `make test`; this checks
what import-linter cannot see, that no function imports a Cabas module (a hidden cycle between apps)."""

import ast
from pathlib import Path

SOURCE = Path(__file__).resolve().parents[1] / "src" / "cabas"


def function_local_imports() -> list[str]:
    found = []
    for path in sorted(SOURCE.rglob("*.py")):
        if "migrations" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in ast.walk(tree):
            if not isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            for node in ast.walk(function):
                local = (isinstance(node, ast.ImportFrom) and (node.level > 0 or (node.module or "").startswith("cabas"))) or (
                    isinstance(node, ast.Import) and any(alias.name.startswith("cabas") for alias in node.names))
                if local:
                    found.append(f"{path.relative_to(SOURCE.parent)}:{node.lineno}")
    return sorted(set(found))


def test_no_function_imports_a_cabas_module():
    assert function_local_imports() == []


def test_every_app_sits_in_a_layer_of_the_contract():
    """A new app must be placed in the layers contract (pyproject.toml), or import-linter would not check it."""
    import tomllib

    config = tomllib.loads((SOURCE.parents[1] / "pyproject.toml").read_text(encoding="utf-8"))
    contract = next(c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers")
    layered = {name.strip() for layer in contract["layers"] for name in layer.replace(":", "|").split("|")}
    apps = {f"cabas.{p.name}" for p in SOURCE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    assert apps == layered
