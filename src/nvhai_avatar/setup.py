from glob import glob

from setuptools import find_packages, setup

package_name = "nvhai_avatar"

setup(
    name=package_name,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + package_name]),
        ("share/" + package_name, ["package.xml"]),
        ("share/" + package_name + "/config", glob("config/*.yaml")),
    ],
    install_requires=["setuptools"],
    zip_safe=True,
    maintainer="nvhai maintainers",
    maintainer_email="nvhai@example.com",
    description="The reference avatar/robot controller: forecast + emotion -> a non-verbal answer.",
    license="Apache-2.0",
    tests_require=["pytest"],
    entry_points={"console_scripts": ["avatar_node = nvhai_avatar.node:main"]},
)
