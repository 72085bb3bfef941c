"""Any file at all given as a clinic config gives a config or a clear list of problems."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config.loader import load_clinic_config
from bot.config.problems import ClinicConfigError

EXAMPLE = yaml.safe_load(Path("clinic.example.yaml").read_text(encoding="utf-8"))

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-(10**6), 10**6),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(["15:00", "25:61", "tuesday", "Europe/Berlin", "Mars/Olympus", "T01", ""]),
)
documents = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.sampled_from(["clinic", "clients", "therapists", "code", "x"]), inner),
    ),
    max_leaves=12,
)


def _paths(node: object, prefix: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


EXAMPLE_PATHS = _paths(EXAMPLE)[1:]


def _load(tmp_path: Path, text: str) -> None:
    path = tmp_path / "clinic.yaml"
    path.write_text(text, encoding="utf-8")
    problems = []
    try:
        load_clinic_config(path)
    except ClinicConfigError as error:
        problems = error.problems
        assert problems, "an invalid config must name at least one problem"
    for problem in problems:
        assert str(problem).startswith(str(path))
        assert problem.message


def fuzz(examples: int) -> settings:
    """Settings for these tests: no deadline, ``tmp_path`` shared by the examples."""
    return settings(
        max_examples=examples,
        deadline=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(document=documents)
def test_any_yaml_document_is_a_config_or_a_list_of_problems(
    tmp_path: Path, document: object
) -> None:
    _load(tmp_path, yaml.safe_dump(document))


@settings(
    max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(index=st.integers(0, len(EXAMPLE_PATHS) - 1), value=scalars)
def test_one_wrong_value_in_the_example_is_reported_not_raised(
    tmp_path: Path, index: int, value: object
) -> None:
    document = yaml.safe_load(yaml.safe_dump(EXAMPLE))
    *parents, last = EXAMPLE_PATHS[index]
    node = document
    for key in parents:
        node = node[key]
    node[last] = value
    _load(tmp_path, yaml.safe_dump(document))


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=st.text(max_size=300))
def test_arbitrary_text_is_a_config_or_a_list_of_problems(tmp_path: Path, text: str) -> None:
    _load(tmp_path, text)
