"""The lock: what a newsroom installs is exactly what the tests passed on."""

import shutil
import subprocess
import tomllib

import pytest

from tests.services import ROOT

UV = ROOT / ".tools" / "bin" / "uv"
MISMATCH = "uv.lock does not match pyproject.toml: run `make lock` and commit uv.lock"


@pytest.fixture
def project_copy(tmp_path):
    """The files the lock check reads, in a folder of the test's own."""
    if not UV.exists():
        pytest.fail(f"{UV} is missing: the Makefile installs it before any test runs")
    for name in ("Makefile", "pyproject.toml", "uv.lock"):
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def lock_check(folder):
    return subprocess.run(
        ["make", "--no-print-directory", "-s", "lock-check", f"UV={UV}"],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_the_committed_lock_matches_pyproject(project_copy):
    result = lock_check(project_copy)
    assert result.returncode == 0, result.stderr


def test_a_dependency_added_without_relocking_fails_in_one_line(project_copy):
    pyproject = project_copy / "pyproject.toml"
    pyproject.write_text(
        pyproject.read_text().replace(
            '"django-csp>=4.0,<5",', '"django-csp>=4.0,<5",\n    "six>=1.16",'
        )
    )
    result = lock_check(project_copy)
    assert result.returncode != 0
    assert result.stderr.splitlines()[0] == MISMATCH


def test_a_range_narrowed_below_the_locked_version_fails(project_copy):
    pyproject = project_copy / "pyproject.toml"
    pyproject.write_text(pyproject.read_text().replace('"Django>=5.2,<5.3"', '"Django>=5.1,<5.2"'))
    result = lock_check(project_copy)
    assert result.returncode != 0
    assert MISMATCH in result.stderr


def test_every_locked_package_comes_with_hashes():
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    unhashed = [
        package["name"]
        for package in lock["package"]
        if "editable" not in package["source"]
        and not all("hash" in wheel for wheel in package.get("wheels", []))
    ]
    assert lock["package"], "uv.lock holds no packages"
    assert unhashed == []


def test_the_lock_pins_what_pyproject_asks_for():
    """Every runtime and test dependency is in the lock at one exact version."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    locked = {package["name"]: package.get("version") for package in lock["package"]}
    asked = project["dependencies"] + project["optional-dependencies"]["test"]
    names = {
        requirement.split("[")[0].split(">")[0].split("=")[0].split("<")[0].strip().lower()
        for requirement in asked
    }
    missing = sorted(name for name in names if not locked.get(name))
    assert missing == []
