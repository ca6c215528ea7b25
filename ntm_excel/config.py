"""The office's configuration: where its workbooks are, the reporting rules, mail and schedule.

Read from a TOML file (`workbooks/cau_hinh.toml` by default); relative paths in it are taken
relative to the file's own folder, so a copied configuration folder keeps working.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo

from ntm_excel.errors import ConfigError


def _bundled() -> Path:
    """The bundled workbooks: beside the package in a checkout (or an editable install), else
    where a wheel installs them (setup.cfg data_files: <prefix>/share/ntm-excel/workbooks)."""
    beside = Path(__file__).resolve().parent.parent / "workbooks"
    return beside if beside.is_dir() else Path(sys.prefix) / "share" / "ntm-excel" / "workbooks"


BUNDLED = _bundled()
VIETNAM_TIME = ZoneInfo("Asia/Ho_Chi_Minh")  # one zone for the whole country
DEFAULT_CONFIG = BUNDLED / "cau_hinh.toml"


@dataclass(frozen=True)
class MailSettings:
    sender: str = "vpdp.ntm@camxuyen.example.org"
    sender_name: str = "Văn phòng điều phối NTM huyện"
    smtp_host: str = ""  # empty: messages are written to the outbox folder as .eml files
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_security: str = "starttls"  # none | starttls | ssl
    outbox: Path = Path("out/outbox")  # relative to the working folder


@dataclass(frozen=True)
class ScheduleSettings:
    """When the jobs run. Each job's own setting (its time, or its interval) is kept as written
    in `jobs`, by its key; the jobs table (`ntm_excel.jobs.table`) declares those keys, their
    defaults and their form."""

    timezone: str = "Asia/Ho_Chi_Minh"
    skip_weekends: bool = True
    skip_holidays: bool = True
    inbox: Path = Path("inbox")  # relative to the configuration file
    steering_committee: tuple[str, ...] = ()
    jobs: Mapping[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class DataSettings:
    catalog: Path = Path("bo_tieu_chi.csv")  # paths relative to the configuration file
    catalog_set: str = "xa_2016_2020"
    registry: Path = Path("don_vi.xlsx")
    plan: Path = Path("ke_hoach_2021.xlsx")
    contacts: Path = Path("danh_ba.xlsx")
    district_workbook: Path | None = None
    reporting_deadline: date | None = None
    due_soon_days: int = 7


@dataclass(frozen=True)
class OutputSettings:
    master: Path = Path("out/tong_hop.xlsx")  # relative to the working folder
    csv_dir: Path | None = None
    state_dir: Path = Path("var")


@dataclass(frozen=True)
class Config:
    path: Path | None
    catalog: Path
    catalog_set: str
    registry: Path
    plan: Path
    contacts: Path
    district_workbook: Path | None
    reporting_deadline: date | None
    due_soon_days: int
    master: Path
    csv_dir: Path | None
    state_dir: Path
    mail: MailSettings = field(default_factory=MailSettings)
    schedule: ScheduleSettings = field(default_factory=ScheduleSettings)

    def output_folders(self, *extra: Path | str | None) -> list[Path]:
        """The folders the tool writes into (outputs, feedback copies, CSV, mail outbox,
        state), with `extra` ones given on the command line: never read as submissions."""
        folders = [self.master.parent, self.master.parent / FEEDBACK_FOLDER, self.csv_dir]
        folders += [self.mail.outbox, self.state_dir, *extra]
        return [Path(folder) for folder in folders if folder]


FEEDBACK_FOLDER = "gop_y"  # the feedback copies, beside the master workbook
SECTIONS = {
    "data": DataSettings,
    "output": OutputSettings,
    "mail": MailSettings,
    "schedule": ScheduleSettings,
}
OPEN_SECTION = "schedule"  # also holds the jobs' own keys, checked against the jobs table


def _check_sections(file: Path, raw: dict) -> None:
    for section, values in raw.items():
        if section not in SECTIONS or not isinstance(values, dict):
            sections = ", ".join(f"[{name}]" for name in SECTIONS)
            raise ConfigError(
                f"Tệp cấu hình {file}: không có mục «{section}» (các mục: {sections})"
            )


def unknown_key(file: Path | None, section: str, key: str, known: Iterable[str]) -> ConfigError:
    """The error for a misspelt key: a misspelt key is never silently ignored."""
    return ConfigError(
        f"Tệp cấu hình {file}, mục [{section}]: không có khóa «{key}» "
        f"(các khóa: {', '.join(sorted(known))})"
    )


def _section(cls, file: Path, name: str, values: dict, base: Path | None):
    """A settings object from a TOML section: every key known, each value of its field's type,
    paths relative to `base` (when given). Keys a section does not know are refused, except in
    [schedule], where they are the jobs' own settings (checked against the jobs table)."""
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "jobs"}
    typed, jobs = {}, {}
    for key, value in values.items():
        if key not in fields:
            if name != OPEN_SECTION:
                raise unknown_key(file, name, key, fields)
            jobs[key] = value
        elif "Path" in str(fields[key].type):
            typed[key] = Path(os.path.expanduser(value))
        elif "tuple" in str(fields[key].type):
            typed[key] = tuple(value)
        elif fields[key].type in ("int", "bool"):
            typed[key] = {"int": int, "bool": bool}[fields[key].type](value)
        else:
            typed[key] = value
    if name == OPEN_SECTION:
        typed["jobs"] = jobs
    settings = cls(**typed)
    if base is None:
        return settings
    relative = {
        key: base / value
        for key in fields
        if isinstance(value := getattr(settings, key), Path) and not value.is_absolute()
    }
    return dataclasses.replace(settings, **relative)


def load_config(path: Path | str | None = None) -> Config:
    """Load the configuration at `path`, or the bundled one when `path` is None."""
    file = Path(path) if path else DEFAULT_CONFIG
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"Không tìm thấy tệp cấu hình {file}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Tệp cấu hình {file} sai cú pháp: {exc}") from exc
    _check_sections(file, raw)
    here = file.resolve().parent
    try:
        data = _section(DataSettings, file, "data", raw.get("data", {}), here)
        output = _section(OutputSettings, file, "output", raw.get("output", {}), None)
        mail = _section(MailSettings, file, "mail", raw.get("mail", {}), None)
        schedule = _section(ScheduleSettings, file, "schedule", raw.get("schedule", {}), here)
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"Tệp cấu hình {file} có giá trị sai: {exc}") from exc
    state_dir = os.environ.get("NTM_STATE_DIR")
    return Config(
        path=file,
        **{f.name: getattr(data, f.name) for f in dataclasses.fields(DataSettings)},
        master=output.master,
        csv_dir=output.csv_dir,
        state_dir=Path(state_dir) if state_dir else output.state_dir,
        mail=mail,
        schedule=schedule,
    )
