/// Limpet's version: `limpet --version`, the start-up log line, the health checks' `User-Agent`.
public let limpetVersion = "0.1.0"
