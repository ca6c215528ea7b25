"""A wheel install carries every bundled workbook (setup.cfg data_files), so the commands
work without a checkout."""

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
