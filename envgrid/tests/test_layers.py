"""Apps depend only downward (DESIGN.md): ``scripts/check_layers.py`` finds no import of an app above the
importing one, and it does find one when there is."""

import importlib.util
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "check_layers.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("check_layers", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def test_no_app_imports_an_app_above_it():
    result = subprocess.run([sys.executable, str(SCRIPT)], capture_output=True, text=True, cwd=ROOT, check=False)
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_app_has_a_layer():
    layers = _load_script()
    apps = {p.name for p in (ROOT / "envgrid").iterdir() if (p / "apps.py").exists()}
    assert apps == set(layers.RANK)


def test_upward_sideways_and_registry_imports_are_caught(tmp_path):
    layers = _load_script()
    app = tmp_path / "envgrid" / "grids"
    app.mkdir(parents=True)
    (app / "__init__.py").write_text("")
    (app / "views.py").write_text(
        "from envgrid.core.models import Unit\n"
        "from ..cases import models\n"
        "def late():\n"
        "    from envgrid import monitoring\n"
        "    from django.apps import apps\n"
        "    return apps.get_model('alerts', 'Alert'), apps.get_model('sources.SupervisedObject')\n"
        "owner = ForeignKey('patrols.Inspection', on_delete=None)\n"
    )
    (app / "tests").mkdir()
    (app / "tests" / "test_x.py").write_text("import envgrid.alerts\n")
    found = layers.violations(layers.dependencies(tmp_path))
    assert [(d.line, d.target_app) for d in found] == [
        (2, "cases"),
        (4, "monitoring"),
        (6, "alerts"),
        (6, "sources"),
        (7, "patrols"),
    ]
