"""dbt as the tests run it: the project's own executable against a settings object's warehouse."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from brightcart_pipeline.assets.transform import dbt_env
from brightcart_pipeline.settings import PROJECT_ROOT, Settings

DBT = str(Path(sys.executable).parent / "dbt")


def dbt_build(settings: Settings, *args: str) -> subprocess.CompletedProcess[str]:
    """dbt build against the settings' DuckDB file; fails the test with dbt's output on error."""
    # Each warehouse gets its own dbt target and log folders, so parallel test workers never share one.
    env = {**os.environ, **dbt_env(settings), "DBT_TARGET_PATH": str(settings.home / "dbt_target"),
           "DBT_LOG_PATH": str(settings.home / "dbt_logs")}
    # cautious: a selective build leaves out tests that point at models outside the selection.
    result = subprocess.run([DBT, "build", "--quiet", "--indirect-selection", "cautious", *args],
                            cwd=PROJECT_ROOT / "dbt_project", env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result
