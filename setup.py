"""Maps the repository's layer folders onto the one installed name, ``trackbench``.

The folders ``datasets/``, ``trackers/`` and ``harness/`` stay at the top of the
repository (the layout users asked for) but install as ``trackbench.datasets``,
``trackbench.trackers`` and ``trackbench.harness``.  Sub-packages are found here
rather than listed in pyproject.toml, so a new folder can never be left out of
the wheel.  Everything else about the project is in pyproject.toml.
"""

from setuptools import find_packages, setup

LAYERS = ("datasets", "trackers", "harness")

packages = ["trackbench"] + [f"trackbench.{sub}" for sub in find_packages("trackbench")]
package_dir = {"trackbench": "trackbench"}
for layer in LAYERS:
    package_dir[f"trackbench.{layer}"] = layer
    packages.append(f"trackbench.{layer}")
    packages += [f"trackbench.{layer}.{sub}" for sub in find_packages(layer)]

setup(packages=packages, package_dir=package_dir)
