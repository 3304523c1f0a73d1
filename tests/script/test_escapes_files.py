"""Scripts after the host's files: each test is one technique from the literature of Python sandbox
escapes, run as a real Script node in a real pipeline (all of them at once, in one device), and
checks the effect the attacker wanted — a secret file's content in what the script sent back, a
marker file outside the storage folder, the Python installation written — not the error it got.

The secret lives in a folder outside the storage folder; the storage folder is placed so that a
path climbing out of the standard library with `..` reads, to the Python layer's lexical rule, as
a path inside the storage folder (see `test_dir_fd_climbing_out_of_the_standard_library_reads_no_secret`):
only the kernel's file rules stand between that attack and the secret."""
import os
import shutil
import sysconfig
import tempfile
import uuid

import pytest

from attacks import Attacks

ATTACKS = Attacks()
STDLIB = sysconfig.get_paths()["stdlib"]
LIBRARY_FOLDER = os.path.join(STDLIB, "json")   # a folder of the standard library, which scripts may read
POISONED = f"oakling_escape_{uuid.uuid4().hex}.cpython-311.pyc"   # must never appear in the stdlib's __pycache__
ENV_SECRET = f"oakling-env-secret-{uuid.uuid4().hex}"   # in the host program's environment


def aligned_folders(base):
    """(top, outside, storage): `top` a new folder in the temporary directory, `outside` a folder in
    it as deep as LIBRARY_FOLDER (when the temporary directory allows), `storage` a folder under
    `base` whose last components spell `outside`, so that LIBRARY_FOLDER/../..(as deep as it
    is)/outside/x is the secret while storage/../..(as many)/outside/x is a file inside storage."""
    top = outside = tempfile.mkdtemp(prefix="oakling-escapes-")
    while outside.count("/") < LIBRARY_FOLDER.count("/"):
        outside = os.path.join(outside, "o")
    os.makedirs(outside, exist_ok=True)
    storage = os.path.join(str(base), outside.lstrip("/"))
    os.makedirs(storage)
    return top, outside, storage


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Run every attack of this module in one device; what they did, and the secrets they were after."""
    top, outside, storage = aligned_folders(tmp_path_factory.mktemp("files"))
    secret = f"oakling-secret-{uuid.uuid4().hex}"
    visible = f"oakling-visible-{uuid.uuid4().hex}"
    secret_file = os.path.join(outside, "secret.txt")
    with open(secret_file, "w") as f:
        f.write(f"application/x-oakling {secret}\n{secret}\n")
    with open(os.path.join(storage, "visible.txt"), "w") as f:
        f.write(f"{visible}\n")
    with open(os.path.join(storage, "harmless.txt"), "w") as f:
        f.write("harmless\n")
    os.symlink(secret_file, os.path.join(storage, "planted"))   # a link left in storage by someone else
    constants = {"SECRET_FILE": secret_file, "OUTSIDE": outside, "STDLIB": STDLIB, "HOST_PID": os.getpid(),
                 "POISONED": POISONED, "LIBRARY_FOLDER": LIBRARY_FOLDER}
    try:
        with pytest.MonkeyPatch.context() as mp:
            mp.setenv("OAKLING_STORAGE", storage)
            mp.setenv("OAKLING_ESCAPES_TOKEN", ENV_SECRET)
            outcomes = ATTACKS.run(constants, lambda name: {"MARKER": os.path.join(outside, name + ".marker")})
        yield {"outcomes": outcomes, "secret": secret, "visible": visible,
               "outside": outside, "storage": storage}
    finally:
        shutil.rmtree(top, ignore_errors=True)
        poisoned = os.path.join(STDLIB, "__pycache__", POISONED)
        if os.path.exists(poisoned):
            os.remove(poisoned)


@pytest.fixture
def outcome(world, request):
    return world["outcomes"][request.function.__name__]


def assert_secret_not_read(world, outcome):
    assert outcome.report or outcome.failure, f"the attack neither reported nor failed: {outcome.extra}"
    assert world["secret"] not in outcome.report, f"the script read the secret file outside storage: {outcome}"


def assert_no_marker(world, name):
    marker = os.path.join(world["outside"], name + ".marker")
    assert not os.path.lexists(marker), f"the script made {marker}, outside its storage folder"


# -- the harness itself: it sees what a script may do --

@ATTACKS.add("""
    with open('/media/mmcsd-0-0/visible.txt') as f:
        found.append(f.read())
    with open('/media/mmcsd-0-0/written.marker', 'w') as f:
        f.write('allowed')
