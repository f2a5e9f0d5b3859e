"""Only the package list: everything else is in pyproject.toml.

resources/ sits at the top level and installs as carbon_gui.resources (package-dir in pyproject.toml);
setuptools' automatic discovery cannot find a package whose folder lives elsewhere, so the list is built here.
"""

from setuptools import find_namespace_packages, setup

not_packages = ["*__pycache__*"]
code = find_namespace_packages(include=["carbon_gui*"], exclude=not_packages)
resource_folders = find_namespace_packages(where="resources", exclude=not_packages)
setup(packages=[*code, "carbon_gui.resources", *(f"carbon_gui.resources.{name}" for name in resource_folders)])
