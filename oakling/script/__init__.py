"""The Script node on the device: a sandboxed process per script, with gen2's on-device API.

    supervisor.py the script's process seen from the device: launched, let go, its outputs pumped,
                  its log and end followed, stopped, reaped, its CPU and memory use reported
    process.py    the script's process: forked by the supervisor, runs the script once
    channel.py    the links between the device and the process, with gen2's queue semantics
    namespaces.py its own user, mount and network namespaces and root, entered after the fork
    sandbox.py    what closes around the script: its root, builtins, audit hook, Landlock, seccomp, limits
    landlock.py   the kernel's file rules for the script's process
    seccomp.py    the kernel's allow-list of system calls for the script's process
    limits.py     its resource limits: memory (a cgroup of its own, else its address space), CPU
                  time, threads, open files, file sizes
    whitelist.py  the standard library a script may import, per processor (LEON_MSS / LEON_CSS)
    api.py        `node`, `Clock`, `Device`: the globals a script finds
    gpio.py       `import GPIO`: the device's pins (runtime/gpio.py) as one script sees them
    network.py    the Device option saying which addresses LEON_CSS sockets may use
    loopback.py   the host's loopback lent to a script whose network is its own
    device_fcntl.py  `fcntl` as LEON_CSS scripts see it (the OAK's address request answered)
    messages.py   messages as scripts see them (Buffer(size), getData() as writable bytes)

The host side of the node, and its worker (which hands the script to the supervisor), are in
`nodes/script.py`.
"""
