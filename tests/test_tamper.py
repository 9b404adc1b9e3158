"""Static tamper analysis of answer cells."""
import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from autograder.tamper import reference_names, scan


def _nb(*sources, locked_first=True):
    cells = []
    for i, src in enumerate(sources):
        locked = locked_first and i == 0
        meta = {"nbgrader": {"grade": False, "solution": not locked, "locked": locked,
                             "grade_id": f"c{i}", "schema_version": 3, "task": False}}
        cells.append(new_code_cell(src, metadata=meta))
    cells.append(new_code_cell('from autograder import check\ncheck("demo_gd.gradient_descent", gradient_descent)',
                               metadata={"nbgrader": {"grade": True, "solution": False, "locked": True,
                                                      "points": 2, "grade_id": "test", "schema_version": 3,
                                                      "task": False}}))
    return new_notebook(cells=cells)


def _reasons(nb, assignment="demo_gd"):
    return [f["reason"] for f in scan(nb, assignment)]


def test_honest_solution_is_not_flagged():
    nb = _nb("import numpy as np\nfrom autograder import check, parameters",
             "def gradient_descent(grad, x0, lr, steps):\n    x = np.asarray(x0, float)\n"
             "    xs = [x]\n    for _ in range(steps):\n        x = x - lr * grad(x)\n        xs.append(x)\n"
             "    return np.array(xs)\nnp.set_printoptions(precision=3)\n%time y = np.zeros(3)")
    assert _reasons(nb) == []


def test_monkeypatching_numpy_check_and_traceback_display_is_flagged():
    nb = _nb("import numpy as np", "np.isclose = lambda *a, **k: True\n"
             "import autograder\nautograder.check = print\n"
             "get_ipython().showtraceback = lambda *a, **k: None\n"
             "ip = get_ipython()\nip.showtraceback = None\n"
             "setattr(np, 'allclose', lambda *a: True)\n"
             "import builtins as b\nb.print = None\n"
             "import os\nos.environ['COURSEKIT_STUDENT_ID'] = 'someone_else'")
    reasons = " | ".join(_reasons(nb))
    for needle in ["np.isclose", "autograder.check", "get_ipython().showtraceback", "ip.showtraceback",
                   "setattr on numpy", "b.print", "os.environ"]:
        assert needle in reasons, needle


def test_flags_name_the_questions_checked_after_the_cell():
    nb = _nb("import numpy as np", "np.isclose = None")
    (flag,) = scan(nb, "demo_gd")
    assert flag["cell"] == "c1" and flag["questions"] == ["demo_gd.gradient_descent"]


def test_using_the_reference_implementation_is_flagged():
    assert "coursekit.gd.gradient_descent" in reference_names("demo_gd")
    for src in ["from coursekit.gd import gradient_descent",
                "import coursekit.gd\ngradient_descent = coursekit.gd.gradient_descent",
                "from coursekit import gd as g\ndef gradient_descent(*a):\n    return g.gradient_descent(*a)"]:
        assert any("reference for demo_gd.gradient_descent" in r for r in _reasons(_nb("import numpy as np", src))), src


def test_importing_grader_internals_is_flagged_but_check_is_not():
    assert _reasons(_nb("from autograder import check, parameters")) == []
    reasons = _reasons(_nb("import numpy", "from autograder.questions import get\nimport autograder.kinds"))
    assert len(reasons) == 2 and all("grader's internals" in r for r in reasons)
    reasons = _reasons(_nb("import autograder", "ref = autograder.questions.get('demo_gd.gradient_descent')"))
    assert any("uses the grader's internals (autograder.questions" in r for r in reasons)
    reasons = _reasons(_nb("import importlib", "m = importlib.import_module('autograder.kinds')"))
    assert any("names 'autograder.kinds' in a string" in r for r in reasons)


def test_locked_instructor_cells_and_unparsable_cells_are_skipped():
    nb = _nb("import numpy as np\nnp.seterr = None", "def broken(:")
    assert _reasons(nb) == []
    assert nbformat.validate(nb) is None


def test_escape_hatches_that_reach_the_reference_without_naming_it_are_flagged():
    hostile = {
        "ref = __import__('course' + 'kit.gd', fromlist=['x']).gradient_descent": "__import__",
        "import importlib\nm = importlib.import_module('course' + 'kit.gd')": "importlib",
        "exec('from course' + 'kit.gd import gradient_descent')": "exec",
        "import sys\nfake = sys.modules['autograder']": "sys.modules",
        "get_ipython().events.register('post_run_cell', lambda r: None)": "events",
        "ip = get_ipython()\nip.events.register('pre_run_cell', print)": "events",
        "from IPython.display import clear_output\nclear_output()": "clear_output",
        "import IPython\nIPython.display.publish_display_data({})": "publish_display_data",
        "mime = 'application/vnd.coursekit.answer+json'": "vnd.coursekit",
        "import os\nos.environ.update(NBGRADER_EXECUTION='')": "os.environ",
        "import os\nos._exit(0)": "os._exit",
        "class Sneaky:\n    def __del__(self):\n        print('late')": "__del__",
        "import threading\nthreading.Timer(0.1, print).start()": "threading",
        "f = gradient_descent.__globals__": "__globals__",
        "open('/venv/lib/site-packages/x.pth', 'w')": "site-packages",
        "import sys\nsys.displayhook = print": "displayhook",
    }
    for source, needle in hostile.items():
        reasons = " | ".join(_reasons(_nb("import numpy as np", source)))
        assert needle in reasons, (source, reasons)


def test_ordinary_object_code_is_not_mistaken_for_an_escape_hatch():
    nb = _nb("import numpy as np",
             "class Layer:\n    def __init__(self):\n        self.events = []\n"
             "    def name(self):\n        return self.__class__.__name__\n"
             "history = Layer()\nhistory.events.append(np.mean([1.0]))\nprint(type(history).__name__)")
    assert _reasons(nb) == []


def test_flags_are_listed_in_line_order():
    nb = _nb("import numpy as np", "import subprocess\nx = 1\nexec('x = 2')\nnp.isclose = None")
    lines = [int(r.split(":")[0].removeprefix("line ")) for r in _reasons(nb)]
    assert lines == sorted(lines) and len(lines) == 3


def test_the_reference_is_recognised_through_getattr_and_re_exports():
    for src in ["import coursekit.gd\nf = getattr(coursekit.gd, 'gradient_descent')",
                "import coursekit\nf = getattr(getattr(coursekit, 'gd'), 'gradient_descent')",
                "from coursekit.widgets.gd1d import gradient_descent",
                "import coursekit.widgets.gd1d as w\nf = w.gradient_descent"]:
        assert any("reference for demo_gd.gradient_descent" in r for r in _reasons(_nb("import numpy", src))), src
    for src, needle in [("import coursekit.gd\nname = 'gradient' + '_descent'\nf = getattr(coursekit.gd, name)",
                         "getattr on coursekit with a computed name"),
                        ("import coursekit.gd\nf = coursekit.gd.__dict__['gradient_descent']", "__dict__")]:
        assert any(needle in r for r in _reasons(_nb("import numpy", src))), src
    assert _reasons(_nb("import numpy as np", "import coursekit.gd\nf = getattr(coursekit.gd, 'momentum_path', None)")) == []
