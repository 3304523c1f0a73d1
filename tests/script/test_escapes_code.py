"""Scripts after the device's own state: frames, the object graph, code objects and the library's
trust. A script's process is forked from the device process while the pipeline is built, so the
frames below the script hold the whole pipeline's description — among it the source of every other
Script node. Here another Script carries an API token in its source; each test is one technique
for reaching frames, objects or library trust, run in a real pipeline (all at once, in one device),
and checks that the token did not come back."""
import sysconfig
import uuid

import pytest

from attacks import Attacks

ATTACKS = Attacks()
TOKEN = uuid.uuid4().hex

# What an attacker runs once it holds a frame: walk towards the bottom of the stack and look for a
# token in each frame's locals.
SEARCH = """
def search(frame):
    import re
    while frame is not None:
        try:
            text = repr(frame.f_locals)
        except Exception as e:
            text = repr(e)
        match = re.search('api token: ([0-9a-f]{32})', text)
        if match:
            return match.group(0)
        frame = frame.f_back
    return 'not found'
"""

# The same, as a module of its own: it takes its first frame with sys._getframe.
SEARCH_MODULE = SEARCH + """
import sys
RESULT = search(sys._getframe(0))
"""

BYSTANDER = f"""
# api token: {TOKEN}   (another team's Script, with a credential in its source)
import time
time.sleep(30)
"""


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    storage = tmp_path_factory.mktemp("code")
    constants = {"SEARCH": SEARCH, "SEARCH_MODULE": SEARCH_MODULE, "STDLIB": sysconfig.get_paths()["stdlib"]}
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("OAKLING_STORAGE", str(storage))
        return ATTACKS.run(constants, bystanders=(BYSTANDER,))


@pytest.fixture
def outcome(outcomes, request):
    return outcomes[request.function.__name__]


def assert_no_token(outcome):
    assert outcome.report or outcome.failure, f"the attack neither reported nor failed: {outcome.extra}"
    assert TOKEN not in outcome.report, f"the script read another Script's source out of the device's memory: {outcome}"


# -- frames --

@ATTACKS.add("""
    exec(SEARCH)
    def walker():
        found.append(search(walk.gi_frame))
        yield
    walk = walker()
    next(walk)
""")
def test_a_generators_frame_walk_reads_no_other_scripts_source(outcome):
    """A running generator's gi_frame is a frame of the script; its f_back leads down the stack."""
    assert_no_token(outcome)


@ATTACKS.add("""
    exec(SEARCH)
    async def coroutine():
        found.append(search(running.cr_frame))
    running = coroutine()
    try:
        running.send(None)
    except StopIteration:
        pass
""")
def test_a_coroutines_frame_walk_reads_no_other_scripts_source(outcome):
    assert_no_token(outcome)


@ATTACKS.add("""
    exec(SEARCH)
    async def agen():
        found.append(search(running.ag_frame))
        yield 1
    running = agen()
    try:
        running.__anext__().send(None)
    except StopIteration:
        pass
""")
def test_an_async_generators_frame_walk_reads_no_other_scripts_source(outcome):
    assert_no_token(outcome)


@ATTACKS.add("""
    exec(SEARCH)
    for frame in _os.sys._current_frames().values():
        found.append(search(frame))
""")
def test_the_frames_of_every_thread_read_no_other_scripts_source(outcome):
    """sys._current_frames: the top frame of each thread, the device runtime's threads included."""
    assert_no_token(outcome)


@ATTACKS.add("""
    exec(SEARCH)
    import traceback
    for frame, line in traceback.walk_stack(None):
        result = search(frame)
        if result != 'not found':
            found.append(result)
            break
""")
def test_tracebacks_walk_stack_reads_no_other_scripts_source(outcome):
    """traceback.walk_stack takes the frames with sys._getframe itself — from a library file."""
    assert_no_token(outcome)


@ATTACKS.add("""
    exec(SEARCH)
    inspect = _os.sys.modules['inspect']
    found.append(search(inspect.currentframe()))
    for info in inspect.stack(0):
        result = search(info.frame)
        if result != 'not found':
            found.append(result)
            break
""")
def test_inspect_stack_reads_no_other_scripts_source(outcome):
    """inspect.currentframe and inspect.stack, also library code taking frames for its caller."""
    assert_no_token(outcome)


