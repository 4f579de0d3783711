from glob import glob

from setuptools import find_packages, setup

package_name = "nvhai_bringup"

setup(
    name=package_name,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    package_data={package_name: ["media/*"]},
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + package_name]),
        ("share/" + package_name, ["package.xml"]),
        ("share/" + package_name + "/launch", glob("launch/*.launch.py")),
        ("share/" + package_name + "/config", glob("config/*.yaml") + glob("config/*.xml")),
    ],
    install_requires=["setuptools"],
    zip_safe=False,
    maintainer="nvhai maintainers",
    maintainer_email="nvhai@example.com",
    description="Launch files, parameters and the embedded demo of the nvhai loop.",
    license="Apache-2.0",
    tests_require=["pytest"],
    entry_points={"console_scripts": [
        "nvhai-demo = nvhai_bringup.demo:main",
        "video_source_node = nvhai_bringup.video_source_node:main",
    ]},
)
