"""The ``coursekit`` command: verdicts, exit statuses 0/1/2, gradients, JSON and help."""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from coursekit.cli import main


def test_a_correct_derivative_exits_0(capsys):
    assert main(["derivative", "sin(x^2)", "2*x*cos(x^2)"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "correct"


def test_a_wrong_derivative_exits_1_and_names_the_mistake(capsys):
    assert main(["derivative", "sin(x^2)", "cos(x^2)"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("wrong [chain_rule")
    assert "inside" in out


def test_an_unreadable_answer_exits_2(capsys):
    assert main(["derivative", "x^2", "2x +"]) == 2
    assert "ends too early" in capsys.readouterr().out


def test_an_unreadable_function_exits_2_with_a_message_on_stderr(capsys):
    assert main(["derivative", "x^^2", "2x"]) == 2
    assert "cannot read the function" in capsys.readouterr().err


def test_without_wrt_the_functions_only_variable_is_used(capsys):
    assert main(["derivative", "5*beta**2 - 3*beta + 2", "10*beta - 3"]) == 0


def test_a_sign_flipped_on_one_term_is_named(capsys):
    assert main(["derivative", "5*beta**2 - 3*beta + 2", "10*beta + 3"]) == 1
    assert capsys.readouterr().out.startswith("wrong [term_sign")


def test_wrt_chooses_the_variable(capsys):
    assert main(["derivative", "x^2 y", "x^2", "--wrt", "y"]) == 0
    assert main(["derivative", "x^2 y", "x^2", "--wrt", "x"]) == 1
    assert "wrong_variable" in capsys.readouterr().out


def test_a_gradient_is_given_as_comma_separated_components(capsys):
    assert main(["derivative", "x^2 y + y^3", "[2xy, x^2 + 3y^2]", "--wrt", "x,y"]) == 0
    assert main(["derivative", "x^2 + y^2", "2x, 2y, 0", "--wrt", "x,y"]) == 1
    assert "gradient_length" in capsys.readouterr().out


def test_gradient_components_each_in_brackets_are_two_components(capsys):
    assert main(["derivative", "x*y", "(y), (x)", "--wrt", "x,y"]) == 0
    assert capsys.readouterr().out.splitlines()[0] == "correct"
    assert main(["derivative", "x*y", "[(y), (x)]", "--wrt", "x,y"]) == 0


def test_a_bracketed_gradient_whose_components_hold_brackets_is_unwrapped(capsys):
    assert main(["derivative", "sin(x) sin(y)", "(cos(x) sin(y), sin(x) cos(y))", "--wrt", "x,y"]) == 0
    assert main(["derivative", "x*y", "(y) + 0, (x)", "--wrt", "x,y"]) == 0


def test_a_component_with_a_two_argument_log_is_not_split(capsys):
    assert main(["derivative", "log(x, 2) + y", "1/(x ln(2)), 1", "--wrt", "x y"]) == 0


def test_json_output_is_machine_readable(capsys):
    assert main(["derivative", "x^3", "3x^3", "--json"]) == 1
    verdict = json.loads(capsys.readouterr().out)
    assert verdict == {"correct": False, "mistake": "power_not_lowered",
                       "feedback": verdict["feedback"]}


def test_a_leading_minus_needs_the_double_dash(capsys):
    assert main(["derivative", "--", "cos(x)", "-sin(x)"]) == 0


def test_equivalent_compares_two_expressions(capsys):
    assert main(["equivalent", "1/cos(x)^2", "1 + tan(x)^2"]) == 0
    assert main(["equivalent", "x^2", "2x", "--json"]) == 1
    assert json.loads(capsys.readouterr().out.splitlines()[-1])["result"] == "no"


def test_usage_errors_exit_2_and_help_exits_0(capsys):
    assert main([]) == 2
    assert main(["derivative", "x"]) == 2
    assert main(["--help"]) == 0
    assert main(["derivative", "--help"]) == 0
    assert "--wrt" in capsys.readouterr().out


@pytest.mark.slow  # starts a fresh Python process
def test_the_installed_console_script_runs(tmp_path):
    script = shutil.which("coursekit") or str(Path(sys.executable).with_name("coursekit"))
    if not Path(script).exists():
        pytest.skip("the coursekit console script is not installed")
    done = subprocess.run([script, "derivative", "sin(x^2)", "2*x*cos(x^2)"], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path, env=dict(os.environ))
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("correct")