# -- the object graph --

@ATTACKS.add("""
    import gc, re
    seen, todo = set(), [node]
    while todo and len(seen) < 20000:
        obj = todo.pop()
        for other in gc.get_referrers(obj) + gc.get_referents(obj):
            if id(other) in seen:
                continue
            seen.add(id(other))
            if isinstance(other, (str, bytes)):
                text = other if isinstance(other, str) else other.decode('latin-1')
                match = re.search('api token: ([0-9a-f]{32})', text)
                if match:
                    found.append(match.group(0))
                    todo = []
                    break
            else:
                todo.append(other)
""")
def test_gc_referrers_read_no_other_scripts_source(outcome):
    """From `node`, gc.get_referrers and get_referents walk the whole object graph of the process."""
    assert_no_token(outcome)


# -- code that earns the library's trust --

@ATTACKS.add("""
    posix = _os.sys.modules['posix']
    with open('/media/mmcsd-0-0/evil_trusted.py', 'w') as f:
        f.write(SEARCH_MODULE)
    ext = _os.sys.modules['_frozen_importlib_external']
    # a path that starts with the standard library's folder and climbs back into storage
    path = STDLIB + '/..' * STDLIB.count('/') + posix.getcwd() + '/evil_trusted.py'
    module = ext.SourceFileLoader('evil_trusted', path).load_module()
    found.append(module.RESULT)
""")
def test_a_module_loaded_under_a_standard_library_path_reads_no_other_scripts_source(outcome):
    """The sandbox trusts code whose file name starts with the standard library's folder; the import
    system compiles a module under whatever path its loader is given."""
    assert_no_token(outcome)


@ATTACKS.add("""
    import marshal
    ext = _os.sys.modules['_frozen_importlib_external']
    posix = _os.sys.modules['posix']
    trusted_name = STDLIB + '/oakling_trusted.py'
    placeholder = 'q' * len(trusted_name)
    data = marshal.dumps(compile(SEARCH_MODULE, placeholder, 'exec'))
    data = data.replace(placeholder.encode(), trusted_name.encode())   # bytecode of its own making
    with open('/media/mmcsd-0-0/evil.pyc', 'wb') as f:
        f.write(ext.MAGIC_NUMBER + bytes(12) + data)
    module = type(_os)('evil_pyc')
    ext.SourcelessFileLoader('evil_pyc', posix.getcwd() + '/evil.pyc').exec_module(module)
    found.append(module.RESULT)
""")
def test_a_pyc_of_its_own_making_reads_no_other_scripts_source(outcome):
    """marshal.loads is refused to scripts, but the import system unmarshals a .pyc for them: any
    code object, under any file name."""
    assert_no_token(outcome)


@ATTACKS.add("""
    code = compile(SEARCH_MODULE, 'evil.py', 'exec').replace(co_filename=STDLIB + '/oakling_trusted.py')
    namespace = {'__builtins__': _os.sys.modules['builtins']}
    exec(code, namespace)
    found.append(namespace['RESULT'])
""")
def test_code_replace_with_a_library_file_name_reads_no_other_scripts_source(outcome):
    """types.CodeType.replace: a code object renamed after a library file."""
    assert_no_token(outcome)


@ATTACKS.add("""
    ctypes = _os.sys.modules['ctypes']
    trusted_name = STDLIB + '/oakling_trusted.py'
    code = compile(SEARCH_MODULE, 'q' * len(trusted_name), 'exec')
    name = code.co_filename
    view = bytes(256 + len(name))                       # a buffer to read the str object into
    ctypes.memmove(id(view) + 32, id(name), 128 + len(name))
    offset = view.find(name.encode())
    ctypes.memmove(id(name) + offset, trusted_name.encode(), len(trusted_name))   # rewrite it in place
    found.append(code.co_filename)
    namespace = {'__builtins__': _os.sys.modules['builtins']}
    exec(code, namespace)
    found.append(namespace['RESULT'])
""")
def test_ctypes_memmove_into_its_own_code_object_reads_no_other_scripts_source(outcome):
    """ctypes.memmove with addresses from id() writes anywhere in the process: here the characters
    of a code object's file name, which becomes a library file's."""
    assert_no_token(outcome)
