from setuptools import find_packages, setup

setup(
    name="nvhai_training",
    version="0.1.0",
    description="Offline training of nvhai's dual-task models: data, the paper's four architectures, export.",
    packages=find_packages(exclude=["tests"]),
    python_requires=">=3.10",
    entry_points={"console_scripts": ["nvhai-train = nvhai_training.cli:main"]},
)
