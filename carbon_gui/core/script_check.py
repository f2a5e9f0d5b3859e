"""Check a training script and its requirements before anything is created. Pure: the caller reads the files.

Each problem is one sentence saying what is wrong and what to do; an empty list means the script can run.
"""

import ast
import keyword

from packaging.requirements import InvalidRequirement, Requirement

DEFAULT_FUNCTION = "train"


def check_script(name: str, text: str | None, function: str | None = DEFAULT_FUNCTION) -> list[str]:
    """Problems of the script `name` whose content is `text` (None: the file does not exist).

    `function` is the training function the generated task.py calls with no arguments; None runs the
    script as it is.
    """
    if not name.endswith(".py"):
        return [f"{name} is not a Python file: choose a .py training script."]
    if text is None:
        return [f"Training script {name} does not exist: choose an existing .py file."]
    try:
        tree = ast.parse(text, filename=name)  # compile() to an AST: the same syntax errors
    except SyntaxError as err:
        where = f"{name}, line {err.lineno}" if err.lineno else name
        return [f"{where}: {err.msg}. Fix the script, then try again."]
    except ValueError as err:  # null bytes, on older Pythons: not a source file
        return [f"{name} cannot be compiled ({err}): choose a Python source file."]
    if function is None:
        return []
    if not function.isidentifier() or keyword.iskeyword(function):
        return [f"'{function}' is not a Python function name: use the name of the function that trains."]
    return _function_problems(name, tree, function)


def _function_problems(name: str, tree: ast.Module, function: str) -> list[str]:
    for node in tree.body:
        if isinstance(node, ast.AsyncFunctionDef) and node.name == function:
            return [f"{name}: {function}() is async; make it a plain `def {function}():` that runs the training."]
        if isinstance(node, ast.FunctionDef) and node.name == function:
            required = _required_parameters(node.args)
            if required:
                return [
                    f"{name}: {function}() needs {', '.join(required)}, but it is called with no arguments: "
                    "give those parameters default values."
                ]
            return []
        if function in _names_bound(node):
            return []  # `train = ...` or `from lib import train`: callable at run time, trusted
    return [
        f"{name} defines no function {function}() at the top level: add `def {function}():` that runs the "
        "training, or choose the name of your training function (or run the script as it is)."
    ]


def _required_parameters(args: ast.arguments) -> list[str]:
    positional = [*args.posonlyargs, *args.args]
    without_default = positional[: len(positional) - len(args.defaults)]
    keyword_only = [arg for arg, default in zip(args.kwonlyargs, args.kw_defaults, strict=True) if default is None]
    return [arg.arg for arg in [*without_default, *keyword_only]]


def _names_bound(node: ast.stmt) -> set[str]:
    """Top-level names a statement binds by assignment or import."""
    if isinstance(node, ast.Assign):
        return {target.id for target in node.targets if isinstance(target, ast.Name)}
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return {node.target.id}
    if isinstance(node, ast.Import | ast.ImportFrom):
        return {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return set()


def requirement_lines(text: str) -> list[tuple[int, str]]:
    """The requirement lines of a requirements file as (line number, text): no blanks, no comments."""
    lines = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.split(" #", 1)[0].split("\t#", 1)[0].strip()
        if line and not line.startswith("#"):
            lines.append((number, line))
    return lines


def check_requirements(name: str, text: str) -> list[str]:
    """Problems of a requirements file: each line must be one requirement, as pip's install_requires takes it."""
    problems = []
    for number, line in requirement_lines(text):
        if line.startswith("-"):
            problems.append(
                f"{name}, line {number}: pip options such as '{line.split()[0]}' cannot be installed with the "
                "package: list one requirement per line (e.g. numpy>=1.26)."
            )
            continue
        try:
            Requirement(line)
        except InvalidRequirement as err:
            problems.append(
                f"{name}, line {number}: '{line}' is not a valid requirement ({str(err).splitlines()[0]}). "
                "Write one requirement per line, e.g. numpy>=1.26."
            )
    return problems


def requirements(text: str) -> list[str]:
    """The requirements of a file already checked with `check_requirements`, for install_requires."""
    return [str(Requirement(line)) for _, line in requirement_lines(text)]
