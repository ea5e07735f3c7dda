"""Every exception and its fields; never a RuntimeError carrying JSON."""

from __future__ import annotations

import datetime
import pickle
from pathlib import Path

import pytest

import ordinance
from conftest import RULES

FREQ = "energy_safety.inspection_frequency"


def test_hierarchy() -> None:
    for cls in (ordinance.LoadError, ordinance.InputError, ordinance.UnknownRuleError, ordinance.EvaluationError):
        assert issubclass(cls, ordinance.OrdinanceError)
        assert not issubclass(cls, RuntimeError)
    assert issubclass(ordinance.ValidityError, ordinance.EvaluationError)
    assert issubclass(ordinance.LimitError, ordinance.EvaluationError)
    assert issubclass(ordinance.OrdinanceError, Exception)
    assert ordinance.LoadError.__name__ == "LoadError"
    assert ordinance.LoadError.__module__ == "ordinance"
    codes = {
        ordinance.OrdinanceError: "error",
        ordinance.LoadError: "load",
        ordinance.InputError: "input",
        ordinance.UnknownRuleError: "unknown_rule",
        ordinance.EvaluationError: "evaluation",
        ordinance.ValidityError: "validity",
        ordinance.LimitError: "limit",
    }
    for cls, code in codes.items():
        assert cls.code == code


def test_errors_raised_from_python_have_every_attribute() -> None:
    e = ordinance.InputError("custom")
    assert (e.rule, e.field, e.allowed, e.index, e.code) == (None, None, None, None, "input")
    le = ordinance.LoadError("custom")
    assert (le.file, le.line, le.column, le.hint, le.diagnostics) == (None, None, None, None, ())
    assert ordinance.UnknownRuleError("x").suggestion is None


def _broken_copy(tmp_path: Path) -> Path:
    """A copy of the energy-safety pack with an unknown key in one rule."""
    (tmp_path / "sources").mkdir()
    for text in (RULES / "sources").glob("*.txt"):
        (tmp_path / "sources" / text.name).write_bytes(text.read_bytes())
    source = (RULES / "energy_safety.yaml").read_text(encoding="utf-8")
    broken = source.replace("    inputs: {class: class}\n", "    inptus: {class: class}\n", 1)
    assert broken != source
    (tmp_path / "energy_safety.yaml").write_text(broken, encoding="utf-8")
    return tmp_path


def test_load_error_fields(tmp_path: Path) -> None:
    broken = _broken_copy(tmp_path)
    with pytest.raises(ordinance.LoadError) as info:
        ordinance.Engine(broken)
    err = info.value
    expected_line = next(
        i for i, line in enumerate((broken / "energy_safety.yaml").read_text(encoding="utf-8").splitlines(), 1)
        if line.startswith("    inptus:")
    )
    assert err.file is not None and err.file.endswith("energy_safety.yaml")
    assert err.line == expected_line
    assert isinstance(err.column, int) and err.column >= 1
    assert err.code == "load"
    assert "inptus" in str(err)
    assert str(err).startswith(f"{err.file}:{err.line}:{err.column}: error: ")
    assert err.diagnostics
    first = err.diagnostics[0]
    assert set(first) == {"file", "line", "column", "message", "hint"}
    assert (first["file"], first["line"], first["column"], first["hint"]) == (err.file, err.line, err.column, err.hint)
    assert err.index is None


def test_load_error_lists_every_problem(tmp_path: Path, exact_dir: Path) -> None:
    text = (exact_dir / "exact.yaml").read_text(encoding="utf-8")
    text = text.replace("amount * rate", "amount * rat").replace("amount * parts", "amount * prts")
    (tmp_path / "exact.yaml").write_text(text, encoding="utf-8")
    with pytest.raises(ordinance.LoadError) as info:
        ordinance.Engine(tmp_path)
    diagnostics = info.value.diagnostics
    assert len(diagnostics) == 2
    assert ["`rat`" in diagnostics[0]["message"], "`prts`" in diagnostics[1]["message"]] == [True, True]
    assert diagnostics[0]["line"] < diagnostics[1]["line"]
    assert "(and 1 more error(s))" in str(info.value)


