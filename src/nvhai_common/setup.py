from setuptools import find_packages, setup

package_name = "nvhai_common"

setup(
    name=package_name,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + package_name]),
        ("share/" + package_name, ["package.xml"]),
    ],
    install_requires=["setuptools"],
    zip_safe=True,
    maintainer="nvhai maintainers",
    maintainer_email="nvhai@example.com",
    description="The layer nvhai's nodes share: COCO-17 layout, message conversions, node helpers (no MediaPipe/OpenCV).",
    license="Apache-2.0",
    tests_require=["pytest"],
)
