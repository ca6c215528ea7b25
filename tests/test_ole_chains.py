"""Hostile .xls containers: a sector chain that loops, or points outside the file, makes
calamine allocate until the machine runs out of memory (olefile opens such files). `sniff`
walks every chain calamine follows first; a worker's memory is capped besides; a file that
kills its worker is reported without being read again.

The containers are real: the Workbook stream of an xlwt workbook (a bundled sample), laid
out again with the streams Excel adds (SummaryInformation… in the mini-stream), then one
chain corrupted. Whatever reads them runs in a child process under a memory limit, so that
a regression fails the test instead of taking the machine's memory.
"""

from __future__ import annotations

import io
import json
import multiprocessing
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

import olefile
import pytest
from support.samples import bundled_specs, write_sample

from ntm_excel.config import load_config
from ntm_excel.errors import UnreadableFileError
from ntm_excel.read import batch as reading
from ntm_excel.read.batch import MEMORY_HEADROOM, TOO_MUCH_MEMORY, read_files
from ntm_excel.read.sniff import sniff
from ntm_excel.reference.catalog import load_catalog
from ntm_excel.reference.registry import load_registry

DAMAGED = "tệp .xls bị hỏng (không mở được cấu trúc tệp)"
END, FREE, FATSECT = 0xFFFFFFFE, 0xFFFFFFFF, 0xFFFFFFFD
SECTOR = 512
SMALL = {  # the small streams Excel and LibreOffice write beside the workbook
    "\x05SummaryInformation": bytes(range(200)),
    "\x05DocumentSummaryInformation": bytes(range(116)),
}
LIMIT = 3 << 30  # address space of the child processes that read hostile files


