from setuptools import find_packages, setup

package_name = "nvhai_tools"

setup(
    name=package_name,
    version="0.1.0",
    packages=find_packages(exclude=["test"]),
    package_data={package_name: ["web/*"]},
    data_files=[
        ("share/ament_index/resource_index/packages", ["resource/" + package_name]),
        ("share/" + package_name, ["package.xml"]),
    ],
    install_requires=["setuptools"],
    zip_safe=False,
    maintainer="nvhai maintainers",
    maintainer_email="nvhai@example.com",
    description="Tools beside a running nvhai graph: bags (record, play, evaluate), the live web view, topic echo.",
    license="Apache-2.0",
    tests_require=["pytest"],
    entry_points={"console_scripts": [
        "nvhai-bag = nvhai_tools.bag_cli:main",
        "nvhai-web = nvhai_tools.web_node:main",
        "nvhai-echo = nvhai_tools.echo_cli:main",
    ]},
)
