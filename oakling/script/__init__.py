"""The Script node on the device: a sandboxed process per script, with gen2's on-device API.

    supervisor.py the script's process seen from the device: launched, let go, its outputs pumped,
                  its log and end followed, stopped, reaped, its CPU and memory use reported
    process.py    the script's process: forked by the supervisor, runs the script once
    channel.py    the links between the device and the process, with gen2's queue semantics
    sandbox.py    what closes around the script: builtins, audit hook, Landlock, seccomp, limits
    landlock.py   the kernel's file rules for the script's process
    seccomp.py    the kernel's allow-list of system calls for the script's process
    whitelist.py  the standard library a script may import, per processor (LEON_MSS / LEON_CSS)
    api.py        `node`, `Clock`, `Device`: the globals a script finds
    gpio.py       `import GPIO`: the device's pins (runtime/gpio.py) as one script sees them
    network.py    the Device option saying which addresses LEON_CSS sockets may use
    messages.py   messages as scripts see them (Buffer(size), getData() as writable bytes)

The host side of the node, and its worker (which hands the script to the supervisor), are in
`nodes/script.py`.
"""
