"""Runs in the student's kernel and the judge's zygote and answer processes, inside bubblewrap (or as nobody).

A seccomp filter that stops a process from starting programs or other processes (x86-64 Linux).

Python's audit hooks do not see every way to start a process (`_posixsubprocess.fork_exec` raises no
event), and a second process escapes both the hooks of the first and its memory limit (RLIMIT_AS is
per process). The kernel's own filter does not have those gaps: once `forbid_new_processes()` has run,
execve, execveat, fork, vfork and clone without CLONE_THREAD fail with EPERM in this process and in
every thread it starts later; clone3 fails with ENOSYS (glibc then falls back to clone, whose flags
the filter can read; threads keep working). A socket of any family but AF_UNIX (the kernel's ZeroMQ
sockets) and AF_NETLINK (ZeroMQ lists the interfaces: read-only) fails with EPERM: no network, even where
the process shares the grader's (no bubblewrap). A signal to any other process fails with EPERM: where
student processes share a user and a PID namespace (no bubblewrap), the kernel must not stop the judge's
zygote, nor an answer its zygote. Nor may a process keep anything outside its folders where the next
answer process would find it: System V IPC, POSIX message queues and keyrings fail with EPERM; nor leave
its session or process group (setsid, setpgid), so the kill that ends its zygote's processes ends it. The calls
that would reach outside a sandbox (mount, unshare, setns, ptrace, open_by_handle_at, ...) fail with
EPERM too.

Used by the judge's answer process (child.py) and the student's kernel (confine.py). The filter is
built here, as classic BPF, with ctypes; no library is needed.
"""
import ctypes
import errno
import os
import platform
import struct

# x86-64 system call numbers
SYSCALLS_EPERM = {"execve": 59, "execveat": 322, "fork": 57, "vfork": 58, "ptrace": 101, "mount": 165,
                  "umount2": 166, "unshare": 272, "setns": 308, "open_by_handle_at": 304,
                  "name_to_handle_at": 303, "process_vm_writev": 311, "kexec_load": 246, "init_module": 175,
                  "finit_module": 313, "bpf": 321, "perf_event_open": 298, "userfaultfd": 323, "pivot_root": 155,
                  "chroot": 161, "process_vm_readv": 310, "pidfd_send_signal": 424, "pidfd_open": 434,
                  "pidfd_getfd": 438, "tkill": 200,
                  # System V IPC, POSIX message queues, keyrings: storage outside any folder, which would outlive
                  # one answer process for the next (a hidden case's input shown by a visible test's message)
                  "shmget": 29, "shmat": 30, "shmctl": 31, "shmdt": 67, "semget": 64, "semop": 65, "semctl": 66,
                  "semtimedop": 220, "msgget": 68, "msgsnd": 69, "msgrcv": 70, "msgctl": 71, "mq_open": 240,
                  "mq_unlink": 241, "mq_timedsend": 242, "mq_timedreceive": 243, "mq_notify": 244,
                  "mq_getsetattr": 245, "add_key": 248, "request_key": 249, "keyctl": 250,
                  # a session or process group of its own would take it out of the kill that ends its zygote's
                  # processes: it would outlive its test cell (without bubblewrap's PID namespace to end it)
                  "setsid": 112, "setpgid": 109}
CLONE, CLONE3 = 56, 435
SIGNALS = (62, 234, 129, 297)   # kill, tgkill, rt_sigqueueinfo, rt_tgsigqueueinfo: to itself only (tkill: never)
SOCKET, AF_UNIX, AF_NETLINK = 41, 1, 16    # sockets of any other family (the network's, raw) fail with EPERM
CLONE_THREAD = 0x00010000
AUDIT_ARCH_X86_64 = 0xC000003E
X32_SYSCALL_BIT = 0x40000000     # the x32 ABI's numbers: refused as a whole

# classic BPF
LD_W_ABS, JEQ_K, JGE_K, JSET_K, RET_K = 0x20, 0x15, 0x35, 0x45, 0x06
RET_ALLOW, RET_ERRNO, RET_KILL = 0x7FFF0000, 0x00050000, 0x80000000   # SECCOMP_RET_KILL_PROCESS
NR, ARCH, ARG0 = 0, 4, 16        # offsets in struct seccomp_data (arg 0's low 32 bits: little-endian)

PR_SET_NO_NEW_PRIVS, SYS_SECCOMP, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC = 38, 317, 1, 1


def supported():
    return platform.system() == "Linux" and platform.machine() in ("x86_64", "AMD64")


def program(pid):
    """The filter of the process `pid` as a list of (code, jt, jf, k) instructions."""
    insns = [(LD_W_ABS, 0, 0, ARCH), (JEQ_K, 1, 0, AUDIT_ARCH_X86_64), (RET_K, 0, 0, RET_KILL),
             (LD_W_ABS, 0, 0, NR), (JGE_K, 0, 1, X32_SYSCALL_BIT), (RET_K, 0, 0, RET_ERRNO | errno.EPERM)]
    for nr in sorted(SYSCALLS_EPERM.values()):
        insns += [(JEQ_K, 0, 1, nr), (RET_K, 0, 0, RET_ERRNO | errno.EPERM)]
    insns += [(JEQ_K, 0, 5, SOCKET), (LD_W_ABS, 0, 0, ARG0), (JEQ_K, 1, 0, AF_UNIX), (JEQ_K, 0, 1, AF_NETLINK),
              (RET_K, 0, 0, RET_ALLOW), (RET_K, 0, 0, RET_ERRNO | errno.EPERM)]
    for nr in SIGNALS:      # a signal to this process (its first argument: the pid, or the thread group's id)
        insns += [(JEQ_K, 0, 4, nr), (LD_W_ABS, 0, 0, ARG0), (JEQ_K, 0, 1, pid & 0xFFFFFFFF),
                  (RET_K, 0, 0, RET_ALLOW), (RET_K, 0, 0, RET_ERRNO | errno.EPERM)]
    insns += [(JEQ_K, 0, 1, CLONE3), (RET_K, 0, 0, RET_ERRNO | errno.ENOSYS)]
    insns += [(JEQ_K, 0, 3, CLONE), (LD_W_ABS, 0, 0, ARG0), (JSET_K, 1, 0, CLONE_THREAD),
              (RET_K, 0, 0, RET_ERRNO | errno.EPERM)]
    insns += [(RET_K, 0, 0, RET_ALLOW)]
    return insns


class _SockFprog(ctypes.Structure):
    _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]


def forbid_new_processes():
    """Install the filter on this process (all its threads). True if installed; False where seccomp
    filters cannot be built here (not x86-64 Linux). Raises OSError if the kernel refuses it."""
    if not supported():
        return False
    code = b"".join(struct.pack("=HBBI", *insn) for insn in program(os.getpid()))
    buffer = ctypes.create_string_buffer(code, len(code))
    prog = _SockFprog(len(code) // 8, ctypes.cast(buffer, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS) failed")
    libc.syscall.restype = ctypes.c_long
    if libc.syscall(SYS_SECCOMP, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, ctypes.byref(prog)) != 0:
        raise OSError(ctypes.get_errno(), "seccomp(SECCOMP_SET_MODE_FILTER) failed")
    return True
