// The Engine API's JSON, reduced to the fields the providers read. Every field the daemon may omit or send as null
// is optional. Samples captured from Docker 20.10 (API 1.41) are in Tests/LimpetProvidersTests/Samples.swift.

/// `GET /version`.
public struct DockerVersion: Decodable, Sendable, Equatable {
    /// The engine's release, e.g. `20.10.24`.
    public var version: String?
    /// The newest API version the daemon speaks, e.g. `1.41`.
    public var apiVersion: String?
    /// The oldest API version the daemon still accepts, e.g. `1.12`.
    public var minAPIVersion: String?

    public init(version: String?, apiVersion: String?, minAPIVersion: String?) {
        self.version = version
        self.apiVersion = apiVersion
        self.minAPIVersion = minAPIVersion
    }

    enum CodingKeys: String, CodingKey {
        case version = "Version"
        case apiVersion = "ApiVersion"
        case minAPIVersion = "MinAPIVersion"
    }
}

/// Any JSON value, skipped (the values of `ExposedPorts`, `{}`; those of `NetworkSettings.Ports`, often null).
struct IgnoredValue: Decodable, Equatable {
    init() {}
    init(from decoder: Decoder) throws {}
}

/// One entry of `GET /containers/json`.
struct ContainerSummary: Decodable, Equatable {
    var id: String
    var names: [String]?
    var state: String?

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case names = "Names"
        case state = "State"
    }
}

/// `GET /containers/{id}/json`.
struct ContainerDetails: Decodable, Equatable {
    var id: String
    /// With its leading `/`.
    var name: String
    var state: State?
    var config: Config?
    var hostConfig: HostConfig?
    var networkSettings: NetworkSettings?

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case name = "Name"
        case state = "State"
        case config = "Config"
        case hostConfig = "HostConfig"
        case networkSettings = "NetworkSettings"
    }

    struct State: Decodable, Equatable {
        /// `running`, `paused`, `exited`…
        var status: String?
        var health: Health?

        enum CodingKeys: String, CodingKey {
            case status = "Status"
            case health = "Health"
        }
    }

    struct Health: Decodable, Equatable {
        /// `starting`, `healthy`, `unhealthy` (or `none`).
        var status: String?

        enum CodingKeys: String, CodingKey {
            case status = "Status"
        }
    }

    struct Config: Decodable, Equatable {
        var labels: [String: String]?
        /// Keys such as `80/tcp`.
        var exposedPorts: [String: IgnoredValue]?

        enum CodingKeys: String, CodingKey {
            case labels = "Labels"
            case exposedPorts = "ExposedPorts"
        }
    }

    struct HostConfig: Decodable, Equatable {
        /// `default`, `bridge`, `host`, `none`, `container:<id>`, or a network's name.
        var networkMode: String?

        enum CodingKeys: String, CodingKey {
            case networkMode = "NetworkMode"
        }
    }

    struct NetworkSettings: Decodable, Equatable {
        /// Keys such as `80/tcp`, for exposed and published ports.
        var ports: [String: IgnoredValue]?
        /// By network name.
        var networks: [String: Endpoint]?

        enum CodingKeys: String, CodingKey {
            case ports = "Ports"
            case networks = "Networks"
        }
    }

    struct Endpoint: Decodable, Equatable {
        var ipAddress: String?
        var globalIPv6Address: String?

        enum CodingKeys: String, CodingKey {
            case ipAddress = "IPAddress"
            case globalIPv6Address = "GlobalIPv6Address"
        }
    }
}

/// One line of `GET /events`.
struct DockerEvent: Decodable, Equatable {
    var type: String?
    var action: String?
    var actor: Actor?

    enum CodingKeys: String, CodingKey {
        case type = "Type"
        case action = "Action"
        case actor = "Actor"
    }

    struct Actor: Decodable, Equatable {
        var id: String?
        var attributes: [String: String]?

        enum CodingKeys: String, CodingKey {
            case id = "ID"
            case attributes = "Attributes"
        }
    }
}

/// An error response's body.
struct DockerErrorBody: Decodable {
    var message: String
}
