"""Checks of a training script and its requirements, before anything is created."""

import pytest

from carbon_gui.core.script_check import check_requirements, check_script, requirements

GOOD = "import numpy as np\n\n\ndef train(epochs=3, *, lr=0.1):\n    return np.zeros(epochs) + lr\n"


def test_a_good_script_has_no_problem() -> None:
    assert check_script("my_train.py", GOOD) == []
    assert check_script("my_train.py", GOOD, None) == []


def test_a_missing_file_says_to_choose_one() -> None:
    assert check_script("my_train.py", None) == [
        "Training script my_train.py does not exist: choose an existing .py file."
    ]


def test_only_python_files() -> None:
    (problem,) = check_script("train.ipynb", "{}")
    assert problem.startswith("train.ipynb is not a Python file") and "choose a .py" in problem


def test_a_syntax_error_names_its_line() -> None:
    text = "def train():\n    x = 1\n    return x +\n"
    (problem,) = check_script("my_train.py", text)
    assert problem.startswith("my_train.py, line 3: invalid syntax")
    assert "Fix the script" in problem
    assert check_script("my_train.py", text, None) == [problem]  # it must compile even when run as is


def test_null_bytes_are_not_a_script() -> None:
    (problem,) = check_script("my_train.py", "def train():\x00 pass\n")
    assert problem.startswith("my_train.py") and "null bytes" in problem and "line None" not in problem


def test_the_training_function_must_be_there_at_the_top_level() -> None:
    nested = "class Trainer:\n    def train(self):\n        pass\n"
    (problem,) = check_script("my_train.py", nested)
    assert "defines no function train() at the top level" in problem and "add `def train():`" in problem
    (problem,) = check_script("my_train.py", GOOD, "fit")
    assert "defines no function fit()" in problem


def test_the_training_function_is_called_without_arguments() -> None:
    (problem,) = check_script("my_train.py", "def train(data, epochs=3, *, lr):\n    pass\n")
    assert "train() needs data, lr" in problem and "give those parameters default values" in problem
    (problem,) = check_script("my_train.py", "async def train():\n    pass\n")
    assert "train() is async" in problem


@pytest.mark.parametrize(
    "text",
    [
        "from my_lib import train\n",
        "from my_lib import fit as train\n",
        "train = make_trainer()\n",
        "train: object = 1\n",
    ],
)
def test_a_function_bound_otherwise_is_accepted(text: str) -> None:
    assert check_script("my_train.py", text) == []


def test_the_function_name_must_be_a_name() -> None:
    (problem,) = check_script("my_train.py", GOOD, "train()")
    assert "'train()' is not a Python function name" in problem
    assert check_script("my_train.py", GOOD, "class") != []


def test_good_requirements() -> None:
    text = '# pinned\nnumpy>=1.26  # arrays\n\ntorch[cpu]>=2; python_version > "3.9"\npkg @ https://x.org/p.whl#sha256=ab\n'
    assert check_requirements("requirements.txt", text) == []
    assert requirements(text) == [
        "numpy>=1.26",
        'torch[cpu]>=2; python_version > "3.9"',
        "pkg @ https://x.org/p.whl#sha256=ab",
    ]


def test_a_bad_requirement_line_names_its_line() -> None:
    problems = check_requirements("requirements.txt", "numpy\n\nscipy==>1.0\n--index-url https://example.org\n")
    assert len(problems) == 2
    assert problems[0].startswith("requirements.txt, line 3: 'scipy==>1.0' is not a valid requirement (")
    assert "\n" not in problems[0] and "e.g. numpy>=1.26" in problems[0]
    assert problems[1].startswith("requirements.txt, line 4: pip options such as '--index-url'")
