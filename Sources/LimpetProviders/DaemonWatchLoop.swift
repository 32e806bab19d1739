import Logging

/// The loop the Docker and Swarm providers share: connect to the daemon (negotiating the API version), do the
/// provider's work, and on any failure log one line naming the endpoint and the retry delay, keep the last
/// published configuration, and try again after the backoff (0.5 s, 1 s, 2 s … 30 s, reset by a success).
struct DaemonWatchLoop {
    /// What the provider's session asks for once it returns.
    enum Next {
        /// Go round again on the same connection.
        case again
        /// Nothing more to do (Docker with `watch: false`): close the connection and wait to be stopped.
        case finished
    }

    /// `providers.docker`, `providers.swarm`: the prefix of every log line.
    let prefix: String
    let endpoint: String
    let logger: Logger

    /// Runs until `stop` is signalled. `session` does the work on a connected client and calls `succeeded` after
    /// each good listing (which resets the backoff); it may also block (events, the refresh interval) and throw.
    func run(until stop: StopSignal, backoff initialBackoff: Backoff,
             session: (DockerClient, _ succeeded: () -> Void) throws(DockerClientError) -> Next)
    {
        let client: DockerClient
        do {
            client = try DockerClient(endpoint: endpoint)
        } catch {
            logger.error("\(prefix): \(error)")
            stop.park()
            return
        }
        var backoff = initialBackoff
        var succeededOnce = false
        var connected = false
        var failing = false
        while !stop.isStopped {
            do {
                if !connected {
                    let version = try client.negotiate()
                    connected = true
                    logger.info("""
                        \(prefix): \(failing ? "reconnected" : "connected") to Docker \
                        \(version.version ?? "?") at \(endpoint) (API \(client.apiVersion))
                        """)
                }
                let next = try session(client) {
                    succeededOnce = true
                    failing = false
                    backoff.reset()
                }
                if case .finished = next {
                    client.close()
                    stop.park()
                    return
                }
            } catch {
                client.close()
                connected = false
                failing = true
                let delay = backoff.next()
                let kept = succeededOnce ? "keeping the last configuration; " : ""
                logger.error("\(prefix): \(error); \(kept)retrying in \(delay.logText)")
                guard stop.sleep(delay) else { return }
            }
        }
    }
}