""")
def test_the_harness_sees_a_file_the_script_may_read_and_one_it_may_write(world, outcome):
    assert world["visible"] in outcome.report, outcome
    assert os.path.exists(os.path.join(world["storage"], "written.marker"))


# -- reaching the real modules past the script's builtins --

@ATTACKS.add("""
    for cls in ().__class__.__base__.__subclasses__():
        if cls.__name__ == 'FileLoader':
            found.append(cls('x', SECRET_FILE).get_data(SECRET_FILE))
""")
def test_subclass_walk_to_the_import_systems_file_loader_reads_no_secret(world, outcome):
    """`object.__subclasses__()` hands out every class loaded, among them importlib's FileLoader,
    whose get_data reads any path."""
    assert_secret_not_read(world, outcome)


@ATTACKS.add("""
    for cls in ().__class__.__base__.__subclasses__():
        if cls.__name__ == '_wrap_close':
            real_os = cls.__init__.__globals__          # the real os module's namespace
            fd = real_os['open'](SECRET_FILE, real_os['O_RDONLY'])
            found.append(real_os['read'](fd, 4096))
""")
def test_subclass_walk_to_os_through_a_methods_globals_reads_no_secret(world, outcome):
    """The classic CTF route: a class defined in os (os._wrap_close), its method's __globals__, the
    real os.open."""
    assert_secret_not_read(world, outcome)


@ATTACKS.add("""
    import json
    real = json.dumps.__globals__['__builtins__']
    real = real if isinstance(real, dict) else vars(real)
    found.append(real['open'](SECRET_FILE).read())
""")
def test_builtins_of_a_library_module_open_no_secret(world, outcome):
    """A library function's __globals__['__builtins__'] is the real builtins, whose open knows
    nothing of the storage folder."""
    assert_secret_not_read(world, outcome)


@ATTACKS.add("""
    import string, warnings
    posix, _ = string.Formatter().get_field('0.__init__.__globals__[sys].modules[posix]',
                                            [warnings.catch_warnings], {})
    found.append('{0.__name__}'.format(posix))
    fd = posix.open(SECRET_FILE, posix.O_RDONLY)
    found.append(posix.read(fd, 4096))
""")
def test_string_formatter_field_lookup_reaches_posix_and_reads_no_secret(world, outcome):
    """str.format's field syntax follows attributes and items: `{0.__init__.__globals__[sys]...}`
    reaches sys.modules without writing a single attribute access in the script."""
    assert_secret_not_read(world, outcome)


@ATTACKS.add("""
    import warnings
    real_sys = warnings.catch_warnings()._module.sys
    found.append(real_sys.modules['builtins'].open(SECRET_FILE).read())
""")
def test_warnings_catch_warnings_module_reaches_real_builtins_and_reads_no_secret(world, outcome):
    """catch_warnings keeps the real warnings module in `_module`, and with it the real sys."""
    assert_secret_not_read(world, outcome)


@ATTACKS.add("""
    posix = _os.sys.modules['posix']
    fd = posix.open(SECRET_FILE, posix.O_RDONLY)
    found.append(posix.read(fd, 4096))
""")
def test_the_posix_module_itself_reads_no_secret(world, outcome):
    """Past the storage-aware os: the C module under it, from sys.modules."""
    assert_secret_not_read(world, outcome)


@ATTACKS.add("""
    import io
    found.append(io.FileIO(SECRET_FILE).read())
