"""A wheel install carries every bundled workbook (setup.cfg data_files), so the commands
work without a checkout."""

import ast
import configparser
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_data_files_ship_every_bundled_workbook():
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg", encoding="utf-8")
    shipped = set()
    for target, sources in setup["options.data_files"].items():
        assert target.startswith("share/ntm-excel/workbooks")
        for pattern in (s.strip() for s in sources.split(",") if s.strip()):
            matches = list(ROOT.glob(pattern))
            assert matches, f"{pattern} matches nothing"
            for match in matches:
                destination = Path(target) / match.name
                assert (
                    destination.as_posix()
                    == "share/ntm-excel/" + match.relative_to(ROOT).as_posix()
                ), f"{match} would be installed as {destination}"
                shipped.add(match.relative_to(ROOT).as_posix())
    bundled = {
        p.relative_to(ROOT).as_posix() for p in (ROOT / "workbooks").rglob("*") if p.is_file()
    }
    assert shipped == bundled


TEST_ONLY = {"xlwt", "odf", "pytest", "hypothesis", "aiosmtpd", "time_machine"}


def test_the_installed_package_needs_no_test_only_library_and_ships_no_sample_generator():
    """What a wheel installs (ntm_excel*) imports only its declared dependencies: the sample
    generator, which writes .xls and .ods with xlwt and odfpy, lives in tests/support."""
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg", encoding="utf-8")
    assert setup["options.packages.find"]["include"].strip() == "ntm_excel*"
    requires = setup["options"]["install_requires"]
    assert "xlwt" not in requires and "odfpy" not in requires
    package = ROOT / "ntm_excel"
    assert not list(package.rglob("*sample*"))
    imported = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imported |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
                imported.add(node.module.split(".")[0])
    assert "openpyxl" in imported and "xlsxwriter" in imported  # the scan sees imports
    assert not imported & TEST_ONLY
