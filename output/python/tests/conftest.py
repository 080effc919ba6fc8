"""Results files for the package's tests, made once per session by the built capsim
($CAPSIM, else ./capsim at the repository root) from the test scenarios: small path
counts, so that the whole suite runs in seconds."""
import os
import subprocess

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
BASE = os.path.join(ROOT, "tests", "scenarios", "every-randomness.yaml")


def capsim(*args):
    exe = os.environ.get("CAPSIM") or os.path.join(ROOT, "capsim")
    if not os.path.exists(exe):
        pytest.skip(f"no capsim binary at {exe} (make, or set CAPSIM)")
    r = subprocess.run([exe, *args, "--quiet"], capture_output=True, text=True, cwd=ROOT)
    assert r.returncode == 0, f"capsim {' '.join(args)}: {r.stderr}"


@pytest.fixture(scope="session")
def files(tmp_path_factory):
    d = tmp_path_factory.mktemp("capsim-files")
    bigger = d / "bigger-azure.yaml"
    text = open(BASE).read()
    bigger.write_text(text.replace("count: 50000, online: 2025-06", "count: 70000, online: 2025-06"))
    f = {k: str(d / f"{k}.h5") for k in ("run", "compare", "sweep", "saltelli", "optimize")}
    capsim("run", BASE, "--paths", "300", "--save-paths", "40", "-o", f["run"])
    capsim("compare", BASE, str(bigger), "--paths", "300", "--save-paths", "30", "-o", f["compare"])
    capsim("sweep", BASE, "--vary", "scenario.discount_rate=0.05,0.1", "--vary",
           "contracts.azure-main.capacity.0.count=40000:60000:3", "--paths", "200", "-o", f["sweep"])
    capsim("run", os.path.join(ROOT, "tests", "scenarios", "sobol-additive.yaml"), "--paths", "400",
           "-o", f["saltelli"])
    capsim("optimize", os.path.join(ROOT, "tests", "scenarios", "newsvendor.yaml"), "--paths", "512",
           "-o", f["optimize"])
    f["bigger"] = str(bigger)
    return f


@pytest.fixture(scope="session")
def results(files):
    import capsim as cp
    return {k: cp.open_results(v) for k, v in files.items() if v.endswith(".h5")}