""")
def test_io_fileio_past_the_storage_aware_open_reads_no_secret(world, outcome):
    """The script's io has a storage-aware open, but FileIO is the real class."""
    assert_secret_not_read(world, outcome)


# -- library functions that open files on the script's behalf --

@ATTACKS.add("""
    import linecache
    found.append(''.join(linecache.getlines(SECRET_FILE)))
    found.append(linecache.getline(SECRET_FILE, 2))
""")
def test_linecache_reads_no_secret_on_the_scripts_behalf(world, outcome):
    assert_secret_not_read(world, outcome)


@ATTACKS.add("""
    import mimetypes
    found.append(mimetypes.read_mime_types(SECRET_FILE))
    db = object.__new__(mimetypes.MimeTypes)        # without the system's files, which init() reads first
    db.encodings_map, db.suffix_map, db.types_map, db.types_map_inv = {}, {}, ({}, {}), ({}, {})
    db.read(SECRET_FILE)
    found.append(db.types_map)
""")
def test_mimetypes_reads_no_secret_on_the_scripts_behalf(world, outcome):
    """The secret file is shaped as a mime.types line, so mimetypes would hand back its words."""
    assert_secret_not_read(world, outcome)


@ATTACKS.add("""
    import codecs
    found.append(codecs.open(SECRET_FILE, encoding='utf-8').read())
""")
def test_codecs_open_reads_no_secret(world, outcome):
    """codecs.open calls the real builtin open, not the script's."""
    assert_secret_not_read(world, outcome)


# -- paths the kernel resolves differently from the Python layer --

@ATTACKS.add("""
    posix = _os.sys.modules['posix']
    folder = posix.open(LIBRARY_FOLDER, posix.O_RDONLY | posix.O_DIRECTORY)   # reading the library is allowed
    climb = '../' * LIBRARY_FOLDER.count('/') + SECRET_FILE.lstrip('/')
    fd = posix.open(climb, posix.O_RDONLY, dir_fd=folder)
    found.append(posix.read(fd, 4096))
""")
def test_dir_fd_climbing_out_of_the_standard_library_reads_no_secret(world, outcome):
    """A relative path opened against a descriptor of the standard library: the Python layer judges it
    relative to the working directory (the storage folder), where it lands inside storage; the
    kernel resolves it from the library folder, where it lands on the secret."""
    assert_secret_not_read(world, outcome)


@ATTACKS.add("""
    posix = _os.sys.modules['posix']
    try:
        posix.link(SECRET_FILE, 'leak.txt')
    except OSError as e:
        found.append(repr(e))
    with open('/media/mmcsd-0-0/leak.txt') as f:
        found.append(f.read())
""")
def test_a_hard_link_of_the_secret_into_storage_reads_nothing(world, outcome):
    """A hard link made in storage is a storage path afterwards, whatever file it names."""
    assert_secret_not_read(world, outcome)
    assert not os.path.exists(os.path.join(world["storage"], "leak.txt")), "a hard link to the secret is in storage"


@ATTACKS.add("""
    with open('/media/mmcsd-0-0/planted') as f:
        found.append(f.read())
""")
def test_a_symlink_left_in_storage_reads_no_secret(world, outcome):
    """The storage folder holds a symbolic link to the secret (left by another program, or an
    archive unpacked there): its path is inside storage, its target is not."""
    assert_secret_not_read(world, outcome)


@ATTACKS.add("""
    posix = _os.sys.modules['posix']
    for path in ('/proc/self/root' + SECRET_FILE, '/proc/%d/root%s' % (_os.getppid(), SECRET_FILE),
                 '/proc/thread-self/root' + SECRET_FILE):
        try:
            fd = posix.open(path, posix.O_RDONLY)
            found.append(posix.read(fd, 4096))
        except OSError as e:
            found.append(repr(e))
""")
def test_proc_root_links_read_no_secret(world, outcome):
    """/proc/<pid>/root is the process's root directory as a magic link: another name for every path."""
    assert_secret_not_read(world, outcome)


