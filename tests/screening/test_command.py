"""`manage.py screen`: the command-line seam, run as a real subprocess."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from intake.screening import RULESET_VERSION

ROOT = Path(__file__).resolve().parents[2]
VIGNETTES = json.loads((Path(__file__).parent / "vignettes.json").read_text())["vignettes"]


def run(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", "screen", *args],
        cwd=ROOT,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_it_screens_an_intake_from_stdin() -> None:
    done = run("-", stdin=json.dumps(VIGNETTES[0]["answers"]))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["ruleset"] == RULESET_VERSION
    assert {"R06", "R11", "R19"} <= {f["rule"] for f in result["flags"]}


def test_it_screens_an_intake_file(tmp_path: Path) -> None:
    path = tmp_path / "intake.json"
    path.write_text(json.dumps({"medications": ["Zyntrex"]}))
    done = run(str(path))
    assert done.returncode == 0, done.stderr
    assert [f["rule"] for f in json.loads(done.stdout)["flags"]] == ["MR01"]


def test_bad_input_exits_2_with_one_line_naming_the_field() -> None:
    done = run("-", stdin='{"pain": {"peg": {"pain": 11}}}')
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.strip().splitlines()) == 1
    assert "pain.peg.pain" in done.stderr


def test_unknown_key_exits_2() -> None:
    done = run("-", stdin='{"medications": [{"name": "x", "colour": "red"}]}')
    assert done.returncode == 2
    assert "medications[0].colour: unknown field" in done.stderr


def test_a_key_with_a_newline_is_escaped_so_the_error_stays_on_one_line() -> None:
    for document, where in [
        ({"bad\nkey": 1}, "'bad\\nkey': unknown field"),
        (
            {"medications": [{"name": "x", "col\nour\u2028": 1}]},
            "medications[0].'col\\nour\\u2028'",
        ),
    ]:
        done = run("-", stdin=json.dumps(document))
        assert done.returncode == 2
        assert done.stdout == ""
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr
        assert where in done.stderr


def test_invalid_json_exits_2() -> None:
    done = run("-", stdin="{not json")
    assert done.returncode == 2
    assert len(done.stderr.strip().splitlines()) == 1
    assert "invalid JSON" in done.stderr


def test_a_json_list_is_not_an_intake() -> None:
    done = run("-", stdin="[1, 2]")
    assert done.returncode == 2
    assert "the intake must be a JSON object" in done.stderr


def test_missing_file_exits_2(tmp_path: Path) -> None:
    done = run(str(tmp_path / "missing.json"))
    assert done.returncode == 2
    assert "no such file" in done.stderr


def test_call_command_reads_the_given_stdin() -> None:
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("screen", "-", stdin=StringIO('{"history": ["first_acupuncture"]}'), stdout=out)
    assert [f["rule"] for f in json.loads(out.getvalue())["flags"]] == ["R16"]


def test_it_prints_what_it_considered_beside_the_flags() -> None:
    done = run("-", stdin=json.dumps({"conditions": ["my sister has diabetes"]}))
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert list(result) == ["ruleset", "flags", "considered"]
    assert result["flags"] == []
    assert result["considered"] == [
        {
            "where": "condition 'my sister has diabetes'",
            "mention": "diabetes",
            "reason": "a family member's ('sister')",
            "rules": ["R19"],
        }
    ]
