"""ntm-excel: read, check and consolidate the communes' New Rural Development (Nông thôn mới)
criteria workbooks, and remind officials of their deadlines."""

__version__ = "0.1.0"
