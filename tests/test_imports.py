"""The package's shape: an acyclic module graph, TensorFlow-free --help, deprecated aliases."""

import ast
import os
import subprocess
import sys
import warnings

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PACKAGE = os.path.join(REPO, "tfgan")
MAX_MODULE_LINES = 750


def imported_tfgan_modules(path):
    """The ``tfgan.<module>`` names a source file imports (at any depth of its code)."""
    found = set()
    for node in ast.walk(ast.parse(open(path).read(), path)):
        if isinstance(node, ast.ImportFrom) and node.module == "tfgan":
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("tfgan."):
            found.add(node.module.split(".")[1])
        elif isinstance(node, ast.Import):
            found.update(alias.name.split(".")[1] for alias in node.names
                         if alias.name.startswith("tfgan."))
    return found


def module_graph():
    modules = {name[:-3] for name in os.listdir(PACKAGE)
               if name.endswith(".py") and name != "__init__.py"}
    return {module: imported_tfgan_modules(os.path.join(PACKAGE, module + ".py")) & modules
            for module in modules}


def find_cycle(graph):
    """A list of modules forming an import cycle, or None."""
    state = {}  # module -> "visiting" | "done"

    def visit(module, path):
        state[module] = "visiting"
        for dependency in sorted(graph[module]):
            if state.get(dependency) == "visiting":
                return path[path.index(dependency):] + [dependency]
            if dependency not in state:
                cycle = visit(dependency, path + [dependency])
                if cycle:
                    return cycle
        state[module] = "done"
        return None

    for module in sorted(graph):
        if module not in state:
            cycle = visit(module, [module])
            if cycle:
                return cycle
    return None


def test_module_graph_is_acyclic():
    graph = module_graph()
    assert {"train_lib", "eval_lib", "workdir", "sampling", "task"} <= set(graph)
    assert find_cycle(graph) is None, " -> ".join(find_cycle(graph))


def test_find_cycle_finds_one():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_modules_stay_small():
    sizes = {name: sum(1 for _ in open(os.path.join(PACKAGE, name)))
             for name in os.listdir(PACKAGE) if name.endswith(".py")}
    assert {name: n for name, n in sizes.items() if n > MAX_MODULE_LINES} == {}


@pytest.mark.parametrize("command", ["train", "generate", "evaluate", "export"])
def test_help_does_not_import_tensorflow(command):
    code = (f"import sys\nimport tfgan_cli.{command} as command\n"
            f"sys.argv = ['tfgan-{command}', '--help']\n"
            "try:\n    command.run()\nexcept SystemExit:\n    pass\n"
            "loaded = sorted(m for m in ('tensorflow', 'keras') if m in sys.modules)\n"
            "print('LOADED', loaded)\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            env=dict(os.environ, PYTHONPATH=REPO), check=True)
    assert "--" in result.stdout  # the flags were listed
    assert "LOADED []" in result.stdout, result.stdout[-500:]


def test_tfgan_train_help_lists_the_choices_of_tfgan_names():
    from tfgan import names
    result = subprocess.run([sys.executable, "-m", "tfgan_cli.train", "--help"],
                            capture_output=True, text=True, env=dict(os.environ, PYTHONPATH=REPO))
    for choice in names.LOSSES + names.ARCHITECTURES + names.EXTRACTORS:
        assert choice in result.stdout


@pytest.mark.parametrize("module, name, target", [
    ("tfgan.callbacks", "image_grid", "tfgan.images"),
    ("tfgan.callbacks", "EvaluateQuality", "tfgan.quality"),
    ("tfgan.callbacks", "generator_sample_fn", "tfgan.sampling"),
    ("tfgan.callbacks", "plot_loss_curve", "tfgan.plots"),
    ("tfgan.train_lib", "Sampler", "tfgan.sampling"),
    ("tfgan.train_lib", "build_gan", "tfgan.task"),
    ("tfgan.train_lib", "CONFIG_FILE", "tfgan.workdir"),
    ("tfgan.eval_lib", "real_stats", "tfgan.quality"),
])
def test_moved_names_still_work_with_a_deprecation_warning(module, name, target):
    import importlib
    old = importlib.import_module(module)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        value = getattr(old, name)
    assert value is getattr(importlib.import_module(target), name)
    assert any(issubclass(w.category, DeprecationWarning) and target in str(w.message)
               for w in caught)
    with pytest.raises(AttributeError):
        getattr(old, "no_such_name")
