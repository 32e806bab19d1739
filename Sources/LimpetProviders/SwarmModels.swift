// Swarm objects of the Engine API, reduced to the fields the Swarm provider reads.

/// One entry of `GET /services`.
struct SwarmService: Decodable, Equatable {
    var id: String
    var spec: Spec
    var endpoint: Endpoint?

    enum CodingKeys: String, CodingKey {
        case id = "ID"
        case spec = "Spec"
        case endpoint = "Endpoint"
    }

    struct Spec: Decodable, Equatable {
        var name: String
        var labels: [String: String]?
        var taskTemplate: TaskTemplate?
        var endpointSpec: EndpointSpec?

        enum CodingKeys: String, CodingKey {
            case name = "Name"
            case labels = "Labels"
            case taskTemplate = "TaskTemplate"
            case endpointSpec = "EndpointSpec"
        }
    }

    struct TaskTemplate: Decodable, Equatable {
        var networks: [NetworkTarget]?

        enum CodingKeys: String, CodingKey {
            case networks = "Networks"
        }
    }

    struct NetworkTarget: Decodable, Equatable {
        /// A network ID (the daemon resolves names when the service is created).
        var target: String

        enum CodingKeys: String, CodingKey {
            case target = "Target"
        }
    }

    struct EndpointSpec: Decodable, Equatable {
        /// `vip` (the default) or `dnsrr`.
        var mode: String?

        enum CodingKeys: String, CodingKey {
            case mode = "Mode"
        }
    }

    struct Endpoint: Decodable, Equatable {
        var virtualIPs: [VirtualIP]?

        enum CodingKeys: String, CodingKey {
            case virtualIPs = "VirtualIPs"
        }
    }

    struct VirtualIP: Decodable, Equatable {
        var networkID: String
        /// CIDR (`10.0.1.2/24`); absent on the `host` network.
        var addr: String?

        enum CodingKeys: String, CodingKey {
            case networkID = "NetworkID"
            case addr = "Addr"
        }
    }
}

/// One entry of `GET /tasks`.
struct SwarmTask: Decodable, Equatable {
    var id: String
    var serviceID: String
    var nodeID: String?
    var slot: Int?
    var status: Status?
    var networksAttachments: [NetworkAttachment]?

    enum CodingKeys: String, CodingKey {
        case id = "ID"
        case serviceID = "ServiceID"
        case nodeID = "NodeID"
        case slot = "Slot"
        case status = "Status"
        case networksAttachments = "NetworksAttachments"
    }

    struct Status: Decodable, Equatable {
        /// `running`, `starting`, `failed`…
        var state: String?

        enum CodingKeys: String, CodingKey {
            case state = "State"
        }
    }

    struct NetworkAttachment: Decodable, Equatable {
        var network: AttachedNetwork?
        /// CIDRs (`10.0.1.3/24`); absent on the `host` network.
        var addresses: [String]?

        enum CodingKeys: String, CodingKey {
            case network = "Network"
            case addresses = "Addresses"
        }
    }

    struct AttachedNetwork: Decodable, Equatable {
        var id: String
        var spec: NetworkSpec?
        var driverState: DriverState?

        enum CodingKeys: String, CodingKey {
            case id = "ID"
            case spec = "Spec"
            case driverState = "DriverState"
        }
    }

    struct NetworkSpec: Decodable, Equatable {
        var name: String?
        var ingress: Bool?

        enum CodingKeys: String, CodingKey {
            case name = "Name"
            case ingress = "Ingress"
        }
    }

    struct DriverState: Decodable, Equatable {
        var name: String?

        enum CodingKeys: String, CodingKey {
            case name = "Name"
        }
    }
}

/// One entry of `GET /networks`.
struct DockerNetwork: Decodable, Equatable {
    var id: String
    var name: String
    var driver: String?
    var ingress: Bool?

    enum CodingKeys: String, CodingKey {
        case id = "Id"
        case name = "Name"
        case driver = "Driver"
        case ingress = "Ingress"
    }
}

/// One entry of `GET /nodes`.
struct SwarmNode: Decodable, Equatable {
    var id: String
    var status: Status?
    var managerStatus: ManagerStatus?

    enum CodingKeys: String, CodingKey {
        case id = "ID"
        case status = "Status"
        case managerStatus = "ManagerStatus"
    }

    struct Status: Decodable, Equatable {
        var state: String?
        /// The node's address as the cluster sees it; `0.0.0.0` on some managers.
        var addr: String?

        enum CodingKeys: String, CodingKey {
            case state = "State"
            case addr = "Addr"
        }
    }

    struct ManagerStatus: Decodable, Equatable {
        /// `host:port` of the manager's Raft listener.
        var addr: String?

        enum CodingKeys: String, CodingKey {
            case addr = "Addr"
        }
    }
}