@ATTACKS.add("""
    class Shifty:
        calls = 0
        def __fspath__(self):
            Shifty.calls += 1
            return '/media/mmcsd-0-0/harmless.txt' if Shifty.calls % 2 else SECRET_FILE
    import io
    posix = _os.sys.modules['posix']
    for attempt in (lambda: open(Shifty()).read(), lambda: io.open(Shifty()).read(),
                    lambda: io.FileIO(Shifty()).read(), lambda: posix.read(posix.open(Shifty(), 0), 4096)):
        try:
            found.append(attempt())
        except Exception as e:
            found.append(repr(e))
""")
def test_a_path_object_that_changes_its_answer_reads_no_secret(world, outcome):
    """Time of check, time of use: __fspath__ answers a storage path when it is judged and the
    secret when it is opened."""
    assert_secret_not_read(world, outcome)


# -- the host's environment, through the device process --

def device_environ_has_the_secret(outcome, device):
    """Whether the device process's environment (as /proc shows it) holds the host's secret: what
    makes the attack worth trying."""
    with open(f"/proc/{device._process.pid}/environ", "rb") as f:
        return ENV_SECRET.encode() in f.read()


@ATTACKS.add("""
    posix = _os.sys.modules['posix']
    for pid in (_os.getppid(), HOST_PID):
        try:
            fd = posix.open('/proc/%d/environ' % pid, posix.O_RDONLY)
            found.append(posix.read(fd, 1 << 16))
        except OSError as e:
            found.append(repr(e))
""", probe=device_environ_has_the_secret)
def test_the_device_and_host_processes_proc_environ_show_no_host_secret(world, outcome):
    """The script's own environment is emptied; its parent's (the device process) and the host
    program's still hold the host's variables."""
    assert outcome.probed, "the device process's environment does not hold the secret: this test checks nothing"
    assert outcome.report or outcome.failure
    assert ENV_SECRET not in outcome.report, f"the script read the host's environment: {outcome}"


@ATTACKS.add("""
    posix = _os.sys.modules['posix']
    ppid = _os.getppid()
    try:
        fd = posix.open('/proc/%d/stat' % ppid, posix.O_RDONLY)
        fields = posix.read(fd, 4096).rsplit(b')', 1)[1].split()
        start, end = int(fields[47]), int(fields[48])
    except OSError as e:
        found.append(repr(e))
        start, end = 0x7ff000000000, 0x7ff000010000
    fd = posix.open('/proc/%d/mem' % ppid, posix.O_RDONLY)
    found.append(posix.pread(fd, end - start, start))
""", probe=device_environ_has_the_secret)
def test_the_device_processs_memory_through_proc_mem_shows_no_host_secret(world, outcome):
    """/proc/<pid>/mem of the device process, where its environment lies (/proc/<pid>/stat says where)."""
    assert outcome.probed, "the device process's environment does not hold the secret: this test checks nothing"
    assert outcome.report or outcome.failure
    assert ENV_SECRET not in outcome.report, f"the script read the device's memory: {outcome}"


# -- code of the script's own making, run by the import system with the real builtins --

@ATTACKS.add("""
    import struct, binascii
    source = ('with open(%r, "w") as f:\\n    f.write("escaped")\\n' % MARKER).encode()
    name = b'evil_zip.py'
    crc = binascii.crc32(source)
    local = b'PK\\x03\\x04' + struct.pack('<HHHHHIIIHH', 20, 0, 0, 0, 0x21, crc, len(source), len(source),
                                          len(name), 0) + name + source
    central = b'PK\\x01\\x02' + struct.pack('<HHHHHHIIIHHHHHII', 20, 20, 0, 0, 0, 0x21, crc, len(source),
                                            len(source), len(name), 0, 0, 0, 0, 0, 0) + name
    end = b'PK\\x05\\x06' + struct.pack('<HHHHIIH', 0, 0, 1, 1, len(central), len(local), 0)
    with open('/media/mmcsd-0-0/evil.zip', 'wb') as f:
        f.write(local + central + end)
    zipimport = _os.sys.modules['zipimport']
    importer = zipimport.zipimporter(_os.sys.modules['posix'].getcwd() + '/evil.zip')
    module = type(_os)('evil_zip')
    importer.exec_module(module) if hasattr(importer, 'exec_module') else importer.load_module('evil_zip')
    found.append('ran')
""")
def test_zipimport_of_a_zip_in_storage_runs_no_code_that_writes_outside(world, outcome, request):
    assert outcome.report or outcome.failure
    assert_no_marker(world, request.function.__name__)