class Container:
    """A compound file laid out as sectors: FAT (0), directory (1), mini-FAT (2), the
    mini-stream, then the Workbook stream; `bytes()` writes it as Excel would."""

    def __init__(self, workbook: bytes):
        self.small = list(SMALL.items())
        ministream = b"".join(data.ljust(-(-len(data) // 64) * 64, b"\0") for _, data in self.small)
        self.ministream = ministream
        self.mini_sectors = list(range(3, 3 + -(-len(ministream) // SECTOR)))
        first = self.mini_sectors[-1] + 1
        self.workbook = workbook
        self.book_sectors = list(range(first, first + -(-len(workbook) // SECTOR)))
        self.count = self.book_sectors[-1] + 1
        self.fat = [FATSECT, END, END] + [FREE] * (SECTOR // 4 - 3)
        for chain in (self.mini_sectors, self.book_sectors):
            for sid, after in zip(chain, chain[1:] + [END], strict=True):
                self.fat[sid] = after
        self.mini_fat, at = [FREE] * (SECTOR // 4), 0
        self.mini_starts = []
        for _, data in self.small:
            chain = list(range(at, at + -(-len(data) // 64)))
            self.mini_starts.append(at)
            for sid, after in zip(chain, chain[1:] + [END], strict=True):
                self.mini_fat[sid] = after
            at += len(chain)
        self.header = {"dir": 1, "mini_fat": 2, "mini_fat_count": 1, "difat": END}
        self.difat = [0] + [FREE] * 108
        self.sizes = {"Root Entry": len(ministream), "Workbook": len(workbook)}
        self.sizes |= {name: len(data) for name, data in self.small}
        self.starts = {"Root Entry": self.mini_sectors[0], "Workbook": self.book_sectors[0]}
        self.starts |= {
            name: at for (name, _), at in zip(self.small, self.mini_starts, strict=True)
        }
        self.extra: list[bytes] = []  # sectors appended after the workbook
        self.decoy = False  # entry 1 a «Workbook» outside the tree, the real one entry 3

    def append(self, sector: bytes) -> int:
        self.extra.append(sector)
        return self.count + len(self.extra) - 1

    def _entry(
        self, name: str, kind: int, right: int = FREE, child: int = FREE, data: str = ""
    ) -> bytes:
        """A directory entry named `name`, holding the stream of entry `data` (default: its
        own)."""
        encoded = (name + "\0").encode("utf-16-le")
        entry = bytearray(128)
        entry[: len(encoded)] = encoded
        struct.pack_into("<HBBIII", entry, 64, len(encoded), kind, 1, FREE, right, child)
        struct.pack_into("<II", entry, 116, self.starts[data or name], self.sizes[data or name])
        return bytes(entry)

    def __bytes__(self) -> bytes:
        names = [name for name, _ in self.small]
        if self.decoy:  # olefile finds entry 3 through the tree; calamine takes entry 1
            directory = self._entry("Root Entry", 5, child=2)
            directory += self._entry("Workbook", 2, data=names[1])
            directory += self._entry(names[0], 2, right=3) + self._entry("Workbook", 2)
        else:
            directory = self._entry("Root Entry", 5, child=1)
            directory += self._entry("Workbook", 2, right=2)
            directory += self._entry(names[0], 2, right=3) + self._entry(names[1], 2)
        header = bytearray(SECTOR)
        header[:8] = olefile.MAGIC
        struct.pack_into("<HHHHH", header, 24, 0x3E, 3, 0xFFFE, 9, 6)
        struct.pack_into("<IIII", header, 44, 1, self.header["dir"], 0, 4096)
        struct.pack_into("<II", header, 60, self.header["mini_fat"], self.header["mini_fat_count"])
        struct.pack_into("<II", header, 68, self.header["difat"], 0)
        struct.pack_into("<109I", header, 76, *self.difat)
        parts = [bytes(header), struct.pack(f"<{SECTOR // 4}I", *self.fat), directory]
        parts += [struct.pack(f"<{SECTOR // 4}I", *self.mini_fat)]
        parts += [self.ministream.ljust(len(self.mini_sectors) * SECTOR, b"\0")]
        parts += [self.workbook.ljust(len(self.book_sectors) * SECTOR, b"\0"), *self.extra]
        return b"".join(parts)


def _loop_directory(c: Container) -> None:  # the attack found: 23 GB, then the OOM killer
    c.fat[1] = 1


def _loop_mini_fat(c: Container) -> None:  # the mini-FAT's own chain, with a large count
    c.fat[2] = 2
    c.header["mini_fat_count"] = 0xFFFFFF


def _loop_ministream(c: Container) -> None:  # the root entry's chain, with a large size
    c.fat[c.mini_sectors[-1]] = c.mini_sectors[0]
    c.sizes["Root Entry"] = 0x7FFFFFC0


def _loop_small_stream(c: Container) -> None:  # a stream's chain in the mini-FAT
    start = c.mini_starts[0]
    c.mini_fat[start + 1] = start


def _loop_workbook_tail(c: Container) -> None:  # the Workbook's last sector back to its first
    c.fat[c.book_sectors[-1]] = c.book_sectors[0]
    c.sizes["Workbook"] = 0x7FFFFF00


def _stream_beyond_file(c: Container) -> None:  # a small stream's chain leaves the file
    c.mini_fat[c.mini_starts[1]] = 5000


def _loop_difat(c: Container) -> None:  # a DIFAT sector naming itself next (olefile skips it)
    sid = c.count + len(c.extra)
    c.header["difat"] = c.append(struct.pack(f"<{SECTOR // 4}I", *[FREE] * 127, sid))


def _streams_share_sectors(c: Container) -> None:  # a walk per stream would be quadratic
    first, second = SMALL
    c.starts[second] = c.starts[first]


def _decoy_workbook(c: Container) -> None:  # the checks of the BIFF stream would miss it
    c.decoy = True


def _fat_listed_twice(c: Container) -> None:
    c.difat[1] = 0


def _size_beyond_chain(c: Container) -> None:  # olefile and calamine read what there is
    c.sizes["Workbook"] = 0xFFFFFF00


CORRUPTIONS = {
    "directory-loop": _loop_directory,
    "mini-fat-loop": _loop_mini_fat,
    "ministream-loop": _loop_ministream,
    "small-stream-loop": _loop_small_stream,
    "workbook-loop": _loop_workbook_tail,
    "stream-beyond-file": _stream_beyond_file,
    "difat-loop": _loop_difat,
    "streams-share-sectors": _streams_share_sectors,
    "decoy-workbook": _decoy_workbook,
    "fat-listed-twice": _fat_listed_twice,
    "size-beyond-chain": _size_beyond_chain,
}


@pytest.fixture(scope="module")
def workbooks(tmp_path_factory):
    """Two bundled .xls submissions (xlwt), each as written and laid out again."""
    folder = tmp_path_factory.mktemp("ole")
    specs = [(name, spec) for name, spec in bundled_specs() if name.endswith(".xls")][:2]
    written = [write_sample(folder / name, spec) for name, spec in specs]
    streams = [olefile.OleFileIO(path).openstream("Workbook").read() for path in written]
    return folder, written, streams


def _corrupted(stream: bytes, corruption) -> bytes:
    container = Container(stream)
    corruption(container)
    return bytes(container)


def test_a_container_laid_out_with_small_streams_is_read(workbooks):
    """The layout of these tests is a sound compound file: olefile reads every stream of it,
    the checks let it through and the reader reads it as the file xlwt wrote."""
    folder, written, streams = workbooks
    data = bytes(Container(streams[0]))
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        assert ole.openstream("Workbook").read() == streams[0]
        for name, content in SMALL.items():
            assert ole.openstream(name).read() == content
    assert sniff(data).kind == "xls"
    (folder / "lai.xls").write_bytes(data)
    registry, indicators = _reference()
    [[(laid_out, _)], [(original, _)]] = read_files(
        [folder / "lai.xls", written[0]], registry, indicators, workers=1
    )
    assert laid_out is not None and original is not None
    assert (laid_out.unit_code, laid_out.indicators) == (original.unit_code, original.indicators)


@pytest.mark.parametrize("corruption", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_broken_chain_is_refused_before_any_library_follows_it(workbooks, corruption):
    data = _corrupted(workbooks[2][0], corruption)
    started = time.process_time()
    with pytest.raises(UnreadableFileError) as refused:
        sniff(data)
    assert str(refused.value) == DAMAGED
    assert time.process_time() - started < 0.1


# Reads the files named on the command line as `validate` reads them, under a memory limit
# (the workers inherit it), and prints what each file gave.
_CAPPED_READER = """
import json, resource, sys
from pathlib import Path
hard = resource.getrlimit(resource.RLIMIT_AS)[1]
limit = int(sys.argv[1]) if hard == resource.RLIM_INFINITY else min(int(sys.argv[1]), hard)
resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
sys.path.insert(0, sys.argv[2])
from test_ole_chains import _reference
from ntm_excel.read.batch import read_files
files = [Path(name) for name in sys.argv[3:]]
results = read_files(files, *_reference(), workers=1)
print(json.dumps([
    [[submission is not None, [issue.message for issue in issues]] for submission, issues in result]
    for result in results
]))
"""


def _reference():
    registry = load_registry(load_config().registry)
    return registry, load_catalog(load_config().catalog).resolve("xa_2016_2020", "Hà Tĩnh")


@pytest.mark.skipif(not os.path.isdir("/proc"), reason="RLIMIT_AS caps the child (Linux)")
def test_a_batch_with_hostile_containers_goes_on(workbooks, tmp_path):
    """Every hostile container is one file-unreadable issue saying the .xls is damaged,
    found by the checks (not by a worker dying), and the files around them are read."""
    _, written, streams = workbooks
    names = []
    for n, (name, corruption) in enumerate(CORRUPTIONS.items()):
        path = tmp_path / f"{name}.xls"
        path.write_bytes(_corrupted(streams[n % 2], corruption))
        names.append(path)
    files = [written[0], *names, written[1]]
    done = subprocess.run(
        [sys.executable, "-c", _CAPPED_READER, str(LIMIT), str(Path(__file__).parent)]
        + [str(path) for path in files],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    results = json.loads(done.stdout)
    assert results[0][0][0] and results[-1][0][0]
    for path, [[read, messages]] in zip(names, results[1:-1], strict=True):
        assert not read and len(messages) == 1 and DAMAGED in messages[0], path.name
    assert "memory allocation" not in done.stderr


pytestmark_fork = pytest.mark.skipif(
    multiprocessing.get_start_method() != "fork", reason="workers must inherit the patch"
)


@pytestmark_fork
@pytest.mark.parametrize("workers", [1, 2])
def test_a_file_that_kills_its_worker_is_read_once(workbooks, tmp_path, monkeypatch, workers):
    """The file a worker was reading when the pool broke, when it is the only one, is
    reported without being read again (a second reading of a file that takes the machine's
    memory would double the harm). With two workers, the other may have been reading too:
    only those two files are read again, one at a time."""
    _, written, _ = workbooks
    files = []
    for n in range(6):
        files.append(tmp_path / f"xa_{n}.xls")
        files[-1].write_bytes(written[n % 2].read_bytes())
    culprit = files[2]
    log = tmp_path / "reads.log"
    real_reader = reading.read_workbook

    def reader(path, *args):
        with open(log, "a", encoding="utf-8") as out:
            out.write(Path(path).name + "\n")
        if Path(path) == culprit:
            os.abort()
        return real_reader(path, *args)

    monkeypatch.setattr(reading, "read_workbook", reader)
    results = read_files(files, *_reference(), workers=workers)
    reads = log.read_text(encoding="utf-8").split()
    assert reads.count(culprit.name) == 1 if workers == 1 else 1 <= reads.count(culprit.name) <= 2
    assert len(reads) <= len(files) + (0 if workers == 1 else 2)
    for path, [(submission, issues)] in zip(files, results, strict=True):
        if path == culprit:
            assert submission is None and reading.WORKER_DIED in issues[0].message
        else:
            assert submission is not None, path.name


@pytestmark_fork
@pytest.mark.skipif(not os.path.isdir("/proc"), reason="RLIMIT_AS (Linux)")
def test_a_worker_cannot_take_more_memory_than_its_cap(workbooks, monkeypatch):
    """A reading that asks for more address space than a worker may take fails with
    MemoryError (never touching the memory), which becomes that file's issue."""
    _, written, _ = workbooks
    real_reader = reading.read_workbook
    greedy = written[1]

    def reader(path, *args):
        if Path(path) == greedy:
            bytes(MEMORY_HEADROOM + (1 << 30))  # calloc: the pages are never touched
        return real_reader(path, *args)

    monkeypatch.setattr(reading, "read_workbook", reader)
    results = read_files(written, *_reference(), workers=1)
    [(first, _)], [(second, [issue])] = results
    assert first is not None and second is None
    assert issue.code == "file-unreadable" and TOO_MUCH_MEMORY in issue.message
