"""The requirement files install the same thing on every machine and on Azure.

A `constraints.txt` line once pointed at a wheel file on the machine that wrote it: CI, on that
machine, passed; every fresh clone failed. These tests read the files as pip would and fail on
anything that is not a registry package, naming the file and line.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
REQUIREMENT_FILES = sorted(
    path
    for pattern in ("requirements*.txt", "requirements*.in", "constraints*.txt")
    for path in ROOT.glob(pattern)
)

# A requirement from the registry: a name, optional extras, version specifiers, a marker.
REGISTRY_REQUIREMENT = re.compile(
    r"^[A-Za-z0-9][A-Za-z0-9._-]*(\[[A-Za-z0-9._,-]+\])?"
    r"\s*((===|==|!=|~=|>=|<=|>|<)\s*[A-Za-z0-9.*+!_-]+\s*(,\s*(===|==|!=|~=|>=|<=|>|<)\s*[A-Za-z0-9.*+!_-]+\s*)*)?"
    r"(;.*)?$"
)
# Options that name another requirement file of the project are fine; every other option
# (-e, --find-links, --index-url, --extra-index-url, ...) points an install somewhere else.
INCLUDE = re.compile(r"^(-r|-c|--requirement|--constraint)\s+(?P<file>[A-Za-z0-9._-]+)$")
EXACT_PIN = re.compile(r"^(?P<name>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[A-Za-z0-9.+!_-]+)$")


def requirement_lines(path: Path) -> list[tuple[int, str]]:
    """(line number, requirement) for each line pip would read, comments and blanks left out."""
    lines = []
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        text = re.sub(r"(^|\s)#.*$", "", raw).strip()
        if text:
            lines.append((number, text))
    return lines


def problems_in(path: Path) -> list[str]:
    """Every line of a requirement file that is not a registry package or a project include."""
    problems = []
    for number, text in requirement_lines(path):
        include = INCLUDE.match(text)
        if include:
            if not (path.parent / include["file"]).is_file():
                problems.append(f"{path.name}:{number}: includes a missing file: {text}")
            continue
        if not REGISTRY_REQUIREMENT.match(text):
            problems.append(
                f"{path.name}:{number}: not a registry package by version "
                f"(a local path, URL, VCS reference or install option?): {text}"
            )
    return problems


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def exact_pins(path: Path) -> dict[str, str]:
    pins = {}
    for number, text in requirement_lines(path):
        pin = EXACT_PIN.match(text)
        assert pin, f"{path.name}:{number}: not an exact name==version pin: {text}"
        pins[canonical(pin["name"])] = pin["version"]
    return pins


def test_the_project_has_requirement_files() -> None:
    names = {path.name for path in REQUIREMENT_FILES}
    assert {"requirements.txt", "requirements.in", "constraints.txt"} <= names


@pytest.mark.parametrize("path", REQUIREMENT_FILES, ids=lambda path: path.name)
def test_requirement_files_name_registry_packages_only(path: Path) -> None:
    assert problems_in(path) == []


@pytest.mark.parametrize(
    "line",
    [
        "swagger-ui-py @ file:///tmp/sui/swagger_ui_py-25.7.1-py3-none-any.whl",
        "file:///tmp/sui/swagger_ui_py-25.7.1-py3-none-any.whl",
        "/tmp/wheels/pandas-3.1.1-cp311-cp311-linux_x86_64.whl",
        "./vendor/reportlab-5.1.0.tar.gz",
        "pandas @ https://example.com/pandas-3.1.1.tar.gz",
        "git+https://github.com/Azure/azure-functions-durable-python@v1.7.0",
        "-e .",
        "--find-links /opt/wheels",
        "--extra-index-url https://example.com/simple",
    ],
)
def test_a_local_path_url_or_vcs_reference_is_named_with_its_line(
    tmp_path: Path, line: str
) -> None:
    path = tmp_path / "constraints.txt"
    path.write_text(f"# locked\nJinja2==3.1.6\n{line}\n", encoding="utf-8")
    assert problems_in(path) == [
        f"constraints.txt:3: not a registry package by version "
        f"(a local path, URL, VCS reference or install option?): {line}"
    ]


def test_registry_requirements_with_ranges_markers_and_extras_pass(tmp_path: Path) -> None:
    path = tmp_path / "requirements.in"
    (tmp_path / "requirements.txt").write_text("", encoding="utf-8")
    path.write_text(
        "-r requirements.txt\n"
        "azure-functions>=1.24,<2\n"
        "rl-accel>=0.9,<1  # a comment after the requirement\n"
        "uvicorn[standard]==0.30.0\n"
        'tzdata==2026.6 ; sys_platform == "win32"\n'
        "typing_extensions==4.16.0\n",
        encoding="utf-8",
    )
    assert problems_in(path) == []


def test_azure_installs_exactly_the_versions_the_tests_ran_with() -> None:
    """requirements.txt (all Azure's remote build reads) pins the app's whole closure exactly,
    to the versions constraints.txt gives the test environment."""
    deployed = exact_pins(ROOT / "requirements.txt")
    tested = exact_pins(ROOT / "constraints.txt")
    differences = {
        name: (version, tested.get(name))
        for name, version in deployed.items()
        if tested.get(name) != version
    }
    assert differences == {}, "requirements.txt vs constraints.txt: (deployed, tested)"


def test_every_direct_dependency_is_in_the_lock() -> None:
    declared = {
        canonical(re.split(r"[\s\[<>=!~;]", text, maxsplit=1)[0])
        for _, text in requirement_lines(ROOT / "requirements.in")
    }
    assert declared - set(exact_pins(ROOT / "requirements.txt")) == set()


def test_the_deployment_package_carries_requirements_txt() -> None:
    ignored = {
        line.strip()
        for line in (ROOT / ".funcignore").read_text(encoding="utf-8").splitlines()
    }
    assert "requirements.txt" not in ignored