@ATTACKS.add("""
    with open('/media/mmcsd-0-0/evil_spec.py', 'w') as f:
        f.write('with open(%r, "w") as f:\\n    f.write("escaped")\\n' % MARKER)
    util = _os.sys.modules['importlib.util']
    spec = util.spec_from_file_location('evil_spec', _os.sys.modules['posix'].getcwd() + '/evil_spec.py')
    module = util.module_from_spec(spec)
    spec.loader.exec_module(module)
    found.append('ran')
""")
def test_a_module_from_storage_loaded_by_spec_writes_no_marker_outside(world, outcome, request):
    """importlib.util.spec_from_file_location + exec_module: the module runs with the real builtins."""
    assert outcome.report or outcome.failure
    assert_no_marker(world, request.function.__name__)


@ATTACKS.add("""
    pickle = _os.sys.modules['pickle']
    for payload in (b'cposix\\nsystem\\n(V' + ('touch ' + MARKER).encode() + b'\\ntR.',
                    b'csubprocess\\ncall\\n((Vtouch\\nV' + MARKER.encode() + b'\\nltR.'):
        try:
            found.append(pickle.loads(payload))
        except Exception as e:
            found.append(repr(e))
""")
def test_a_pickle_runs_no_shell_command(world, outcome, request):
    """pickle's REDUCE calls whatever it names: posix.system and subprocess.call here."""
    assert outcome.report or outcome.failure
    assert_no_marker(world, request.function.__name__)


@ATTACKS.add("""
    ext = _os.sys.modules['_frozen_importlib_external']
    loader = ext.SourceFileLoader('json', STDLIB + '/json/__init__.py')
    loader.set_data(STDLIB + '/__pycache__/' + POISONED, b'poisoned bytecode')
    found.append('asked')
""")
def test_the_loaders_set_data_writes_no_bytecode_into_the_python_installation(world, outcome):
    """Bytecode-cache poisoning: the import system's own writer asked to put a .pyc beside the
    library's, which the host's next import would run."""
    assert outcome.report or outcome.failure
    assert not os.path.exists(os.path.join(STDLIB, "__pycache__", POISONED)), \
        "the script wrote a .pyc into the Python installation"


@ATTACKS.add("""
    sock = node.io['out']._link.sock   # the output link: a connected AF_UNIX socket
    sock.bind(OUTSIDE + '/s')          # short: AF_UNIX addresses have room for 107 bytes
    found.append('bound')
""")
def test_its_link_socket_bound_to_an_outside_path_leaves_no_socket_file(world, outcome):
    """AF_UNIX addresses are file names: binding the script's inherited link socket creates one,
    wherever the path says."""
    assert outcome.report or outcome.failure
    assert not os.path.lexists(os.path.join(world["outside"], "s")), "the script made a socket file outside storage"


@ATTACKS.add("""
    import atexit
    def leave_a_mark():
        with open(MARKER, 'w') as f:
            f.write('at exit')
    atexit.register(leave_a_mark)
    class Late:
        def __del__(self):
            leave_a_mark()
    _os.sys.modules['builtins'].late = Late()    # collected only when the interpreter finalizes
    found.append('registered')
""")
def test_atexit_and_finalizers_write_no_marker_when_the_script_ends(world, outcome, request):
    """Python clears its audit hooks while it finalizes; code that runs after that (atexit, late
    __del__) would run without layer 2."""
    assert outcome.report or outcome.failure
    assert_no_marker(world, request.function.__name__)
