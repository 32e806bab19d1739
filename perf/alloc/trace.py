# gdb script (Python) for `perf/alloc.sh trace`: attached to a Limpet that runs with
# perf/alloc/count.c preloaded, it records a backtrace of every counted allocation for a while.
#
#   TRACE_OUT=file TRACE_NAME=ka-plain TRACE_SECONDS=5 TRACE_SAMPLES=40 \
#       gdb -batch -nx -p PID -x perf/alloc/trace.py
#
# Two breakpoints in the preload library, neither of which stops Limpet for longer than it takes
# to read the stack:
#   limpet_alloc_counted — called once per counted allocation: the backtrace is recorded (the
#                          first TRACE_SAMPLES of them; all are counted);
#   limpet_alloc_tick    — called by the library's reporter thread every 50 ms: ends the capture
#                          after TRACE_SECONDS, or as soon as TRACE_SAMPLES backtraces are in.
# So the capture ends on time even when nothing allocates (the expected case under keep-alive
# load), without a signal to Limpet (which sigwaits its own). Then gdb detaches; Limpet runs on.
# The backtraces go to TRACE_OUT in gdb's `bt` layout, headed by a "######## NAME: ..." line.
import os
import time

import gdb

OUT = os.environ["TRACE_OUT"]
NAME = os.environ.get("TRACE_NAME", "trace")
SECONDS = float(os.environ.get("TRACE_SECONDS", "5"))
SAMPLES = int(os.environ.get("TRACE_SAMPLES", "40"))
DEPTH = 40

state = {"hits": 0, "traces": [], "deadline": None}


def backtrace():
    lines = []
    frame = gdb.newest_frame()
    n = 0
    while frame is not None and n < DEPTH:
        name = frame.name() or "??"
        sal = frame.find_sal()
        where = ""
        if sal.symtab is not None and sal.line:
            where = f" at {sal.symtab.filename}:{sal.line}"
        else:
            lib = gdb.solib_name(frame.pc())
            if lib:
                where = f" from {lib}"
        lines.append(f"#{n:<2} 0x{frame.pc():016x} in {name} (){where}")
        frame = frame.older()
        n += 1
    return lines


class Counted(gdb.Breakpoint):
    def stop(self):
        state["hits"] += 1
        if len(state["traces"]) < SAMPLES:
            thread = gdb.selected_thread()
            head = f'Thread {thread.num} "{thread.name}" allocation {state["hits"]}'
            try:
                state["traces"].append([head] + backtrace())
            except gdb.error as e:
                state["traces"].append([head, f"#0  (backtrace failed: {e})"])
        return False


class Tick(gdb.Breakpoint):
    def stop(self):
        now = time.monotonic()
        if state["deadline"] is None:
            state["deadline"] = now + SECONDS
        return now >= state["deadline"] or len(state["traces"]) >= SAMPLES


gdb.execute("set pagination off")
gdb.execute("set confirm off")
gdb.execute("set print thread-events off")
gdb.execute("handle all nostop noprint pass")
breakpoints = [Counted("limpet_alloc_counted"), Tick("limpet_alloc_tick")]
start = time.monotonic()
# Tell the script driving the load that the capture has begun.
with open(OUT + ".ready", "w") as f:
    f.write("ready\n")
gdb.execute("continue")
elapsed = time.monotonic() - start
for bp in breakpoints:
    bp.delete()
gdb.execute("detach")

with open(OUT, "w") as f:
    f.write(f"######## {NAME}: {state['hits']} allocations in {elapsed:.1f} s of capture, "
            f"{len(state['traces'])} backtraces\n")
    for trace in state["traces"]:
        f.write("\n".join(trace) + "\n")
gdb.execute("quit")
