"""Tests mirror the package: every module with logic has a test module of its own, so a reader finds a
module's tests by its name. `oakling/<folder>/<name>.py` is tested by `tests/<folder>/test_<name>.py`
(`oakling/<name>.py` by `tests/test_<name>.py`); a package's `__init__.py` that holds logic is tested by
`tests/<folder>/test_<folder>.py`. Test modules named after a feature may stand beside these."""
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "oakling"

# Modules without logic of their own, so with nothing for a test module of their own to test.
EXEMPT = {
    "oakling/__init__.py",           # re-exports the public names; tests/test_public_api.py checks every one
    "oakling/node.py",               # the dai.node namespace, filled from the registry; test_public_api.py too
    "oakling/version.py",            # the version constant
    "oakling/testing/__init__.py",   # re-exports the harness; tests/testing/test_harness.py uses them
    "oakling/cli/__main__.py",       # `python -m oakling.cli`: calls cli.main
    "oakling/host/__init__.py",      # docstring only
    "oakling/runtime/__init__.py",   # docstring only
    "oakling/script/__init__.py",    # docstring only
    "oakling/link/__init__.py",      # docstring only
    "oakling/nodes/__init__.py",     # docstring only
    "oakling/kernels/__init__.py",   # docstring only
    "oakling/demo/__init__.py",      # docstring only
    "oakling/session/__init__.py",   # docstring only
    "oakling/messages/__init__.py",  # re-exports the message types
    "oakling/pipeline/__init__.py",  # re-exports the pipeline description
    "oakling/models/__init__.py",    # re-exports, and two lazy-import shims for converter.convert and the backend
}


def mirror(module: Path) -> Path:
    """The test module that tests `module` (a path relative to the repository)."""
    folder = module.parent.relative_to("oakling")
    name = module.parent.name if module.name == "__init__.py" and folder.parts else module.stem
    return Path("tests") / folder / f"test_{name}.py"


def test_every_module_with_logic_has_its_mirror_test_module():
    modules = sorted(p.relative_to(ROOT) for p in PACKAGE.rglob("*.py"))
    missing = [f"{mirror(m)} (tests {m})" for m in modules
               if m.as_posix() not in EXEMPT and not (ROOT / mirror(m)).is_file()]
    assert not missing, "modules without their test module:\n  " + "\n  ".join(missing)


def test_the_exemptions_name_modules_that_exist():
    """A stale entry would silently exempt a module added later under the same name."""
    stale = sorted(m for m in EXEMPT if not (ROOT / m).is_file())
    assert not stale, f"exempt modules that no longer exist: {stale}"

