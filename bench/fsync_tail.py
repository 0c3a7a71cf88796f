#!/usr/bin/env python3
"""The disk's own fsync tail: what a durable commit waits on, with nothing of clientele running.

Appends 64 KiB to a preallocated file and fdatasyncs it, over and over, as a SQLite writer
does with its log, first alone and then beside a thread that writes 800 KiB to a second,
growing file and fsyncs it every 20 ms, as the checkpoints do with the database under
load. Prints one RESULT line a phase: calls, p50, p99 and max in ms, and how many calls took
over 10 ms. Every create queued behind a stalled commit waits with it, so a few stalls a
second put a create's p99 near the stall however fast the rest is.

Usage: bench/fsync_tail.py DIR [seconds a phase=8]
"""
import os
import sys
import threading
import time

LOG = 16 * 1024 * 1024
CHUNK = 64 * 1024
BESIDE = 800 * 1024
PAUSE = 0.02


def beside(path: str, stop: threading.Event) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        block = b"y" * BESIDE
        offset = 0
        while not stop.is_set():
            os.pwrite(fd, block, offset)
            offset += BESIDE
            os.fsync(fd)
            time.sleep(PAUSE)
    finally:
        os.close(fd)
        os.unlink(path)


def phase(directory: str, seconds: float, name: str, with_writes: bool) -> None:
    path = os.path.join(directory, "fsync-tail.log")
    stop = threading.Event()
    other = threading.Thread(
        target=beside, args=(os.path.join(directory, "fsync-tail.db"), stop)
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.pwrite(fd, b"\0" * LOG, 0)
        os.fsync(fd)
        if with_writes:
            other.start()
        block = b"x" * CHUNK
        waits = []
        offset = 0
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            os.pwrite(fd, block, offset)
            offset = (offset + CHUNK) % LOG
            started = time.perf_counter()
            os.fdatasync(fd)
            waits.append((time.perf_counter() - started) * 1e3)
    finally:
        stop.set()
        if with_writes:
            other.join()
        os.close(fd)
        os.unlink(path)
    waits.sort()
    n = len(waits)
    print(
        f"RESULT phase={name} calls={n} seconds={seconds:g} p50_ms={waits[n // 2]:.2f} "
        f"p99_ms={waits[int(n * 0.99)]:.2f} max_ms={waits[-1]:.2f} "
        f"over_10ms={sum(1 for w in waits if w > 10)}"
    )


def main() -> None:
    directory = sys.argv[1]
    seconds = float(sys.argv[2]) if len(sys.argv) > 2 else 8.0
    phase(directory, seconds, "alone", False)
    phase(directory, seconds, "beside-writes", True)


if __name__ == "__main__":
    main()