def test_load_error_hint(tmp_path: Path, exact_dir: Path) -> None:
    text = (exact_dir / "exact.yaml").read_text(encoding="utf-8")
    (tmp_path / "exact.yaml").write_text(text.replace("amount * rate", "amount * rat"), encoding="utf-8")
    with pytest.raises(ordinance.LoadError) as info:
        ordinance.Engine(tmp_path)
    err = info.value
    assert "`rat`" in str(err)
    assert err.hint is not None and "rate" in err.hint


def test_input_error_enum() -> None:
    with pytest.raises(ordinance.InputError) as info:
        ordinance.Engine(RULES).evaluate(FREQ, {"class": "E"})
    err = info.value
    assert err.rule == FREQ
    assert err.field == "class"
    assert err.allowed == ["A", "B", "C", "D"]
    assert err.code == "input"
    assert str(err) == f"rule `{FREQ}`: input `class`: `E` is not allowed; expected one of A, B, C, D"


def test_input_error_missing_and_unknown(engine: ordinance.Engine) -> None:
    with pytest.raises(ordinance.InputError) as missing:
        engine.evaluate(FREQ, {})
    assert missing.value.field == "class"
    assert missing.value.allowed == ["A", "B", "C", "D"]
    with pytest.raises(ordinance.InputError) as unknown:
        engine.evaluate(FREQ, {"class": "A", "clas": "B"})
    assert unknown.value.field == "clas"
    assert unknown.value.allowed is None
    assert "did you mean `class`" in str(unknown.value)


def test_input_error_nested_field_path(engine: ordinance.Engine) -> None:
    roster = [{"name": "甲", "sector": "coal_mine", "class": "A"}, {"name": "乙", "sector": "hydro", "class": "A"}]
    with pytest.raises(ordinance.InputError) as info:
        engine.evaluate("energy_safety.planned_inspections", {"roster": roster}, as_of="2024-06-30")
    assert info.value.field == "roster[1].sector"
    assert info.value.allowed is not None and "power" in info.value.allowed


def test_input_error_from_python_values(exact: ordinance.Engine) -> None:
    with pytest.raises(ordinance.InputError) as info:
        exact.evaluate("exact.total", {"items": [1, 2, 0.5]}, as_of="2024-03-01")
    assert info.value.field == "items[2]"
    assert info.value.rule == "exact.total"
    assert "float" in str(info.value)
    with pytest.raises(ordinance.InputError) as obj:
        exact.evaluate("exact.total", {"items": [object()]}, as_of="2024-03-01")
    assert obj.value.field == "items[0]"
    with pytest.raises(ordinance.InputError) as keys:
        exact.evaluate("exact.share", {1: 2}, as_of="2024-03-01")  # type: ignore[dict-item]
    assert "keys must be strings" in str(keys.value)
    with pytest.raises(ordinance.InputError) as not_mapping:
        exact.evaluate("exact.share", [("amount", 1)], as_of="2024-03-01")  # type: ignore[arg-type]
    assert "mapping" in str(not_mapping.value)
    nested: list[object] = []
    nested.append(nested)
    with pytest.raises(ordinance.InputError, match="nested more than"):
        exact.evaluate("exact.total", {"items": nested}, as_of="2024-03-01")


def test_bad_as_of_is_an_input_error(engine: ordinance.Engine) -> None:
    with pytest.raises(ordinance.InputError) as info:
        engine.evaluate(FREQ, {"class": "A"}, as_of="30/06/2024")
    assert info.value.field == "as_of"
    with pytest.raises(ordinance.InputError):
        engine.evaluate(FREQ, {"class": "A"}, as_of=20240630)  # type: ignore[arg-type]


def test_unknown_rule_error(engine: ordinance.Engine) -> None:
    with pytest.raises(ordinance.UnknownRuleError) as info:
        engine.evaluate("energy_safety.inspection_frequncy", {"class": "A"})
    err = info.value
    assert err.rule == "energy_safety.inspection_frequncy"
    assert err.suggestion == FREQ
    assert err.code == "unknown_rule"
    assert f"did you mean `{FREQ}`" in str(err)
    with pytest.raises(ordinance.UnknownRuleError) as far:
        engine.evaluate("zzz.qqq", {})
    assert far.value.rule == "zzz.qqq"


