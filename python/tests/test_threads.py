"""Eight threads evaluate while another reloads an edited copy of the
rules: every answer comes whole from one version of the packs, a failed
reload changes nothing, and nothing crashes or deadlocks."""

from __future__ import annotations

import shutil
import threading
import time
from pathlib import Path
from typing import Any

import ordinance
from conftest import RULES

FREQ = "energy_safety.inspection_frequency"
ORIGINAL_ROW = "then: {mode: key, visits_per_period: 2, period: quarter"
EDITED_ROW = "then: {mode: key, visits_per_period: 3, period: quarter"


def _copy_pack(tmp_path: Path) -> tuple[Path, str, str]:
    target = tmp_path / "rules"
    target.mkdir()
    shutil.copytree(RULES / "sources", target / "sources")
    original = (RULES / "energy_safety.yaml").read_text(encoding="utf-8")
    assert original.count(ORIGINAL_ROW) == 1, "the B/C row of supervision_cycle changed; update this test"
    edited = original.replace(ORIGINAL_ROW, EDITED_ROW)
    (target / "energy_safety.yaml").write_text(original, encoding="utf-8")
    # the pack counts working days by this pack's calendar
    shutil.copy(RULES / "cn_workdays_2024.yaml", target / "cn_workdays_2024.yaml")
    return target, original, edited


def test_eight_threads_evaluate_while_another_reloads(tmp_path: Path, roster: list[dict[str, Any]]) -> None:
    rules_dir, original, edited = _copy_pack(tmp_path)
    pack = rules_dir / "energy_safety.yaml"
    engine = ordinance.Engine(rules_dir)
    # the rule-set hash of each version, and what class B gets under it
    hash_original = engine.ruleset
    pack.write_text(edited, encoding="utf-8")
    engine.reload()
    hash_edited = engine.ruleset
    assert hash_edited != hash_original
    expected = {hash_original: (8, 568), hash_edited: (12, 568 + 4 * 31)}
    roster_small = [{"name": r["name"], "sector": r["sector"], "class": r["class"]} for r in roster]

    stop = threading.Event()
    failures: list[BaseException] = []
    seen: set[str] = set()
    counts = [0] * 8
    lock = threading.Lock()

    def evaluate(worker: int) -> None:
        try:
            while not stop.is_set():
                d = engine.evaluate(FREQ, {"class": "B"}, as_of="2024-06-30")
                assert d.ruleset in expected, d.ruleset
                assert d["visits_per_year"] == expected[d.ruleset][0], (d.ruleset, d.outputs)
                plan = engine.evaluate(
                    "energy_safety.planned_inspections", {"roster": roster_small}, as_of="2024-06-30", trace=False
                )
                assert plan["total"] == expected[plan.ruleset][1], (plan.ruleset, plan["total"])
                many = engine.evaluate_many(FREQ, [{"class": c} for c in "ABCD"], as_of="2024-06-30")
                # one call, one snapshot: all four records see the same packs
                assert len({m.ruleset for m in many}) == 1
                assert many[1]["visits_per_year"] == expected[many[1].ruleset][0]
                with lock:
                    seen.add(d.ruleset)
                counts[worker] += 1
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            failures.append(e)
            stop.set()

    reload_errors = 0

    def reload() -> None:
        nonlocal reload_errors
        try:
            for i in range(60):
                if stop.is_set():
                    break
                if i % 10 == 9:
                    # a broken edit: the reload fails and the engine keeps serving
                    pack.write_text(original.replace("formula:", "formulae:", 1), encoding="utf-8")
                    before = engine.ruleset
                    try:
                        engine.reload()
                    except ordinance.LoadError:
                        reload_errors += 1
                    assert engine.ruleset == before
                else:
                    pack.write_text(edited if i % 2 == 0 else original, encoding="utf-8")
                    engine.reload()
                # let every evaluator finish a round on this version
                start, deadline = sum(counts), time.monotonic() + 5
                while sum(counts) < start + 8 and time.monotonic() < deadline and not stop.is_set():
                    time.sleep(0.001)
        except BaseException as e:  # noqa: BLE001 - reported by the main thread
            failures.append(e)
        finally:
            stop.set()

    workers = [threading.Thread(target=evaluate, args=(w,)) for w in range(8)]
    reloader = threading.Thread(target=reload)
    for t in workers:
        t.start()
    reloader.start()
    reloader.join(timeout=120)
    for t in workers:
        t.join(timeout=120)
    assert not reloader.is_alive() and not any(t.is_alive() for t in workers), "a thread hung"
    if failures:
        raise failures[0]
    assert reload_errors == 6
    assert all(c > 0 for c in counts), counts
    assert seen == {hash_original, hash_edited}, "the evaluators should have seen both versions"


def test_the_gil_is_released_while_the_core_works(engine: ordinance.Engine) -> None:
    """While one thread is inside a long evaluate_many, a pure-Python thread
    keeps running: the core works with the GIL released."""
    records = [{"year": 2024}] * 20000  # cheap to convert, costly to evaluate
    ticks: list[float] = []
    window: list[float] = []
    done = threading.Event()

    def count() -> None:
        while not done.is_set():
            ticks.append(time.perf_counter())

    def work() -> None:
        window.append(time.perf_counter())
        engine.evaluate_many("energy_safety.year_calendar", records, as_of="2024-06-30")
        window.append(time.perf_counter())

    counter = threading.Thread(target=count)
    counter.start()
    try:
        worker = threading.Thread(target=work)
        worker.start()
        worker.join(timeout=120)
    finally:
        done.set()
        counter.join(timeout=10)
    start, end = window
    inside = [t for t in ticks if start < t < end]
    # With the GIL held for the whole call the counter could not run at all
    # inside it; released, it runs for most of the call.
    assert len(inside) > 1000, (len(inside), end - start)
