"""The office's configuration: where its workbooks are, the reporting rules, mail and schedule.

Read from a TOML file (`workbooks/cau_hinh.toml` by default); relative paths in it are taken
relative to the file's own folder, so a copied configuration folder keeps working.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
import re
import sys
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ntm_excel.errors import CONFIG_FILE_LIMIT, ConfigError, check_office_file
from ntm_excel.text import is_email_address, shown


def _bundled() -> Path:
    """The bundled workbooks: beside the package in a checkout (or an editable install), else
    where a wheel installs them (setup.cfg data_files: <prefix>/share/ntm-excel/workbooks)."""
    beside = Path(__file__).resolve().parent.parent / "workbooks"
    return beside if beside.is_dir() else Path(sys.prefix) / "share" / "ntm-excel" / "workbooks"


BUNDLED = _bundled()
VIETNAM_TIME = ZoneInfo("Asia/Ho_Chi_Minh")  # one zone for the whole country


def vietnam_time(timestamp: float) -> datetime:
    """A moment (seconds since the epoch, as a file's time) as a clock in Vietnam shows it,
    whatever the host's own time zone; no time zone attached."""
    return datetime.fromtimestamp(timestamp, VIETNAM_TIME).replace(tzinfo=None)


DEFAULT_CONFIG = BUNDLED / "cau_hinh.toml"
BUNDLED_VOCABULARY = BUNDLED / "tu_vung.csv"


CONNECTION_SECURITY = ("none", "starttls", "ssl")  # of the mail server and of the mailbox
_SECURITY_CHOICES = (
    "«starttls» (mã hóa sau khi kết nối, thường cổng 587 hoặc 143), «ssl» (mã hóa ngay, "
    "thường cổng 465 hoặc 993), «none» (không mã hóa, chỉ trong mạng nội bộ)"
)


@dataclass(frozen=True)
class MailSettings:
    sender: str = "vpdp.ntm@camxuyen.example.org"
    sender_name: str = "Văn phòng điều phối NTM huyện"
    smtp_host: str = ""  # empty: messages are written to the outbox folder as .eml files
    smtp_port: int = 587
    smtp_user: str = ""
    smtp_security: str = "starttls"  # none | starttls | ssl
    smtp_timeout: float = 30  # seconds without an answer before the server is given up
    outbox: Path = Path("out/outbox")  # relative to the working folder


@dataclass(frozen=True)
class MailboxSettings:
    """The office mailbox the `collect` job fetches submissions from (IMAP); without a host
    the job only watches the inbox folder. The password is read from the environment
    (NTM_IMAP_PASSWORD), never from the configuration file."""

    host: str = ""
    port: int = 993
    security: str = "ssl"  # none | starttls | ssl
    user: str = ""
    folder: str = "INBOX"
    processed_folder: str = ""  # "": collected messages are marked read and stay in `folder`


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
    vocabulary: Path | None = None  # None: the bundled vocabulary (tu_vung.csv)
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
class PeriodSettings:
    """The reporting periods the history counts completeness and timeliness by (see
    `ntm_excel.periods`)."""

    kind: str = "monthly"  # monthly | quarterly | custom
    due_day: int = 0  # a period's report is on time by this day of its last month; 0 = last day
    start: date | None = None  # the first period counted (default: the first submission's)
    custom: tuple = ()  # kind = "custom": tables { name, start, end, due }


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
    mailbox: MailboxSettings = field(default_factory=MailboxSettings)
    periods: PeriodSettings = field(default_factory=PeriodSettings)
    written: frozenset[str] = frozenset()  # the [data] keys the file sets ("plan" …)

    def data_file(self, key: str) -> Path:
        """The office's data file under [data] `key` (see `require`)."""
        self.require(key)
        return getattr(self, key)

    def require(self, *keys: str) -> None:
        """Raise one ConfigError for every data file under [data] `keys` ("catalog",
        "vocabulary", "registry", "plan", "contacts") that is not there, naming each key and
        saying where relative paths are taken from."""
        missing = [key for key in keys if not getattr(self, key).is_file()]
        if not missing:
            return
        lines = []
        for key in missing:
            path = getattr(self, key)
            how = (
                f"khóa [data] {key} chỉ tới tệp này"
                if key in self.written
                else f"chưa ghi khóa [data] {key}: tìm tệp mặc định «{path.name}» cạnh tệp cấu hình"
            )
            lines.append(f"{DATA_FILES[key]} {path} ({how})")
        first = getattr(self, missing[0]).name
        folder = self.path.resolve().parent if self.path else Path.cwd()
        found = (
            f" {lines[0]}" if len(lines) == 1 else ":\n" + "\n".join(f"  - {ln}" for ln in lines)
        )
        raise ConfigError(
            f"Tệp cấu hình {self.path}: không tìm thấy{found}\nHãy ghi đường dẫn của tệp vào "
            f"khóa đó trong mục [data], ví dụ {missing[0]} = 'D:\\NTM\\{first}'; đường dẫn "
            f"tương đối được tính từ thư mục chứa tệp cấu hình ({folder})."
        )

    def csv_dir_for(self, master: Path | str) -> Path | None:
        """Where the CSV files of a master written at `master` go: `csv/` beside it when the
        configuration keeps its CSV beside its own master (as the bundled one does: out/csv
        beside out/tong_hop.xlsx), else the folder it names (None: no CSV)."""
        if self.csv_dir is not None and Path(self.csv_dir) == self.master.parent / CSV_FOLDER:
            return Path(master).parent / CSV_FOLDER
        return self.csv_dir

    def output_folders(self, *extra: Path | str | None) -> list[Path]:
        """The folders the tool writes into (outputs, feedback copies, CSV, mail outbox,
        state), with `extra` ones given on the command line: never read as submissions."""
        folders = [self.master.parent, self.master.parent / FEEDBACK_FOLDER, self.csv_dir]
        folders += [self.mail.outbox, self.state_dir, *extra]
        return [Path(folder) for folder in folders if folder]


FEEDBACK_FOLDER = "gop_y"  # the feedback copies, beside the master workbook
CSV_FOLDER = "csv"  # the CSV files, beside the master workbook unless configured elsewhere
DATA_FILES = {  # [data] key → what the file is, in words
    "catalog": "bộ tiêu chí",
    "vocabulary": "bảng từ vựng",
    "registry": "danh sách đơn vị",
    "plan": "tệp kế hoạch",
    "contacts": "tệp danh bạ",
}
SECTIONS = {
    "data": DataSettings,
    "output": OutputSettings,
    "periods": PeriodSettings,
    "mail": MailSettings,
    "mailbox": MailboxSettings,
    "schedule": ScheduleSettings,
}
OPEN_SECTION = "schedule"  # also holds the jobs' own keys, checked against the jobs table


def _check_sections(file: Path, raw: dict) -> None:
    for section, values in raw.items():
        if section not in SECTIONS or not isinstance(values, dict):
            sections = ", ".join(f"[{name}]" for name in SECTIONS)
            raise ConfigError(
                f"Tệp cấu hình {file}: không có mục «{section}»{_meant(section, SECTIONS)} "
                f"(các mục: {sections})"
            )


def _meant(typed: str, known: Iterable[str]) -> str:
    """« — có phải «x»?» for the known name nearest to a misspelt one, else ""."""
    near = difflib.get_close_matches(typed, list(known), 1, 0.6)
    return f" — có phải «{near[0]}»?" if near else ""


# What tomllib says, in Vietnamese (by the start of its message).
_TOML_REASONS = {
    "Expected newline or end of document": (
        "sau mỗi khóa = giá trị phải xuống dòng (chữ phải nằm trong dấu nháy, lời ghi chú bắt "
        "đầu bằng #)"
    ),
    "Illegal character": "có ký tự không được phép (chuỗi chưa đóng dấu nháy?)",
    "Unterminated string": "chuỗi thiếu dấu nháy đóng",
    "Expected '=' after a key": "thiếu dấu = sau tên khóa",
    "Invalid value": "giá trị không hợp lệ (chữ phải nằm trong dấu nháy)",
    "Expected ']' at the end of a table": "thiếu dấu ] ở cuối tên mục",
    "Cannot overwrite a value": "một khóa được ghi hai lần",
    "Cannot declare": "một mục được ghi hai lần",
    "Invalid initial character for a key part": "tên khóa không hợp lệ",
    "Invalid statement": "dòng không phải khóa = giá trị hay [mục]",
    "Unescaped '\\' in a string": "dấu \\ trong chuỗi",
    "Invalid hex value": "dấu \\ trong chuỗi",
}
_BACKSLASH_RULE = (
    ". Đường dẫn Windows trong dấu nháy kép phải viết \\\\ thay cho \\; dễ hơn là dùng nháy đơn"
)
_BACKSLASH_HINT = (
    f"{_BACKSLASH_RULE} ('C:\\Users\\VPDP\\Tài liệu\\tong_hop.xlsx') hoặc dấu / "
    '("C:/Users/VPDP/…")'
)


_DAY_FIRST = re.compile(r"=\s*\d{1,2}[/.-]\d{1,2}[/.-]\d{2,4}\s*(?:#.*)?$")  # «= 15/03/2021»
_YES_NO = re.compile(  # «skip_weekends = yes»: a switch written in words
    r"=\s*(?:yes|no|có|không|đúng|sai|bật|tắt|on|off|true|false)\s*(?:#.*)?$", re.IGNORECASE
)
_DATE_HINT = 'ngày ghi dạng 2021-03-15 (không dấu nháy) hoặc "15/03/2021" (trong dấu nháy kép)'


def _syntax_error(file: Path, exc: tomllib.TOMLDecodeError) -> ConfigError:
    """What tomllib found wrong, in Vietnamese: the line and column, the line as written, the
    reason, and how to write a Windows path or a date when that is what went wrong."""
    said = re.sub(r" \(at [^)]*\)$", "", str(exc))
    reason = next((v for k, v in _TOML_REASONS.items() if said.startswith(k)), said)
    hint = _BACKSLASH_HINT if "'\\'" in str(exc) or "hex value" in str(exc) else ""
    where = re.search(r"\(at line (\d+), column (\d+)\)", str(exc))
    if not where:
        return ConfigError(f"Tệp cấu hình {file} sai cú pháp: {reason}{hint}")
    lines = file.read_text(encoding="utf-8-sig").splitlines()
    line = lines[int(where[1]) - 1].strip() if int(where[1]) <= len(lines) else ""
    if _DAY_FIRST.search(line):
        reason, hint = _DATE_HINT, ""
    elif _YES_NO.search(line):
        reason, hint = "ghi true (có, bật) hoặc false (không, tắt), chữ thường, không dấu nháy", ""
    elif hint and (quoted := re.match(r"""^([\w.]+\s*=\s*)"([^"']*)"\s*(?:#.*)?$""", line)):
        hint = f"{_BACKSLASH_RULE}: {quoted[1]}'{quoted[2]}'"
    written = f" «{shown(line, 80)}»" if line else ""
    return ConfigError(
        f"Tệp cấu hình {file} sai cú pháp ở dòng {where[1]}, cột {where[2]}{written}: "
        f"{reason}{hint}"
    )


def _check_text(file: Path, raw: dict) -> None:
    """Refuse a value holding a control character: in TOML's double quotes "D:\\ntm\\tong_hop.xlsx"
    is a valid string, with a line break and a tab where the folders' backslashes were."""
    for section, values in raw.items():
        for key, value in values.items() if isinstance(values, dict) else ():
            texts = value if isinstance(value, list) else [value]
            if any(isinstance(t, str) and any(ord(c) < 32 for c in t) for t in texts):
                raise ConfigError(
                    f"Tệp cấu hình {file}, mục [{section}], khóa «{key}»: giá trị có ký tự "
                    f"xuống dòng hoặc tab{_BACKSLASH_HINT}"
                )


def unknown_key(file: Path | None, section: str, key: str, known: Iterable[str]) -> ConfigError:
    """The error for a misspelt key: a misspelt key is never silently ignored."""
    return ConfigError(
        f"Tệp cấu hình {file}, mục [{section}]: không có khóa «{key}»{_meant(key, known)} "
        f"(các khóa: {', '.join(sorted(known))})"
    )


_EXPECTED = {
    "int": "cần một số nguyên từ 0 trở lên, không có dấu nháy (ví dụ 7)",
    "float": "cần một số từ 0 trở lên, không có dấu nháy (ví dụ 30)",
    "bool": "cần true hoặc false, không có dấu nháy",
    "str": "cần chữ trong dấu nháy",
    "date | None": 'cần một ngày có thật: 2021-03-15 (không dấu nháy) hoặc "15/03/2021"',
    "tuple[str, ...]": 'cần một danh sách trong ngoặc vuông, ví dụ ["a@b.vn", "c@d.vn"]',
    "tuple": "cần một danh sách trong ngoặc vuông",
}


_LARGEST = 100_000  # no setting counts more (days, a port, seconds)
LAST_PORT = 65_535
_PORT = f"cần số cổng từ 1 đến {LAST_PORT}, không có dấu nháy (SMTP thường là 587 hoặc 465)"


_WINDOWS_PATH = re.compile(r"^(?:[A-Za-z]:|\\\\)")  # a drive «D:…» or a share «\\máy\…»
_ELSEWHERE = (
    "đây là đường dẫn Windows (ổ đĩa hoặc \\\\máy\\…) mà máy này không chạy Windows; hãy ghi "
    "đường dẫn trên máy này (ví dụ «/srv/ntm/…»), hoặc đường dẫn tương đối tính "
    "từ {base}"
)
_FROM_CONFIG = "thư mục chứa tệp cấu hình"  # [data], [schedule]: relative to the file's folder
_FROM_WORKING = "thư mục đang chạy lệnh"  # [output], [mail]: relative to the working folder


class _WindowsPath(ValueError):
    """A path written the Windows way (a drive, a network share) on another system."""


def _local_path(value: str) -> Path:
    """A configured path on this machine, "~" expanded. On a system other than Windows a
    drive or network path is refused (it would name a file «D:\\NTM\\x.csv» in the folder of
    the configuration), and the backslashes of a relative path copied from Windows
    («out\\csv») separate its folders."""
    if os.name != "nt":
        if _WINDOWS_PATH.match(value):
            raise _WindowsPath(value)
        value = value.replace("\\", "/")
    return Path(os.path.expanduser(value))


def _typed(kind: str, value: object) -> object:
    """A TOML value as its field's type (`kind`, the annotation as written); TypeError or
    ValueError when it is not one. A quoted "15/03/2021" is a date too (what people type)."""
    if "Path" in kind:
        if not isinstance(value, str):
            raise TypeError(kind)
        return _local_path(value)
    if kind.startswith("tuple"):
        if not isinstance(value, list):
            raise TypeError(kind)
        return tuple(value)
    if kind == "bool":  # bool("false") is True: only TOML's own true and false
        if not isinstance(value, bool):
            raise TypeError(kind)
        return value
    if kind in ("int", "float"):  # a count of days, a port, seconds: whole TOML numbers, ≥ 0
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise TypeError(kind)
        if kind == "int" and not isinstance(value, int):
            raise TypeError(kind)
        if not 0 <= value <= _LARGEST:
            raise ValueError(value)
        return int(value) if kind == "int" else float(value)
    if kind == "date | None":
        if isinstance(value, datetime) or not isinstance(value, date | str):
            raise TypeError(kind)
        if isinstance(value, date):
            return value
        for form in ("%Y-%m-%d", "%d/%m/%Y"):
            try:
                return datetime.strptime(value.strip(), form).date()
            except ValueError:
                pass
        raise ValueError(value)
    if kind == "str" and not isinstance(value, str):
        raise TypeError(kind)
    return value


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
            continue
        kind = str(fields[key].type)
        try:
            typed[key] = _typed(kind, value)
            if key.endswith("port") and not 1 <= typed[key] <= LAST_PORT:
                raise ValueError(value)
        except (TypeError, ValueError) as exc:
            expected = _PORT if key.endswith("port") else _EXPECTED.get(kind, "sai kiểu")
            if isinstance(exc, _WindowsPath):
                expected = _ELSEWHERE.format(base=_FROM_WORKING if base is None else _FROM_CONFIG)
            raise ConfigError(
                f"Tệp cấu hình {file}, mục [{name}], khóa «{key}»: giá trị «{shown(str(value))}» "
                f"không dùng được: {expected}"
            ) from exc
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


_SPREADSHEETS = {".xlsx", ".xlsm", ".xls", ".ods"}  # given for --config by mistake


def load_config(path: Path | str | None = None) -> Config:
    """Load the configuration at `path`, or the bundled one when `path` is None."""
    file = Path(path) if path else DEFAULT_CONFIG
    check_office_file(file, ConfigError, "Tệp cấu hình", CONFIG_FILE_LIMIT)
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8-sig"))  # Notepad may add a BOM
    except FileNotFoundError as exc:
        saved = file.with_name(f"{file.name}.txt")  # Notepad's «Save as type: Text Documents»
        hint = (
            f": Notepad đã lưu nó thành «{saved.name}»; hãy đổi tên bỏ đuôi .txt (Explorer: "
            "View › File name extensions để thấy đuôi tệp), hoặc khi lưu chọn Save as type "
            "«All Files (*.*)»"
            if saved.is_file()
            else ""
        )
        raise ConfigError(f"Không tìm thấy tệp cấu hình {file}{hint}") from exc
    except UnicodeDecodeError as exc:
        if file.suffix.lower() in _SPREADSHEETS:
            raise ConfigError(
                f"«{file}» là một bảng tính, không phải tệp cấu hình: --config cần tệp .toml (như "
                "workbooks/cau_hinh.toml); bộ tiêu chí, danh sách đơn vị ghi bằng --catalog, "
                "--registry hoặc trong mục [data] của tệp cấu hình"
            ) from exc
        raise ConfigError(
            f"Tệp cấu hình {file} không phải dạng UTF-8: hãy mở bằng Notepad, chọn "
            "File › Save As…, mục Encoding chọn «UTF-8» rồi lưu lại"
        ) from exc
    except tomllib.TOMLDecodeError as exc:
        raise _syntax_error(file, exc) from exc
    _check_sections(file, raw)
    _check_text(file, raw)
    here = file.resolve().parent
    try:
        data = _section(DataSettings, file, "data", raw.get("data", {}), here)
        output = _section(OutputSettings, file, "output", raw.get("output", {}), None)
        mail = _section(MailSettings, file, "mail", raw.get("mail", {}), None)
        schedule = _section(ScheduleSettings, file, "schedule", raw.get("schedule", {}), here)
        mailbox = _section(MailboxSettings, file, "mailbox", raw.get("mailbox", {}), None)
        periods = _section(PeriodSettings, file, "periods", raw.get("periods", {}), None)
    except ConfigError:
        raise
    except (TypeError, ValueError) as exc:
        raise ConfigError(f"Tệp cấu hình {file} có giá trị sai: {exc}") from exc
    try:
        ZoneInfo(schedule.timezone)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(
            f"Tệp cấu hình {file}, mục [schedule], khóa «timezone»: «{shown(schedule.timezone)}» "
            'không phải tên một múi giờ; giờ Việt Nam ghi timezone = "Asia/Ho_Chi_Minh"'
        ) from exc
    for section, key, value in (
        ("mail", "smtp_security", mail.smtp_security),
        ("mailbox", "security", mailbox.security),
    ):  # refused even while no server is configured (the outbox, no mailbox): a typo waits
        if value not in CONNECTION_SECURITY:
            raise ConfigError(
                f"Tệp cấu hình {file}, mục [{section}], khóa «{key}»: «{shown(value)}» không "
                f"phải một kiểu bảo mật kết nối; hãy ghi một trong: {_SECURITY_CHOICES}"
            )
    for address in schedule.steering_committee:
        if not is_email_address(address.strip()):
            raise ConfigError(
                f"Tệp cấu hình {file}, mục [schedule], khóa «steering_committee»: "
                f"«{shown(address)}» không phải một địa chỉ thư (dạng ten@donvi.gov.vn)"
            )
    state_dir = os.environ.get("NTM_STATE_DIR")
    if data.vocabulary is None:  # a configuration written before the vocabulary existed
        data = dataclasses.replace(data, vocabulary=BUNDLED_VOCABULARY)
    return Config(
        path=file,
        **{f.name: getattr(data, f.name) for f in dataclasses.fields(DataSettings)},
        master=output.master,
        csv_dir=output.csv_dir,
        state_dir=Path(state_dir) if state_dir else output.state_dir,
        mail=mail,
        schedule=schedule,
        mailbox=mailbox,
        periods=periods,
        written=frozenset(raw.get("data", {})),
    )
