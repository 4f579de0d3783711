from glob import glob

from setuptools import find_packages, setup

package_name = "nvhai_predictor"

setup(
    name=package_name,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    package_data={package_name: ["models/*.onnx", "models/*.md"]},
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + package_name]),
        ("share/" + package_name, ["package.xml"]),
        ("share/" + package_name + "/config", glob("config/*.yaml")),
    ],
    install_requires=["setuptools"],
    zip_safe=False,
    maintainer="nvhai maintainers",
    maintainer_email="nvhai@example.com",
    description="Sliding-window motion forecast and emotion recognition on live COCO-17 keypoints (onnxruntime).",
    license="Apache-2.0",
    tests_require=["pytest"],
    entry_points={"console_scripts": ["predictor_node = nvhai_predictor.node:main"]},
)
