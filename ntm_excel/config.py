"""The office's configuration: where its workbooks are, the reporting rules, mail and schedule.

Read from a TOML file (`workbooks/cau_hinh.toml` by default); relative paths in it are taken
relative to the file's own folder, so a copied configuration folder keeps working.
"""

from __future__ import annotations

import os
import sys
import tomllib
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from zoneinfo import ZoneInfo


def _bundled() -> Path:
    """The bundled workbooks: beside the package in a checkout (or an editable install), else
    where a wheel installs them (setup.cfg data_files: <prefix>/share/ntm-excel/workbooks)."""
    beside = Path(__file__).resolve().parent.parent / "workbooks"
    return beside if beside.is_dir() else Path(sys.prefix) / "share" / "ntm-excel" / "workbooks"


BUNDLED = _bundled()
VIETNAM_TIME = ZoneInfo("Asia/Ho_Chi_Minh")  # one zone for the whole country
DEFAULT_CONFIG = BUNDLED / "cau_hinh.toml"


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message says which key and why."""


@dataclass(frozen=True)
class MailSettings:
    sender: str = "vpdp.ntm@camxuyen.example.org"
    sender_name: str = "Văn phòng điều phối NTM huyện"
    smtp_host: str = ""  # empty: messages are written to the outbox folder as .eml files
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_security: str = "starttls"  # none | starttls | ssl
    outbox: Path = Path("out/outbox")


@dataclass(frozen=True)
class ScheduleSettings:
    timezone: str = "Asia/Ho_Chi_Minh"
    daily_digest: str = "07:30"
    weekly_summary: str = "monday 08:00"
    unit_reminders: str = "08:00"
    collect_every_minutes: int = 15
    skip_weekends: bool = True
    skip_holidays: bool = True
    inbox: Path = Path("inbox")
    steering_committee: tuple[str, ...] = ()


@dataclass(frozen=True)
class Config:
    path: Path | None
    catalog: Path
    catalog_set: str
    vocabulary: Path
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


# The keys each section may hold: a misspelt key is an error, never silently ignored.
KNOWN_KEYS = {
    "data": {"catalog", "catalog_set", "vocabulary", "registry", "plan", "contacts", "district_workbook",
             "reporting_deadline", "due_soon_days"},
    "output": {"master", "csv_dir", "state_dir"},
    "mail": {"sender", "sender_name", "smtp_host", "smtp_port", "smtp_user", "smtp_security",
             "outbox"},
    "schedule": {"timezone", "daily_digest", "weekly_summary", "unit_reminders",
                 "collect_every_minutes", "skip_weekends", "skip_holidays", "inbox",
                 "steering_committee"},
}  # fmt: skip


def _check_keys(file: Path, raw: dict) -> None:
    for section, values in raw.items():
        known = KNOWN_KEYS.get(section)
        if known is None or not isinstance(values, dict):
            sections = ", ".join(f"[{name}]" for name in KNOWN_KEYS)
            raise ConfigError(
                f"Tệp cấu hình {file}: không có mục «{section}» (các mục: {sections})"
            )
        for key in values:
            if key not in known:
                raise ConfigError(
                    f"Tệp cấu hình {file}, mục [{section}]: không có khóa «{key}» "
                    f"(các khóa: {', '.join(sorted(known))})"
                )


def _path(base: Path, value: str) -> Path:
    candidate = Path(os.path.expanduser(value))
    return candidate if candidate.is_absolute() else base / candidate


def load_config(path: Path | str | None = None) -> Config:
    """Load the configuration at `path`, or the bundled one when `path` is None."""
    file = Path(path) if path else DEFAULT_CONFIG
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"Không tìm thấy tệp cấu hình {file}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"Tệp cấu hình {file} sai cú pháp: {exc}") from exc
    _check_keys(file, raw)
    base = file.resolve().parent
    data = raw.get("data", {})
    output = raw.get("output", {})
    mail = raw.get("mail", {})
    sched = raw.get("schedule", {})
    try:
        district = data.get("district_workbook")
        csv_dir = output.get("csv_dir")
        state_dir = os.environ.get("NTM_STATE_DIR") or output.get("state_dir", "var")
        return Config(
            path=file,
            catalog=_path(base, data.get("catalog", "bo_tieu_chi.csv")),
            catalog_set=data.get("catalog_set", "xa_2016_2020"),
            vocabulary=_path(base, data.get("vocabulary", "tu_vung.csv")),
            registry=_path(base, data.get("registry", "don_vi.xlsx")),
            plan=_path(base, data.get("plan", "ke_hoach_2021.xlsx")),
            contacts=_path(base, data.get("contacts", "danh_ba.xlsx")),
            district_workbook=_path(base, district) if district else None,
            reporting_deadline=data.get("reporting_deadline"),
            due_soon_days=int(data.get("due_soon_days", 7)),
            master=Path(output.get("master", "out/tong_hop.xlsx")),
            csv_dir=Path(csv_dir) if csv_dir else None,
            state_dir=Path(state_dir),
            mail=MailSettings(
                sender=mail.get("sender", MailSettings.sender),
                sender_name=mail.get("sender_name", MailSettings.sender_name),
                smtp_host=mail.get("smtp_host", ""),
                smtp_port=int(mail.get("smtp_port", 587)),
                smtp_user=mail.get("smtp_user", ""),
                smtp_security=mail.get("smtp_security", "starttls"),
                outbox=Path(mail.get("outbox", "out/outbox")),
            ),
            schedule=ScheduleSettings(
                timezone=sched.get("timezone", "Asia/Ho_Chi_Minh"),
                daily_digest=sched.get("daily_digest", "07:30"),
                weekly_summary=sched.get("weekly_summary", "monday 08:00"),
                unit_reminders=sched.get("unit_reminders", "08:00"),
                collect_every_minutes=int(sched.get("collect_every_minutes", 15)),
                skip_weekends=bool(sched.get("skip_weekends", True)),
                skip_holidays=bool(sched.get("skip_holidays", True)),
                inbox=_path(base, sched.get("inbox", "inbox")),
                steering_committee=tuple(sched.get("steering_committee", ())),
            ),
        )
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"Tệp cấu hình {file} có giá trị sai: {exc}") from exc
