import CShims

/// The process-wide calls of start-up and shutdown: signals, CPUs, the descriptor limit, thread pinning.
public enum ProcessControl {
    /// Blocks SIGTERM, SIGINT, SIGHUP, SIGUSR1 and SIGPIPE in the calling thread; call before any thread starts, so
    /// that threads started later inherit the mask and only `waitForSignal` sees them.
    public static func blockSignals() { limpet_block_signals() }

    /// Waits for SIGTERM, SIGINT, SIGHUP or SIGUSR1 and answers its number.
    public static func waitForSignal() -> Int32 { limpet_wait_signal() }

    /// The CPUs this process may run on (its affinity mask: taskset, cgroups).
    public static var availableCPUs: Int { Int(limpet_online_cpus()) }

    /// Raises `RLIMIT_NOFILE`'s soft limit to the hard limit; answers the limit now in force.
    public static func raiseFileLimit() -> Int { limpet_raise_nofile() }

    /// Pins the calling thread to the `index`-th CPU it may run on (modulo their count); best effort.
    public static func pinCurrentThread(_ index: Int) { _ = limpet_pin_thread(Int32(truncatingIfNeeded: index)) }
}
