"""shared.pipeline.memory: freed memory goes back to the system after a large step (glibc only)."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

import pytest

from shared.pipeline import memory

ROOT = Path(__file__).resolve().parents[2]
# Large values (malloc'd, not pymalloc'd) freed around a few survivors, as a parse leaves them:
# glibc keeps the free pages resident until malloc_trim hands them back.
SCRIPT = """
import gc, sys
sys.path.insert(0, sys.argv[1])
from shared.pipeline import memory
def rss():
    return int(open("/proc/self/status").read().split("VmRSS:")[1].split()[0]) // 1024
junk = [bytes(1000) + str(i).encode() for i in range(300_000)]
survivors = junk[::500]
del junk
gc.collect()
before = rss()
memory.release()
print(before, rss())
"""


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_release_hands_freed_pages_back():
    assert memory._malloc_trim() is not None
    done = subprocess.run([sys.executable, "-c", SCRIPT, str(ROOT)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    before, after = map(int, done.stdout.split())
    assert before > 250 and after < before / 3, (before, after)


# In a process of its own: gc.freeze is process-wide.
FREEZE_SCRIPT = """
import gc, sys, weakref
sys.path.insert(0, sys.argv[1])
from shared.pipeline import memory
import json, decimal  # the app's imports, as a worker has them at its first step
memory.release()
frozen = gc.get_freeze_count()
class Node: pass
kept = [Node() for _ in range(1000)]  # a step's live objects: not imports, not frozen
cycle = Node(); cycle.me = cycle; probe = weakref.ref(cycle); del cycle
memory.release()
assert probe() is None, "a cycle a step left behind was not collected"
assert gc.get_freeze_count() <= frozen, (gc.get_freeze_count(), frozen)
import fractions  # a renderer's library imported at its first use: frozen at the next release
memory.release()
assert gc.get_freeze_count() > frozen + len(kept), (gc.get_freeze_count(), frozen)
print(frozen)
"""


def test_release_freezes_what_imports_made_and_still_collects_what_steps_leave():
    done = subprocess.run([sys.executable, "-c", FREEZE_SCRIPT, str(ROOT)], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout) > 5000  # the modules' objects: no longer walked by every collection


def test_a_step_is_followed_by_a_release(monkeypatch):
    calls = []
    monkeypatch.setattr(memory, "release", lambda: calls.append("release"))

    @memory.released_after
    def step(x: int) -> int:
        calls.append("step")
        if x < 0:
            raise ValueError(x)
        return x * 2

    assert step(2) == 4 and calls == ["step", "release"]
    with pytest.raises(ValueError):
        step(-1)
    assert calls == ["step", "release", "step", "release"]
