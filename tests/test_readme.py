"""The README's commands work as written: each ```bash block marked `<!-- readme-test: NAME VAR=value ... -->`
in the README or the docs pages it links for them (PAGES) runs, as a newcomer would paste it, in a copy of the
repository (so nothing lands in the clone).

The marker's VAR=value pairs are set in the environment: the blocks read their sizes from
`${VAR:-default}`, so the test runs them small. Blocks are read from the pages, never copied here.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
MARKED = re.compile(r"<!-- readme-test: ([\w-]+)((?: \w+=\S+)*) -->\n```bash\n(.*?)```", re.S)
PAGES = ("README.md", "docs/bags.md", "docs/training.md")  # where the marked blocks live, read in this order
EXPECTED = ("quick-start", "live", "bags", "training")  # in PAGES order; a missing marker fails the test
NOT_COPIED = {".git", ".venv", "build", "out", "runs", "__pycache__", ".pytest_cache", ".ruff_cache"}


def marked_blocks() -> dict[str, tuple[dict[str, str], str]]:
    text = "\n".join((ROOT / page).read_text() for page in PAGES)
    return {name: (dict(pair.split("=", 1) for pair in env.split()), body)
            for name, env, body in MARKED.findall(text)}


def test_readme_marks_the_blocks_a_newcomer_runs():
    blocks = marked_blocks()
    assert tuple(blocks) == EXPECTED
    assert [name for name, _, _ in MARKED.findall((ROOT / "README.md").read_text())] == ["quick-start", "live"], \
        "the newcomer's first commands stay in the README"
    assert ". .venv/bin/activate" in blocks["quick-start"][1], "activation is shown once, in the quick start"
    for name, (env, body) in blocks.items():
        for var in env:
            assert f"${{{var}:-" in body, f"block {name}: {var} is set by the test but never read"


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> Path:
    """A copy of the repository's files beside a link to shared/, using the clone's own .venv. The clone's
    set-up runs first: the copy's (the quick start) then finds the venv up to date. Otherwise it would build
    nvhai_msgs from the copy's files into the shared venv, which would point at them after they are gone."""
    setup = subprocess.run(["bash", str(ROOT / "scripts" / "setup.sh")], capture_output=True, text=True, timeout=1800)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    base = tmp_path_factory.mktemp("readme")
    repo = base / ROOT.name
    shutil.copytree(ROOT, repo, symlinks=True, ignore=lambda _, names: [n for n in names if n in NOT_COPIED
                                                                         or n.endswith(".egg-info")])
    (repo / ".venv").symlink_to(ROOT / ".venv")
    if SHARED.is_dir():
        (base / "shared").symlink_to(SHARED)
    return repo


def run_block(name: str, repo: Path, timeout_s: float, **extra_env: str) -> str:
    env_vars, body = marked_blocks()[name]
    activate = "" if name == "quick-start" else ". .venv/bin/activate\n"  # the newcomer's shell after the quick start
    script = f"set -eo pipefail\n{activate}{body}"
    env = {**os.environ, **env_vars, **extra_env}
    env.pop("VIRTUAL_ENV", None)
    out = subprocess.run(["bash", "-c", script], cwd=repo, env=env, capture_output=True, text=True, timeout=timeout_s)
    assert out.returncode == 0, (f"README block '{name}' failed:\n{body}\n--- output ---\n"
                                 f"{out.stdout[-3000:]}{out.stderr[-3000:]}")
    return out.stdout


def port_is_free(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) != 0


@pytest.mark.timeout(900)  # its block's own limit is 600 s, and the first test using the fixture sets it up
def test_quick_start(workspace):
    # `make demo` as written; DEMO_ARGS (read by the Makefile) skips the GIF, the slowest output.
    out = run_block("quick-start", workspace, 600, DEMO_ARGS="--no-gif")
    assert "/emotion person" in out
    assert "[setup] ready" in out and "[setup] building" not in out and "[setup] installing" not in out, \
        "the copy's set-up found the shared venv up to date (it must not build into it)"
    assert (workspace / "out" / "demo.mp4").stat().st_size > 100_000


def test_live_view_and_echo(workspace):
    if not port_is_free(8080):
        pytest.skip("port 8080 is taken on this machine: the README's `nvhai-demo --serve` needs it")
    out = run_block("live", workspace, 300)
    assert re.search(r"^label: \S", out, re.M) and re.search(r"^probabilities:$", out, re.M), out[-2000:]
    assert re.search(r"^header\.stamp\.sec,.*,probabilities\.0,", out, re.M), out[-2000:]


@pytest.mark.timeout(900)  # its block's own limit is 400 s; on a loaded machine it can pass 300 s
def test_bags(workspace):
    if not port_is_free(8080):
        pytest.skip("port 8080 is taken on this machine: the README's `nvhai-demo --serve` needs it")
    out = run_block("bags", workspace, 400)
    assert re.search(r'"/image_raw": [1-9]', out), "the recording holds camera images"
    assert (workspace / "eval1" / "evaluation.json").is_file()
    assert (workspace / "clip_bag").is_dir()


@pytest.mark.timeout(900)  # its block's own limit is 600 s (about 80 s on 2 idle cores)
def test_training(workspace):
    if not (SHARED / "data" / "cmu_mocap" / "bvh").is_dir() or not (SHARED / "data" / "msrc12").is_dir():
        pytest.skip("../shared/data/cmu_mocap or msrc12 is absent: the README's training block needs them")
    out = run_block("training", workspace, 600)
    for made in ("cmu_002.npz", "msrc_te.npz", "bandai.labels.csv", "runs/people/log.csv", "runs/people/model.pt",
                 "my.onnx", "mae.png", "people.png", "out/my_model/demo.mp4"):
        assert (workspace / made).is_file(), made
    assert '"improvement_vs_zero_velocity"' in out, "scored on the held-out people"
    assert '"msrc12_s01": {' in out and '"msrc12_s06": {' in out and "msrc12_s02" not in out
    assert "G1 lift outstretched arms" in out and "G11 Beat both" in out, "positive_rate per gesture"
