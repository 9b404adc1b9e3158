"""Every public name of the numerics modules is documented in numpydoc style, and its examples run."""
import doctest
import importlib
import inspect
import re

import pytest

MODULES = ["gd", "functions", "activations", "losses", "gradcheck", "data", "optim", "layers", "train",
           "linear", "model_selection", "_validation"]
PUBLIC = ["gd", "functions", "activations", "losses", "gradcheck", "data", "optim", "layers", "train",
          "linear", "model_selection"]


def _public_callables(classes_only=False):
    for module_name in PUBLIC:
        module = importlib.import_module(f"coursekit.{module_name}")
        for name in module.__all__:
            obj = getattr(module, name)
            if callable(obj) and (inspect.isclass(obj) or not classes_only):
                yield pytest.param(obj, id=f"{module_name}.{name}")


def _sections(doc: str) -> set[str]:
    """The numpydoc section titles of a docstring (a title underlined by dashes)."""
    return set(re.findall(r"^(\w[\w ]*)\n-{3,}$", doc, flags=re.M))


def _takes_arguments(obj) -> bool:
    try:
        parameters = inspect.signature(obj).parameters
    except (TypeError, ValueError):
        return False
    return any(name != "self" for name in parameters)


@pytest.mark.parametrize("obj", list(_public_callables()))
def test_public_names_have_numpydoc_sections_and_an_example(obj):
    doc = inspect.getdoc(obj) or ""
    summary = doc.splitlines()[0] if doc else ""
    assert summary and not summary.startswith(" "), "a one-line summary comes first"
    sections = _sections(doc)
    required = {"Examples", "Notes"}
    if _takes_arguments(obj):
        required |= {"Parameters", "Raises"}
    if inspect.isfunction(obj):
        required.add("Returns")
    assert required <= sections, f"missing {sorted(required - sections)}"
    examples = doc.split("Examples\n--------", 1)[1]
    assert ">>>" in examples


@pytest.mark.parametrize("cls", list(_public_callables(classes_only=True)))
def test_public_methods_and_properties_have_docstrings(cls):
    undocumented = [name for name, member in inspect.getmembers(cls)
                    if not name.startswith("_") and (callable(member) or isinstance(member, property))
                    and not inspect.isclass(member) and not inspect.getdoc(member)]
    assert not undocumented


@pytest.mark.parametrize("module_name", MODULES)
def test_docstring_examples_run(module_name):
    module = importlib.import_module(f"coursekit.{module_name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