def test_validity_error(engine: ordinance.Engine) -> None:
    with pytest.raises(ordinance.ValidityError) as info:
        engine.evaluate(FREQ, {"class": "A"}, as_of=datetime.date(2025, 1, 1))
    err = info.value
    assert isinstance(err, ordinance.EvaluationError)
    assert err.rule == FREQ
    assert err.code == "validity"
    assert "2024-01-01 to 2024-12-31" in str(err)


def test_evaluation_error(exact: ordinance.Engine) -> None:
    with pytest.raises(ordinance.EvaluationError) as info:
        exact.evaluate("exact.share", {"amount": 1, "parts": 0}, as_of="2024-03-01")
    err = info.value
    assert type(err) is ordinance.EvaluationError
    assert err.rule == "exact.share"
    assert err.code == "evaluation"
    assert "division by zero" in str(err)


def test_limit_error(exact: ordinance.Engine) -> None:
    with pytest.raises(ordinance.LimitError) as info:
        exact.evaluate("exact.total", {"items": list(range(1000))}, as_of="2024-03-01", max_steps=50)
    assert info.value.rule == "exact.total"
    assert info.value.code == "limit"
    assert "50 steps" in str(info.value)
    # within the budget all is well
    assert exact.evaluate("exact.total", {"items": [1, 2]}, as_of="2024-03-01", max_steps=1000)["total"] == 3


def test_numbers_have_no_ceiling_but_a_size_budget(exact: ordinance.Engine) -> None:
    # a sum beyond 64 bits comes back exact
    big = 2**62
    items = [big] * 8
    assert exact.evaluate("exact.total", {"items": items}, as_of="2024-03-01")["total"] == sum(items)
    # a number past max_digits digits is a limit error naming the operation
    huge = 10**40
    with pytest.raises(ordinance.LimitError) as info:
        exact.evaluate("exact.total", {"items": [huge, huge]}, as_of="2024-03-01", max_digits=20)
    assert info.value.code == "limit"
    assert "digits" in str(info.value)
    rows = exact.evaluate_many("exact.total", [{"items": [huge, huge]}], as_of="2024-03-01", max_digits=20, errors="collect")
    assert isinstance(rows[0], ordinance.LimitError)


def test_evaluate_many_raises_the_first_error_with_its_index(engine: ordinance.Engine) -> None:
    records = [{"class": "A"}, {"class": "B"}, {"class": "X"}, {"class": 1.5}]
    with pytest.raises(ordinance.InputError) as info:
        engine.evaluate_many(FREQ, records, as_of="2024-06-30")
    assert info.value.index == 2
    assert info.value.allowed == ["A", "B", "C", "D"]


def test_evaluate_many_collects_errors(engine: ordinance.Engine) -> None:
    records = [{"class": "A"}, {"class": "X"}, {"class": 1.5}, {"class": "D"}]
    out = engine.evaluate_many(FREQ, records, as_of="2024-06-30", errors="collect")
    assert isinstance(out[0], ordinance.Decision) and out[0]["visits_per_year"] == 4
    assert isinstance(out[1], ordinance.InputError) and out[1].index == 1 and out[1].field == "class"
    assert isinstance(out[2], ordinance.InputError) and out[2].index == 2 and "float" in str(out[2])
    assert isinstance(out[3], ordinance.Decision) and out[3]["visits_per_year"] == 12


def test_evaluate_many_unknown_rule_always_raises(engine: ordinance.Engine) -> None:
    with pytest.raises(ordinance.UnknownRuleError):
        engine.evaluate_many("energy_safety.nope", [{"class": "A"}], errors="collect")


def test_evaluate_many_argument_errors(engine: ordinance.Engine) -> None:
    with pytest.raises(ordinance.InputError, match="sequence of mappings"):
        engine.evaluate_many(FREQ, {"class": "A"})
    with pytest.raises(ValueError, match="errors must be"):
        engine.evaluate_many(FREQ, [], errors="ignore")  # type: ignore[call-overload]
    with pytest.raises(ValueError, match="numbers must be"):
        engine.evaluate(FREQ, {"class": "A"}, numbers="decimal")  # type: ignore[arg-type]


def test_exceptions_survive_pickling(engine: ordinance.Engine) -> None:
    with pytest.raises(ordinance.InputError) as info:
        engine.evaluate(FREQ, {"class": "E"})
    again = pickle.loads(pickle.dumps(info.value))
    assert type(again) is ordinance.InputError
    assert str(again) == str(info.value)
