"""The import layers hold, and import-linter (run by `make lint`) catches a breach."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_a_route_that_imports_a_repository_breaks_the_contract(tmp_path: Path) -> None:
    shutil.copytree(
        ROOT / "app", tmp_path / "app", ignore=shutil.ignore_patterns("static", "__pycache__")
    )
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    assert _lint(tmp_path).returncode == 0, "the project as it is keeps its contracts"
    route = tmp_path / "app" / "api" / "routes" / "health.py"
    route.write_text(route.read_text() + "\nfrom app.repositories import layers  # noqa\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "app.api.routes.health -> app.repositories.layers" in result.stdout
    assert "BROKEN" in result.stdout
