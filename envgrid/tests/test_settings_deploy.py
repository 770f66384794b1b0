"""Production settings: HTTPS on by default, the documented environment passes `check --deploy`, the secret
key is required, and reading the settings writes nothing to disk."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_DOC = ROOT / "docs" / "deploy.md"


def _clean_environ(**extra: str) -> dict:
    keep = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("ENVGRID_", "SECRET_KEY", "DATABASE_URL", "REDIS_URL", "DJANGO_", "ALLOWED_HOSTS"))
        and k not in ("CSRF_TRUSTED_ORIGINS", "DEBUG", "EMAIL_URL")
    }
    return {**keep, "DJANGO_SETTINGS_MODULE": "envgrid.settings", **extra}


def _manage(env: dict, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], env=env, cwd=ROOT, capture_output=True, text=True, check=False
    )


def _documented_environment(tmp_path: Path) -> dict:
    """The environment file of docs/deploy.md section 2, with its placeholders filled in."""
    text = DEPLOY_DOC.read_text(encoding="utf-8")
    block = re.search(r"environment file.*?```sh\n(.*?)```", text, re.S).group(1)
    values = {}
    for line in block.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        name, _, value = line.partition("=")
        values[name.strip()] = value.strip()
    values["SECRET_KEY"] = secrets.token_urlsafe(50)
    values = {k: v.replace("<password>", "pw") for k, v in values.items()}
    values["ENVGRID_DATA_DIR"] = str(tmp_path)  # not /var/lib/envgrid on the test machine
    return values


def test_the_documented_production_environment_passes_check_deploy_without_a_warning(tmp_path):
    # Given the environment file that docs/deploy.md tells an operator to write
    documented = _documented_environment(tmp_path)
    assert "DEBUG" not in documented and "ENVGRID_HTTPS" not in documented  # the defaults are the secure ones
    # When Django's deployment checks run with it
    result = _manage(_clean_environ(**documented), "check", "--deploy", "--fail-level", "WARNING")
    # Then nothing is reported
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_https_settings_are_on_without_debug_and_off_with_the_intranet_switch(tmp_path):
    expr = (
        "s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0, "
        "getattr(s, 'SECURE_PROXY_SSL_HEADER', None)"
    )
    code = f"import django; django.setup(); from django.conf import settings as s; print(({expr}))"
    base = _clean_environ(SECRET_KEY="k" * 50, ENVGRID_DATA_DIR=str(tmp_path))

    def settings_with(**env):
        run = subprocess.run([sys.executable, "-c", code], env={**base, **env}, cwd=ROOT, capture_output=True)
        assert run.returncode == 0, run.stderr
        return run.stdout.decode().strip()

    assert settings_with() == "(True, True, True, True, None)"
    assert (
        settings_with(ENVGRID_PROXY_SSL_HEADER="true")
        == "(True, True, True, True, ('HTTP_X_FORWARDED_PROTO', 'https'))"
    )
    assert settings_with(ENVGRID_HTTPS="false") == "(False, False, False, False, None)"
    assert settings_with(DEBUG="true") == "(False, False, False, False, None)"


def test_without_a_secret_key_the_settings_refuse_to_start_and_say_what_to_set(tmp_path):
    result = _manage(_clean_environ(ENVGRID_DATA_DIR=str(tmp_path)), "check")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr and "docs/deploy.md" in result.stderr
    assert list(tmp_path.iterdir()) == []  # and no key was generated behind the operator's back


def test_reading_the_settings_writes_nothing(tmp_path):
    # Given a data directory that does not exist yet (a fresh app server before its first start)
    data = tmp_path / "data-dir-not-created"
    env = _clean_environ(SECRET_KEY="k" * 50, ENVGRID_DATA_DIR=str(data))
    # When the settings module is imported
    run = subprocess.run(
        [sys.executable, "-c", "import envgrid.settings as s; print(s.DATA_DIR)"],
        env=env,
        cwd=ROOT,
        capture_output=True,
    )
    # Then it names the directory but neither creates it nor writes a key into it
    assert run.returncode == 0, run.stderr
    assert run.stdout.decode().strip() == str(data)
    assert not data.exists()


def test_make_run_writes_the_embedded_key_file_readable_by_its_owner_only():
    script = (ROOT / "scripts" / "run.sh").read_text()
    # The key file is created under umask 077, so it is never world-readable, not even for an instant
    assert re.search(r"umask 077 && .*secrets\.token_urlsafe\(50\).*>\"\$DATA/secret_key\"", script)
    assert "ENVGRID_HTTPS=${ENVGRID_HTTPS:-false}" in script
