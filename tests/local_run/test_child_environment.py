"""A local run never inherits carbon-gui's keys: `launch --local` started with the provider keys (and a copy of one
under another name, and inline service-account key material) in its environment gives the training script an
environment without any of them. Read from the script's own os.environ and from /proc/<pid>/environ while it runs.
The user's own ADC path (GOOGLE_APPLICATION_CREDENTIALS) and ordinary variables are the user's choice: kept."""

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from carbon_gui.cloud.ledger import LEDGER_FILE, Ledger
from carbon_gui.cloud.local import LOG_FILE
from tests.local_run.conftest import wait_until

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "em-token-sentinel-4f1c9b"
PASSWORD = "wt-password-sentinel-77aa"
USERNAME = "wt-username-sentinel-19"
PRIVATE_KEY = "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFsentinel\n-----END PRIVATE KEY-----\n"
SERVICE_ACCOUNT_JSON = json.dumps({"type": "service_account", "private_key": PRIVATE_KEY})
SECRETS = (TOKEN, PASSWORD, USERNAME, "MIIEvQIBADANBgkqhkiG9w0BAQEFsentinel")

DUMP_ENVIRONMENT = """
    import json
    import os
    import sys
    import time
    from pathlib import Path

    def train():
        out, go = Path(sys.argv[1]), Path(sys.argv[2])
        out.with_suffix(".tmp").write_text(json.dumps(dict(os.environ)), encoding="utf-8")
        os.replace(out.with_suffix(".tmp"), out)
        deadline = time.monotonic() + 60
        while not go.exists() and time.monotonic() < deadline:  # alive while the test reads /proc/<pid>/environ
            time.sleep(0.05)
"""


def _launch_local(script: Path, env: dict[str, str], *options: str) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "carbon_gui", "launch", "--local", "--script", str(script),
               "--region", "europe-west4", "--machine", "n1-standard-8", *options]  # fmt: skip
    return subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)


@pytest.mark.timeout(180)
def test_a_local_run_gets_no_key_of_carbon_gui(tmp_path: Path, data_dir: Path) -> None:
    script = tmp_path / "dump_env.py"
    script.write_text(textwrap.dedent(DUMP_ENVIRONMENT), encoding="utf-8")
    dump, go = tmp_path / "environment.json", tmp_path / "go"
    adc = tmp_path / "my-adc.json"  # the user's own credentials file: only its path is in the environment
    env = {
        **os.environ,
        "CARBON_GUI_ELECTRICITYMAPS_TOKEN": TOKEN,
        "CARBON_GUI_WATTTIME_USERNAME": USERNAME,
        "CARBON_GUI_WATTTIME_PASSWORD": PASSWORD,
        "MY_COPY_OF_THE_TOKEN": f"Bearer {TOKEN}",
        "INLINE_SA_KEY": SERVICE_ACCOUNT_JSON,
        "GOOGLE_APPLICATION_CREDENTIALS": str(adc),
        "MY_SETTING": "kept",
    }
    launched = _launch_local(script, env, "--arg", str(dump), "--arg", str(go))
    assert launched.returncode == 0, launched.stderr
    try:
        wait_until(dump.exists, "the script's environment dump")
        job = Ledger(data_dir / LEDGER_FILE).jobs()[0]
        assert job.pid is not None
        with open(f"/proc/{job.pid}/environ", "rb") as proc:  # the process that runs the user's code, still alive
            process_environment = proc.read().decode(errors="replace")
    finally:
        go.touch()
    seen = json.loads(dump.read_text(encoding="utf-8"))
    for where in (json.dumps(seen), process_environment):
        leaked = [secret for secret in SECRETS if secret in where]
        assert leaked == [], f"the run's environment holds {len(leaked)} secret(s)"
    assert not {"CARBON_GUI_ELECTRICITYMAPS_TOKEN", "CARBON_GUI_WATTTIME_PASSWORD", "INLINE_SA_KEY"} & set(seen)
    assert seen["GOOGLE_APPLICATION_CREDENTIALS"] == str(adc) and seen["MY_SETTING"] == "kept"
    assert seen["CARBON_GUI_COUNTRY_ISO"] == "NLD"
    log = (data_dir / "local-jobs" / job.id / LOG_FILE).read_text(encoding="utf-8")
    assert "CARBON_GUI_ELECTRICITYMAPS_TOKEN" in log and "MY_COPY_OF_THE_TOKEN" in log  # names only, said once
    assert not [secret for secret in SECRETS if secret in log]


@pytest.mark.parametrize("target", ["--local", "--project=my-project --image=gcr.io/my-project/trainer:1"])
def test_a_job_variable_may_not_carry_a_key(tmp_path: Path, target: str) -> None:
    script = tmp_path / "train.py"
    script.write_text("def train():\n    pass\n", encoding="utf-8")
    env = {**os.environ, "CARBON_GUI_ELECTRICITYMAPS_TOKEN": TOKEN}
    variables = ["--env", f"API_TOKEN={TOKEN}", "--env", f"SA_KEY={SERVICE_ACCOUNT_JSON}",
                 "--env", f"CARBON_GUI_WATTTIME_PASSWORD={PASSWORD}"]  # fmt: skip
    command = [sys.executable, "-m", "carbon_gui", "launch", "--dry-run", *target.split(), "--script", str(script),
               "--region", "europe-west4", "--machine", "n1-standard-8", *variables]  # fmt: skip
    result = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 2, result.stdout + result.stderr
    problems = [line for line in result.stdout.splitlines() if line.startswith("problem:")]
    assert len(problems) == 3, result.stdout
    assert "API_TOKEN" in problems[0] and "SA_KEY" in problems[1] and "CARBON_GUI_WATTTIME_PASSWORD" in problems[2]
    assert not [secret for secret in SECRETS if secret in result.stdout + result.stderr]
