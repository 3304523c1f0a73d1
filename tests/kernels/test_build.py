"""Building kernels with PoCL: errors in the user's file and line, and the cache that spares the compiler."""
import pytest

from oakling.kernels import build as kbuild
from oakling.kernels.build import KernelBuildError, build, line_directive
from oakling.kernels.cache import ProgramCache

GOOD = """__kernel void twice(__global const int *a, __global int *b) {
    int i = get_global_id(0);
    b[i] = 2 * a[i];
}
"""


def test_a_program_builds_and_gives_its_kernels(tmp_path):
    program = build(GOOD, name="twice.cl", cache=ProgramCache(tmp_path))
    assert program.kernel_names() == ["twice"]
    assert program.kernel("twice").num_args == 2
    with pytest.raises(LookupError, match="twice.cl has no kernel 'thrice' — its kernels are twice"):
        program.kernel("thrice")


def test_the_second_build_loads_the_binary_and_runs_no_compiler(tmp_path):
    cache = ProgramCache(tmp_path)
    source = GOOD + "// a source of this test's own\n"
    before = kbuild.COMPILES
    first = build(source, name="twice.cl", cache=cache)
    assert not first.from_cache and kbuild.COMPILES == before + 1
    assert len(list(tmp_path.glob("*.bin"))) == 1
    second = build(source, name="twice.cl", cache=cache)
    assert second.from_cache and kbuild.COMPILES == before + 1
    assert second.kernel("twice").num_args == 2
    other_options = build(source, name="twice.cl", options="-DUNUSED=1", cache=cache)
    assert not other_options.from_cache and kbuild.COMPILES == before + 2


def test_a_binary_the_driver_refuses_is_compiled_again(tmp_path):
    cache = ProgramCache(tmp_path)
    source = GOOD + "// stale\n"
    build(source, name="twice.cl", cache=cache)
    [entry] = tmp_path.glob("*.bin")
    entry.write_bytes(b"not a program binary")
    again = build(source, name="twice.cl", cache=cache)
    assert not again.from_cache
    assert entry.read_bytes() != b"not a program binary"


def test_a_build_error_names_the_file_line_and_column():
    source = "__kernel void f(__global int *a) {\n    int i = get_global_id(0);\n    a[i] = missing;\n}\n"
    with pytest.raises(KernelBuildError) as e:
        build(source, name="my kernels/f.cl", cache=False)
    err = e.value
    assert (err.file, err.line, err.column) == ("my kernels/f.cl", 3, 12)
    assert "use of undeclared identifier 'missing'" in err.message
    assert str(err).startswith("my kernels/f.cl:3:12: error: use of undeclared identifier 'missing'")


def test_every_error_is_in_the_message():
    source = "__kernel void f(__global int *a) {\n    a[0] = one;\n    a[1] = two;\n}\n"
    with pytest.raises(KernelBuildError) as e:
        build(source, name="f.cl", cache=False)
    assert "f.cl:2:12: error: use of undeclared identifier 'one'" in str(e.value)
    assert "f.cl:3:12: use of undeclared identifier 'two'" in str(e.value)


def test_a_log_without_positions_is_given_whole():
    err = KernelBuildError("k.cl", "something broke\n")
    assert err.line is None and str(err) == "k.cl: error: something broke"


def test_clangs_own_error_format_is_read_too():
    err = KernelBuildError("k.cl", "k.cl:4:2: error: expected ';'\n")
    assert (err.file, err.line, err.column, err.message) == ("k.cl", 4, 2, "expected ';'")


def test_file_names_with_quotes_survive_the_line_directive():
    assert line_directive('a "b" \\c.cl') == '#line 1 "a \\"b\\" \\\\c.cl"\n'
    with pytest.raises(KernelBuildError) as e:
        build("__kernel void f(__global int *a) { a[0] = x; }\n", name='odd "name".cl', cache=False)
    assert e.value.file == 'odd "name".cl' and e.value.line == 1


def test_without_pyopencl_the_error_says_what_to_install(monkeypatch):
    import sys
    monkeypatch.setattr(kbuild, "_cpu", None)
    monkeypatch.setitem(sys.modules, "pyopencl", None)   # as if it were not installed
    with pytest.raises(kbuild.OpenCLUnavailable, match=r"PyOpenCL is not installed — pip install oakling\[opencl\]"):
        build(GOOD, cache=False)


def test_without_an_opencl_platform_the_error_names_the_debian_packages(monkeypatch):
    import pyopencl
    monkeypatch.setattr(kbuild, "_cpu", None)
    monkeypatch.setattr(pyopencl, "get_platforms", lambda: [])
    with pytest.raises(kbuild.OpenCLUnavailable, match="PoCL is not installed — apt-get install pocl-opencl-icd "
                                                       "ocl-icd-libopencl1"):
        build(GOOD, cache=False)
