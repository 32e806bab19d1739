#!/usr/bin/env python3
"""Group the backtraces of `perf/alloc.sh trace` (gdb `bt`, demangled) by allocation site.

Usage: sites.py perf/out/alloc-trace.txt  → a Markdown table on stdout.

Each backtrace starts at limpet_alloc_counted (the preload library's hook). The frames of the
allocator itself (the library, libc, the Swift runtime's swift_slowAlloc/swift_allocObject) and
of the standard library's containers (Array, ContiguousArray, Dictionary, String, ...) are
skipped; the first frame left is the site, reported with the container operation it went
through and the frame that called it.
"""
import collections
import re
import sys

FRAME = re.compile(r"^#(\d+)\s+(?:0x[0-9a-f]+ in )?(.*)$")
WHERE = re.compile(r"^(.*?)(?: at (\S+):(\d+)| from (\S+))?$")
SKIP = re.compile(
    r"^(?:specialized |merged |generic specialization <.*?> of |partial apply for )*(?:static )?"
    r"(?:Array|ContiguousArray|ArraySlice|_ContiguousArrayBuffer|_ArrayBuffer|Collection|Sequence|"
    r"MutableCollection|RangeReplaceableCollection|Dictionary|_NativeDictionary|Set|_NativeSet|"
    r"String|Substring|_StringGuts|_StringObject|Unsafe\w*|ManagedBuffer|_\w+Storage|"
    r"DefaultStringInterpolation)\b"
    r"|^swift_|^_swift_|^limpet_alloc_counted|^(?:malloc|calloc|realloc|free|posix_memalign|"
    r"aligned_alloc|memalign|valloc|pvalloc|reallocarray)\b"
)
RUNTIME_LIB = re.compile(r"libswiftCore|libc\.so|alloc-count\.so|libstdc\+\+|ld-linux")


def parse_frame(text):
    """(function, file, line, library) of one gdb frame line's text after the frame number."""
    m = WHERE.match(text)
    body, path, line, lib = m.group(1), m.group(2), m.group(3), m.group(4)
    # Drop the argument list gdb prints after the function: the last balanced "(...)".
    body = body.rstrip()
    if body.endswith(")"):
        depth = 0
        for i in range(len(body) - 1, -1, -1):
            c = body[i]
            if c == ")":
                depth += 1
            elif c == "(":
                depth -= 1
                if depth == 0:
                    if i > 0 and body[i - 1] == " ":
                        body = body[: i - 1]
                    break
    return body.strip(), path, line, lib


def short_path(path):
    if not path:
        return ""
    i = path.find("Sources/")
    return path[i:] if i >= 0 else path.rsplit("/", 1)[-1]


def main():
    traces = []  # (scenario, [frames])
    headers = []  # "NAME: N allocations in T s of capture, M backtraces"
    scenario = "?"
    current = None
    for raw in open(sys.argv[1], encoding="utf-8", errors="replace"):
        raw = raw.rstrip("\n")
        if raw.startswith("######## "):
            scenario = raw[9:].split(":", 1)[0]
            headers.append(raw[9:])
            continue
        m = FRAME.match(raw)
        if not m:
            continue
        if m.group(1) == "0":
            current = []
            traces.append((scenario, current))
        if current is not None:
            current.append(parse_frame(m.group(2)))

    sites = collections.Counter()
    scenarios = collections.defaultdict(collections.Counter)
    for scen, frames in traces:
        through = ""
        site = caller = "(allocator frames only)"
        for i, (fn, path, line, lib) in enumerate(frames):
            if SKIP.search(fn) or (lib and RUNTIME_LIB.search(lib)):
                if not fn.startswith(("limpet_alloc_counted", "malloc", "calloc", "realloc",
                                      "posix_memalign", "aligned_alloc", "memalign")):
                    through = fn
                continue
            site = f"`{fn}`" + (f" ({short_path(path)}:{line})" if path else "")
            for fn2, path2, line2, lib2 in frames[i + 1:]:
                if not (SKIP.search(fn2) or (lib2 and RUNTIME_LIB.search(lib2))):
                    caller = f"`{fn2}`" + (f" ({short_path(path2)}:{line2})" if path2 else "")
                    break
            else:
                caller = ""
            break
        key = (site, f"`{through}`" if through else "", caller)
        sites[key] += 1
        scenarios[key][scen] += 1

    total = sum(sites.values())
    print(f"# Allocation sites — {total} backtraces from `perf/alloc.sh trace`")
    print()
    print("Captures (gdb attached while wrk's connections were already open):")
    print()
    for h in headers:
        print(f"- {h}")
    print()
    if not sites:
        print("No allocation during any capture.")
        return
    print("| Hits | Scenarios | Site (first frame outside the allocator and containers) | Through | Called from |")
    print("|---:|---|---|---|---|")
    for key, n in sites.most_common():
        scen = ", ".join(f"{s} {c}" for s, c in sorted(scenarios[key].items()))
        print(f"| {n} | {scen} | {key[0]} | {key[1]} | {key[2]} |")


if __name__ == "__main__":
    main()
