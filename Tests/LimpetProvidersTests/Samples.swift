// Real Engine API responses captured from Docker 20.10.24 (API 1.41) on a single-node Swarm. Trimmed only where
// noted: nodes drop `Description.TLSInfo` and most of `Engine.Plugins`; lists keep the lp-sample-* objects
// created for the capture. Lines longer than the page continue with `\#`; `events` is one object per line.

enum Samples {
    static let containersList = #"""
        [
         {
          "Id": "00edfe947468e1c54c28f3115e51cae42336e6d2975c677de75a9981d2489bd1",
          "Names": [
           "/lp-sample-healthy"
          ],
          "Image": "limpet-test:latest",
          "ImageID": "sha256:5e40975410f1dd8e75b5cef29e3d0c074a2e839720aa903f7081657d95c278aa",
          "Command": "/limpet whoami --listen 0.0.0.0:8080",
          "Created": 1795250227,
          "Ports": [
           {
            "IP": "127.0.0.1",
            "PrivatePort": 8080,
            "PublicPort": 18790,
            "Type": "tcp"
           }
          ],
          "Labels": {
           "traefik.http.routers.h.rule": "Host(`h`)"
          },
          "State": "running",
          "Status": "Up 4 seconds (healthy)",
          "HostConfig": {
           "NetworkMode": "default"
          },
          "NetworkSettings": {
           "Networks": {
            "bridge": {
             "IPAMConfig": null,
             "Links": null,
             "Aliases": null,
             "NetworkID": "d720084616a73f6f7f356b2659577de0933de0ac95816b381555a035c5c6f2fa",
             "EndpointID": "4e79dcf779123793fcf82a12ede51352929837dc7801c9017aca4ca6fe01e21f",
             "Gateway": "172.17.0.1",
             "IPAddress": "172.17.0.4",
             "IPPrefixLen": 16,
             "IPv6Gateway": "",
             "GlobalIPv6Address": "",
             "GlobalIPv6PrefixLen": 0,
             "MacAddress": "02:42:ac:11:00:04",
             "DriverOpts": null
            }
           }
          },
          "Mounts": []
         },
         {
          "Id": "60a910e477af7a25dfe2efe70d82278ec9fb784d3c331d8786ca197211f002b0",
          "Names": [
           "/lp-sample-nonet.1.82ni7rwt9cwrtedfmf70g1tfy"
          ],
          "Image": "limpet-test:latest",
          "ImageID": "sha256:5e40975410f1dd8e75b5cef29e3d0c074a2e839720aa903f7081657d95c278aa",
          "Command": "/limpet whoami --listen 0.0.0.0:9000",
          "Created": 1795249847,
          "Ports": [],
          "Labels": {
           "com.docker.swarm.node.id": "vbn9yjd6xrkpf211dakj2r9bu",
           "com.docker.swarm.service.id": "ghwxxyjlow6y3el6n7w0buueb",
           "com.docker.swarm.service.name": "lp-sample-nonet",
           "com.docker.swarm.task": "",
           "com.docker.swarm.task.id": "82ni7rwt9cwrtedfmf70g1tfy",
           "com.docker.swarm.task.name": "lp-sample-nonet.1.82ni7rwt9cwrtedfmf70g1tfy"
          },
          "State": "running",
          "Status": "Up 6 minutes",
          "HostConfig": {
           "NetworkMode": "default"
          },
          "NetworkSettings": {
           "Networks": {
            "bridge": {
             "IPAMConfig": null,
             "Links": null,
             "Aliases": null,
             "NetworkID": "d720084616a73f6f7f356b2659577de0933de0ac95816b381555a035c5c6f2fa",
             "EndpointID": "af6546257a902ff7d43c4e8852f01b45c871d0c35bc0360584ca716b3ad78c99",
             "Gateway": "172.17.0.1",
             "IPAddress": "172.17.0.3",
             "IPPrefixLen": 16,
             "IPv6Gateway": "",
             "GlobalIPv6Address": "",
             "GlobalIPv6PrefixLen": 0,
             "MacAddress": "02:42:ac:11:00:03",
             "DriverOpts": null
            }
           }
          },
          "Mounts": []
         },
         {
          "Id": "444e68f864ecea52132febe00d7b596dc23402680c500f7c05fd40ed4d0dcb93",
          "Names": [
           "/lp-sample-pub.1.p12wiefsyuko3ualc1kow04zt"
          ],
          "Image": "limpet-test:latest",
          "ImageID": "sha256:5e40975410f1dd8e75b5cef29e3d0c074a2e839720aa903f7081657d95c278aa",
          "Command": "/limpet whoami --listen 0.0.0.0:9000",
          "Created": 1795249847,
          "Ports": [],
          "Labels": {
           "com.docker.swarm.node.id": "vbn9yjd6xrkpf211dakj2r9bu",
           "com.docker.swarm.service.id": "t96ke3vw0cbypf3r0teztcfvr",
           "com.docker.swarm.service.name": "lp-sample-pub",
           "com.docker.swarm.task": "",
           "com.docker.swarm.task.id": "p12wiefsyuko3ualc1kow04zt",
           "com.docker.swarm.task.name": "lp-sample-pub.1.p12wiefsyuko3ualc1kow04zt"
          },
          "State": "running",
          "Status": "Up 6 minutes",
          "HostConfig": {
           "NetworkMode": "default"
          },
          "NetworkSettings": {
           "Networks": {
            "ingress": {
             "IPAMConfig": {
              "IPv4Address": "10.0.0.4"
             },
             "Links": null,
             "Aliases": null,
             "NetworkID": "s3bfoa4q3h7gkwf9iv1khyyfh",
             "EndpointID": "c962ef064631d17798956181c6575cae7e6e68060110260e59d4ea1acafaeee9",
             "Gateway": "",
             "IPAddress": "10.0.0.4",
             "IPPrefixLen": 24,
             "IPv6Gateway": "",
             "GlobalIPv6Address": "",
             "GlobalIPv6PrefixLen": 0,
             "MacAddress": "02:42:0a:00:00:04",
             "DriverOpts": null
            }
           }
          },
          "Mounts": []
         },
         {
          "Id": "8e691d21ea699e4292536167b0ddbaab0f784ee2817591014481d6ec612120e3",
          "Names": [
           "/lp-sample-svc.1.c9mjepksqhngk1fjqqqcok75x"
          ],
          "Image": "limpet-test:latest",
          "ImageID": "sha256:5e40975410f1dd8e75b5cef29e3d0c074a2e839720aa903f7081657d95c278aa",
          "Command": "/limpet whoami --listen 0.0.0.0:9000",
          "Created": 1795249829,
          "Ports": [],
          "Labels": {
           "com.docker.swarm.node.id": "vbn9yjd6xrkpf211dakj2r9bu",
           "com.docker.swarm.service.id": "0iqsnhgp6bgf2c7ugo9d87ir7",
           "com.docker.swarm.service.name": "lp-sample-svc",
           "com.docker.swarm.task": "",
           "com.docker.swarm.task.id": "c9mjepksqhngk1fjqqqcok75x",
           "com.docker.swarm.task.name": "lp-sample-svc.1.c9mjepksqhngk1fjqqqcok75x"
          },
          "State": "running",
          "Status": "Up 6 minutes",
          "HostConfig": {
           "NetworkMode": "default"
          },
          "NetworkSettings": {
           "Networks": {
            "lp-sample-overlay": {
             "IPAMConfig": {
              "IPv4Address": "10.0.1.3"
             },
             "Links": null,
             "Aliases": null,
             "NetworkID": "3a6lw6bsapteb9f20hcjxw8k3",
             "EndpointID": "b26c45e98b960abbeb53d94ca6164f8b4cd5445f67a4c6286db504de991cf2a1",
             "Gateway": "",
             "IPAddress": "10.0.1.3",
             "IPPrefixLen": 24,
             "IPv6Gateway": "",
             "GlobalIPv6Address": "",
             "GlobalIPv6PrefixLen": 0,
             "MacAddress": "02:42:0a:00:01:03",
             "DriverOpts": null
            }
           }
          },
          "Mounts": []
         },
         {
          "Id": "2f9155daaec472e2a6ca4de505ddb6068818e97b819b058a423a2c01b7052c8c",
          "Names": [
           "/lp-sample-dnsrr.1.iqwlimm6ppflz5pn2m1xm87g6"
          ],
          "Image": "limpet-test:latest",
          "ImageID": "sha256:5e40975410f1dd8e75b5cef29e3d0c074a2e839720aa903f7081657d95c278aa",
          "Command": "/limpet whoami --listen 0.0.0.0:9000",
          "Created": 1795249829,
          "Ports": [],
          "Labels": {
           "com.docker.swarm.node.id": "vbn9yjd6xrkpf211dakj2r9bu",
           "com.docker.swarm.service.id": "kkod8vrg039o7wuhmak4nempw",
           "com.docker.swarm.service.name": "lp-sample-dnsrr",
           "com.docker.swarm.task": "",
           "com.docker.swarm.task.id": "iqwlimm6ppflz5pn2m1xm87g6",
           "com.docker.swarm.task.name": "lp-sample-dnsrr.1.iqwlimm6ppflz5pn2m1xm87g6"
          },
          "State": "running",
          "Status": "Up 6 minutes",
          "HostConfig": {
           "NetworkMode": "default"
          },
          "NetworkSettings": {
           "Networks": {
            "lp-sample-overlay": {
             "IPAMConfig": {
              "IPv4Address": "10.0.1.5"
             },
             "Links": null,
             "Aliases": null,
             "NetworkID": "3a6lw6bsapteb9f20hcjxw8k3",
             "EndpointID": "43ce2a4a01384c09ef64e36cf5dee7c4d9f5d7c04c246a821ca2ca8814e027d4",
             "Gateway": "",
             "IPAddress": "10.0.1.5",
             "IPPrefixLen": 24,
             "IPv6Gateway": "",
             "GlobalIPv6Address": "",
             "GlobalIPv6PrefixLen": 0,
             "MacAddress": "02:42:0a:00:01:05",
             "DriverOpts": null
            }
           }
          },
          "Mounts": []
         },
         {
          "Id": "21ce1a31b4639ea8abcd80b28d3898c1c6258c55f055c7057e6719371faf837c",
          "Names": [
           "/lp-sample-svc.2.rm778iv3yiabvumkka522602x"
          ],
          "Image": "limpet-test:latest",
          "ImageID": "sha256:5e40975410f1dd8e75b5cef29e3d0c074a2e839720aa903f7081657d95c278aa",
          "Command": "/limpet whoami --listen 0.0.0.0:9000",
          "Created": 1795249829,
          "Ports": [],
          "Labels": {
           "com.docker.swarm.node.id": "vbn9yjd6xrkpf211dakj2r9bu",
           "com.docker.swarm.service.id": "0iqsnhgp6bgf2c7ugo9d87ir7",
           "com.docker.swarm.service.name": "lp-sample-svc",
           "com.docker.swarm.task": "",
           "com.docker.swarm.task.id": "rm778iv3yiabvumkka522602x",
           "com.docker.swarm.task.name": "lp-sample-svc.2.rm778iv3yiabvumkka522602x"
          },
          "State": "running",
          "Status": "Up 6 minutes",
          "HostConfig": {
           "NetworkMode": "default"
          },
          "NetworkSettings": {
           "Networks": {
            "lp-sample-overlay": {
             "IPAMConfig": {
              "IPv4Address": "10.0.1.4"
             },
             "Links": null,
             "Aliases": null,
             "NetworkID": "3a6lw6bsapteb9f20hcjxw8k3",
             "EndpointID": "cb1c335c3cd7ac65461b44060cd247e446f99cbbda05a51ddd9458dfe41e1fbb",
             "Gateway": "",
             "IPAddress": "10.0.1.4",
             "IPPrefixLen": 24,
             "IPv6Gateway": "",
             "GlobalIPv6Address": "",
             "GlobalIPv6PrefixLen": 0,
             "MacAddress": "02:42:0a:00:01:04",
             "DriverOpts": null
            }
           }
          },
          "Mounts": []
         },
         {
          "Id": "6bcfd927abb231d1288989447c1f45d320f0d94498791d1d6cb11cc8d782117f",
          "Names": [
           "/lp-sample-hostsvc.1.kc65f17l3lo1vrb4enyjvaj8z"
          ],
          "Image": "limpet-test:latest",
          "ImageID": "sha256:5e40975410f1dd8e75b5cef29e3d0c074a2e839720aa903f7081657d95c278aa",
          "Command": "/limpet whoami --listen 127.0.0.1:18766",
          "Created": 1795249827,
          "Ports": [],
          "Labels": {
           "com.docker.swarm.node.id": "vbn9yjd6xrkpf211dakj2r9bu",
           "com.docker.swarm.service.id": "vorfycz719xyn19gqz10lmsui",
           "com.docker.swarm.service.name": "lp-sample-hostsvc",
           "com.docker.swarm.task": "",
           "com.docker.swarm.task.id": "kc65f17l3lo1vrb4enyjvaj8z",
           "com.docker.swarm.task.name": "lp-sample-hostsvc.1.kc65f17l3lo1vrb4enyjvaj8z"
          },
          "State": "running",
          "Status": "Up 6 minutes",
          "HostConfig": {
           "NetworkMode": "host"
          },
          "NetworkSettings": {
           "Networks": {
            "host": {
             "IPAMConfig": {},
             "Links": null,
             "Aliases": null,
             "NetworkID": "c2130e432a4054d4a1ae45234e2d623b029fd261b934bb69683d903e00d425bd",
             "EndpointID": "fd278a1bdcf4754f9af1ef9b3446b36bf045383d37f0399fcd79b188ca9d2a7a",
             "Gateway": "",
             "IPAddress": "",
             "IPPrefixLen": 0,
             "IPv6Gateway": "",
             "GlobalIPv6Address": "",
             "GlobalIPv6PrefixLen": 0,
             "MacAddress": "",
             "DriverOpts": null
            }
           }
          },
          "Mounts": []
         },
         {
          "Id": "474ab110def729fecad4173b471ceaaeb8c9370443da25e8cfba7288df6bf4d4",
          "Names": [
           "/lp-sample-host"
          ],
          "Image": "limpet-test:latest",
          "ImageID": "sha256:5e40975410f1dd8e75b5cef29e3d0c074a2e839720aa903f7081657d95c278aa",
          "Command": "/limpet whoami --listen 127.0.0.1:18765",
          "Created": 1795249804,
          "Ports": [],
          "Labels": {
           "Traefik.Docker.Network": "foo"
          },
          "State": "running",
          "Status": "Up 7 minutes",
          "HostConfig": {
           "NetworkMode": "host"
          },
          "NetworkSettings": {
           "Networks": {
            "host": {
             "IPAMConfig": null,
             "Links": null,
             "Aliases": null,
             "NetworkID": "c2130e432a4054d4a1ae45234e2d623b029fd261b934bb69683d903e00d425bd",
             "EndpointID": "97effffe2f216a0b620ba6f81408de0ee9962c517461b318e4b75f7ec38b47fe",
             "Gateway": "",
             "IPAddress": "",
             "IPPrefixLen": 0,
             "IPv6Gateway": "",
             "GlobalIPv6Address": "",
             "GlobalIPv6PrefixLen": 0,
             "MacAddress": "",
             "DriverOpts": null
            }
           }
          },
          "Mounts": []
         },
         {
          "Id": "459d96607e6f809073f0dee30a9a759aeafcc0425898dc57244828f99eb5a605",
          "Names": [
           "/lp-sample-bridge"
          ],
          "Image": "limpet-test:latest",
          "ImageID": "sha256:5e40975410f1dd8e75b5cef29e3d0c074a2e839720aa903f7081657d95c278aa",
          "Command": "/limpet whoami --listen 0.0.0.0:8080",
          "Created": 1795249803,
          "Ports": [],
          "Labels": {
           "traefik.enable": "true",
           "traefik.http.services.a.loadbalancer.server.port": "8080"
          },
          "State": "running",
          "Status": "Up 7 minutes (unhealthy)",
          "HostConfig": {
           "NetworkMode": "default"
          },
          "NetworkSettings": {
           "Networks": {
            "bridge": {
             "IPAMConfig": null,
             "Links": null,
             "Aliases": null,
             "NetworkID": "d720084616a73f6f7f356b2659577de0933de0ac95816b381555a035c5c6f2fa",
             "EndpointID": "1b7d0465affbba949b6d0e28cc5ab1c4e3a9651c54d87a81579bb68dcae9202a",
             "Gateway": "172.17.0.1",
             "IPAddress": "172.17.0.2",
             "IPPrefixLen": 16,
             "IPv6Gateway": "",
             "GlobalIPv6Address": "",
             "GlobalIPv6PrefixLen": 0,
             "MacAddress": "02:42:ac:11:00:02",
             "DriverOpts": null
            }
           }
          },
          "Mounts": []
         }
        ]
        """#

    static let services = #"""
        [
         {
          "ID": "0iqsnhgp6bgf2c7ugo9d87ir7",
          "Version": {
           "Index": 26
          },
          "CreatedAt": "2026-11-21T08:30:27.619160797Z",
          "UpdatedAt": "2026-11-21T08:30:27.619829287Z",
          "Spec": {
           "Name": "lp-sample-svc",
           "Labels": {
            "traefik.http.services.s.loadbalancer.server.port": "9000",
            "traefik.swarm.lbswarm": "true"
           },
           "TaskTemplate": {
            "ContainerSpec": {
             "Image": "limpet-test:latest",
             "Args": [
              "/limpet",
              "whoami",
              "--listen",
              "0.0.0.0:9000"
             ],
             "Init": false,
             "DNSConfig": {},
             "Isolation": "default"
            },
            "Resources": {
             "Limits": {},
             "Reservations": {}
            },
            "Placement": {},
            "Networks": [
             {
              "Target": "3a6lw6bsapteb9f20hcjxw8k3"
             }
            ],
            "ForceUpdate": 0,
            "Runtime": "container"
           },
           "Mode": {
            "Replicated": {
             "Replicas": 2
            }
           },
           "EndpointSpec": {
            "Mode": "vip"
           }
          },
          "Endpoint": {
           "Spec": {
            "Mode": "vip"
           },
           "VirtualIPs": [
            {
             "NetworkID": "3a6lw6bsapteb9f20hcjxw8k3",
             "Addr": "10.0.1.2/24"
            }
           ]
          }
         },
         {
          "ID": "ghwxxyjlow6y3el6n7w0buueb",
          "Version": {
           "Index": 45
          },
          "CreatedAt": "2026-11-21T08:30:47.161562339Z",
          "UpdatedAt": "2026-11-21T08:30:47.161562339Z",
          "Spec": {
           "Name": "lp-sample-nonet",
           "Labels": {},
           "TaskTemplate": {
            "ContainerSpec": {
             "Image": "limpet-test:latest",
             "Args": [
              "/limpet",
              "whoami",
              "--listen",
              "0.0.0.0:9000"
             ],
             "Init": false,
             "DNSConfig": {},
             "Isolation": "default"
            },
            "Resources": {
             "Limits": {},
             "Reservations": {}
            },
            "Placement": {},
            "ForceUpdate": 0,
            "Runtime": "container"
           },
           "Mode": {
            "Replicated": {
             "Replicas": 1
            }
           },
           "EndpointSpec": {
            "Mode": "vip"
           }
          },
          "Endpoint": {
           "Spec": {}
          }
         },
         {
          "ID": "kkod8vrg039o7wuhmak4nempw",
          "Version": {
           "Index": 33
          },
          "CreatedAt": "2026-11-21T08:30:27.682399254Z",
          "UpdatedAt": "2026-11-21T08:30:27.682399254Z",
          "Spec": {
           "Name": "lp-sample-dnsrr",
           "Labels": {},
           "TaskTemplate": {
            "ContainerSpec": {
             "Image": "limpet-test:latest",
             "Args": [
              "/limpet",
              "whoami",
              "--listen",
              "0.0.0.0:9000"
             ],
             "Init": false,
             "DNSConfig": {},
             "Isolation": "default"
            },
            "Resources": {
             "Limits": {},
             "Reservations": {}
            },
            "Placement": {},
            "Networks": [
             {
              "Target": "3a6lw6bsapteb9f20hcjxw8k3"
             }
            ],
            "ForceUpdate": 0,
            "Runtime": "container"
           },
           "Mode": {
            "Replicated": {
             "Replicas": 1
            }
           },
           "EndpointSpec": {
            "Mode": "dnsrr"
           }
          },
          "Endpoint": {
           "Spec": {}
          }
         },
         {
          "ID": "t96ke3vw0cbypf3r0teztcfvr",
          "Version": {
           "Index": 49
          },
          "CreatedAt": "2026-11-21T08:30:47.190500302Z",
          "UpdatedAt": "2026-11-21T08:30:47.191644911Z",
          "Spec": {
           "Name": "lp-sample-pub",
           "Labels": {},
           "TaskTemplate": {
            "ContainerSpec": {
             "Image": "limpet-test:latest",
             "Args": [
              "/limpet",
              "whoami",
              "--listen",
              "0.0.0.0:9000"
             ],
             "Init": false,
             "DNSConfig": {},
             "Isolation": "default"
            },
            "Resources": {
             "Limits": {},
             "Reservations": {}
            },
            "Placement": {},
            "ForceUpdate": 0,
            "Runtime": "container"
           },
           "Mode": {
            "Replicated": {
             "Replicas": 1
            }
           },
           "EndpointSpec": {
            "Mode": "vip",
            "Ports": [
             {
              "Protocol": "tcp",
              "TargetPort": 9000,
              "PublishedPort": 18767,
              "PublishMode": "ingress"
             }
            ]
           }
          },
          "Endpoint": {
           "Spec": {
            "Mode": "vip",
            "Ports": [
             {
              "Protocol": "tcp",
              "TargetPort": 9000,
              "PublishedPort": 18767,
              "PublishMode": "ingress"
             }
            ]
           },
           "Ports": [
            {
             "Protocol": "tcp",
             "TargetPort": 9000,
             "PublishedPort": 18767,
             "PublishMode": "ingress"
            }
           ],
           "VirtualIPs": [
            {
             "NetworkID": "s3bfoa4q3h7gkwf9iv1khyyfh",
             "Addr": "10.0.0.3/24"
            }
           ]
          }
         },
         {
          "ID": "vorfycz719xyn19gqz10lmsui",
          "Version": {
           "Index": 30
          },
          "CreatedAt": "2026-11-21T08:30:27.652103226Z",
          "UpdatedAt": "2026-11-21T08:30:27.653072544Z",
          "Spec": {
           "Name": "lp-sample-hostsvc",
           "Labels": {
            "traefik.http.services.h.loadbalancer.server.port": "18766"
           },
           "TaskTemplate": {
            "ContainerSpec": {
             "Image": "limpet-test:latest",
             "Args": [
              "/limpet",
              "whoami",
              "--listen",
              "127.0.0.1:18766"
             ],
             "Init": false,
             "DNSConfig": {},
             "Isolation": "default"
            },
            "Resources": {
             "Limits": {},
             "Reservations": {}
            },
            "Placement": {},
            "Networks": [
             {
              "Target": "fu17kqwalpwuej67zwzlw2e9z"
             }
            ],
            "ForceUpdate": 0,
            "Runtime": "container"
           },
           "Mode": {
            "Replicated": {
             "Replicas": 1
            }
           },
           "EndpointSpec": {
            "Mode": "vip"
           }
          },
          "Endpoint": {
           "Spec": {
            "Mode": "vip"
           },
           "VirtualIPs": [
            {
             "NetworkID": "fu17kqwalpwuej67zwzlw2e9z"
            }
           ]
          }
         }
        ]
        """#

    static let tasks = #"""
        [
         {
          "ID": "82ni7rwt9cwrtedfmf70g1tfy",
          "Version": {
           "Index": 54
          },
          "CreatedAt": "2026-11-21T08:30:47.162227482Z",
          "UpdatedAt": "2026-11-21T08:30:48.058497944Z",
          "Labels": {},
          "Spec": {
           "ContainerSpec": {
            "Image": "limpet-test:latest",
            "Args": [
             "/limpet",
             "whoami",
             "--listen",
             "0.0.0.0:9000"
            ],
            "Init": false,
            "DNSConfig": {},
            "Isolation": "default"
           },
           "Resources": {
            "Limits": {},
            "Reservations": {}
           },
           "Placement": {},
           "ForceUpdate": 0
          },
          "ServiceID": "ghwxxyjlow6y3el6n7w0buueb",
          "Slot": 1,
          "NodeID": "vbn9yjd6xrkpf211dakj2r9bu",
          "Status": {
           "Timestamp": "2026-11-21T08:30:47.990781115Z",
           "State": "running",
           "Message": "started",
           "ContainerStatus": {
            "ContainerID": "60a910e477af7a25dfe2efe70d82278ec9fb784d3c331d8786ca197211f002b0",
            "PID": 8326,
            "ExitCode": 0
           },
           "PortStatus": {}
          },
          "DesiredState": "running"
         },
         {
          "ID": "c9mjepksqhngk1fjqqqcok75x",
          "Version": {
           "Index": 43
          },
          "CreatedAt": "2026-11-21T08:30:27.622878535Z",
          "UpdatedAt": "2026-11-21T08:30:30.416990795Z",
          "Labels": {},
          "Spec": {
           "ContainerSpec": {
            "Image": "limpet-test:latest",
            "Args": [
             "/limpet",
             "whoami",
             "--listen",
             "0.0.0.0:9000"
            ],
            "Init": false,
            "DNSConfig": {},
            "Isolation": "default"
           },
           "Resources": {
            "Limits": {},
            "Reservations": {}
           },
           "Placement": {},
           "Networks": [
            {
             "Target": "3a6lw6bsapteb9f20hcjxw8k3"
            }
           ],
           "ForceUpdate": 0
          },
          "ServiceID": "0iqsnhgp6bgf2c7ugo9d87ir7",
          "Slot": 1,
          "NodeID": "vbn9yjd6xrkpf211dakj2r9bu",
          "Status": {
           "Timestamp": "2026-11-21T08:30:30.376938193Z",
           "State": "running",
           "Message": "started",
           "ContainerStatus": {
            "ContainerID": "8e691d21ea699e4292536167b0ddbaab0f784ee2817591014481d6ec612120e3",
            "PID": 7631,
            "ExitCode": 0
           },
           "PortStatus": {}
          },
          "DesiredState": "running",
          "NetworksAttachments": [
           {
            "Network": {
             "ID": "3a6lw6bsapteb9f20hcjxw8k3",
             "Version": {
              "Index": 24
             },
             "CreatedAt": "2026-11-21T08:30:27.58580526Z",
             "UpdatedAt": "2026-11-21T08:30:27.587221426Z",
             "Spec": {
              "Name": "lp-sample-overlay",
              "Labels": {},
              "DriverConfiguration": {
               "Name": "overlay"
              },
              "Attachable": true,
              "IPAMOptions": {
               "Driver": {
                "Name": "default"
               }
              },
              "Scope": "swarm"
             },
             "DriverState": {
              "Name": "overlay",
              "Options": {
               "com.docker.network.driver.overlay.vxlanid_list": "4097"
              }
             },
             "IPAMOptions": {
              "Driver": {
               "Name": "default"
              },
              "Configs": [
               {
                "Subnet": "10.0.1.0/24",
                "Gateway": "10.0.1.1"
               }
              ]
             }
            },
            "Addresses": [
             "10.0.1.3/24"
            ]
           }
          ]
         },
         {
          "ID": "iqwlimm6ppflz5pn2m1xm87g6",
          "Version": {
           "Index": 42
          },
          "CreatedAt": "2026-11-21T08:30:27.683195582Z",
          "UpdatedAt": "2026-11-21T08:30:30.215674598Z",
          "Labels": {},
          "Spec": {
           "ContainerSpec": {
            "Image": "limpet-test:latest",
            "Args": [
             "/limpet",
             "whoami",
             "--listen",
             "0.0.0.0:9000"
            ],
            "Init": false,
            "DNSConfig": {},
            "Isolation": "default"
           },
           "Resources": {
            "Limits": {},
            "Reservations": {}
           },
           "Placement": {},
           "Networks": [
            {
             "Target": "3a6lw6bsapteb9f20hcjxw8k3"
            }
           ],
           "ForceUpdate": 0
          },
          "ServiceID": "kkod8vrg039o7wuhmak4nempw",
          "Slot": 1,
          "NodeID": "vbn9yjd6xrkpf211dakj2r9bu",
          "Status": {
           "Timestamp": "2026-11-21T08:30:30.147826969Z",
           "State": "running",
           "Message": "started",
           "ContainerStatus": {
            "ContainerID": "2f9155daaec472e2a6ca4de505ddb6068818e97b819b058a423a2c01b7052c8c",
            "PID": 7550,
            "ExitCode": 0
           },
           "PortStatus": {}
          },
          "DesiredState": "running",
          "NetworksAttachments": [
           {
            "Network": {
             "ID": "3a6lw6bsapteb9f20hcjxw8k3",
             "Version": {
              "Index": 24
             },
             "CreatedAt": "2026-11-21T08:30:27.58580526Z",
             "UpdatedAt": "2026-11-21T08:30:27.587221426Z",
             "Spec": {
              "Name": "lp-sample-overlay",
              "Labels": {},
              "DriverConfiguration": {
               "Name": "overlay"
              },
              "Attachable": true,
              "IPAMOptions": {
               "Driver": {
                "Name": "default"
               }
              },
              "Scope": "swarm"
             },
             "DriverState": {
              "Name": "overlay",
              "Options": {
               "com.docker.network.driver.overlay.vxlanid_list": "4097"
              }
             },
             "IPAMOptions": {
              "Driver": {
               "Name": "default"
              },
              "Configs": [
               {
                "Subnet": "10.0.1.0/24",
                "Gateway": "10.0.1.1"
               }
              ]
             }
            },
            "Addresses": [
             "10.0.1.5/24"
            ]
           }
          ]
         },
         {
          "ID": "kc65f17l3lo1vrb4enyjvaj8z",
          "Version": {
           "Index": 40
          },
          "CreatedAt": "2026-11-21T08:30:27.653982996Z",
          "UpdatedAt": "2026-11-21T08:30:28.337395152Z",
          "Labels": {},
          "Spec": {
           "ContainerSpec": {
            "Image": "limpet-test:latest",
            "Args": [
             "/limpet",
             "whoami",
             "--listen",
             "127.0.0.1:18766"
            ],
            "Init": false,
            "DNSConfig": {},
            "Isolation": "default"
           },
           "Resources": {
            "Limits": {},
            "Reservations": {}
           },
           "Placement": {},
           "Networks": [
            {
             "Target": "fu17kqwalpwuej67zwzlw2e9z"
            }
           ],
           "ForceUpdate": 0
          },
          "ServiceID": "vorfycz719xyn19gqz10lmsui",
          "Slot": 1,
          "NodeID": "vbn9yjd6xrkpf211dakj2r9bu",
          "Status": {
           "Timestamp": "2026-11-21T08:30:28.252503985Z",
           "State": "running",
           "Message": "started",
           "ContainerStatus": {
            "ContainerID": "6bcfd927abb231d1288989447c1f45d320f0d94498791d1d6cb11cc8d782117f",
            "PID": 7421,
            "ExitCode": 0
           },
           "PortStatus": {}
          },
          "DesiredState": "running",
          "NetworksAttachments": [
           {
            "Network": {
             "ID": "fu17kqwalpwuej67zwzlw2e9z",
             "Version": {
              "Index": 7
             },
             "CreatedAt": "2026-11-21T08:28:46.956510362Z",
             "UpdatedAt": "2026-11-21T08:28:46.969297285Z",
             "Spec": {
              "Name": "host",
              "Labels": {
               "com.docker.swarm.predefined": "true"
              },
              "DriverConfiguration": {
               "Name": "host"
              },
              "Scope": "swarm"
             },
             "DriverState": {
              "Name": "host"
             },
             "IPAMOptions": {
              "Driver": {}
             }
            }
           }
          ]
         },
         {
          "ID": "p12wiefsyuko3ualc1kow04zt",
          "Version": {
           "Index": 55
          },
          "CreatedAt": "2026-11-21T08:30:47.192543109Z",
          "UpdatedAt": "2026-11-21T08:30:48.370601091Z",
          "Labels": {},
          "Spec": {
           "ContainerSpec": {
            "Image": "limpet-test:latest",
            "Args": [
             "/limpet",
             "whoami",
             "--listen",
             "0.0.0.0:9000"
            ],
            "Init": false,
            "DNSConfig": {},
            "Isolation": "default"
           },
           "Resources": {
            "Limits": {},
            "Reservations": {}
           },
           "Placement": {},
           "ForceUpdate": 0
          },
          "ServiceID": "t96ke3vw0cbypf3r0teztcfvr",
          "Slot": 1,
          "NodeID": "vbn9yjd6xrkpf211dakj2r9bu",
          "Status": {
           "Timestamp": "2026-11-21T08:30:48.27428824Z",
           "State": "running",
           "Message": "started",
           "ContainerStatus": {
            "ContainerID": "444e68f864ecea52132febe00d7b596dc23402680c500f7c05fd40ed4d0dcb93",
            "PID": 8367,
            "ExitCode": 0
           },
           "PortStatus": {}
          },
          "DesiredState": "running",
          "NetworksAttachments": [
           {
            "Network": {
             "ID": "s3bfoa4q3h7gkwf9iv1khyyfh",
             "Version": {
              "Index": 6
             },
             "CreatedAt": "2026-11-21T08:28:46.956485065Z",
             "UpdatedAt": "2026-11-21T08:28:46.968905073Z",
             "Spec": {
              "Name": "ingress",
              "Labels": {},
              "DriverConfiguration": {},
              "Ingress": true,
              "IPAMOptions": {
               "Driver": {}
              },
              "Scope": "swarm"
             },
             "DriverState": {
              "Name": "overlay",
              "Options": {
               "com.docker.network.driver.overlay.vxlanid_list": "4096"
              }
             },
             "IPAMOptions": {
              "Driver": {
               "Name": "default"
              },
              "Configs": [
               {
                "Subnet": "10.0.0.0/24",
                "Gateway": "10.0.0.1"
               }
              ]
             }
            },
            "Addresses": [
             "10.0.0.4/24"
            ]
           }
          ]
         },
         {
          "ID": "rm778iv3yiabvumkka522602x",
          "Version": {
           "Index": 44
          },
          "CreatedAt": "2026-11-21T08:30:27.622936793Z",
          "UpdatedAt": "2026-11-21T08:30:30.620075877Z",
          "Labels": {},
          "Spec": {
           "ContainerSpec": {
            "Image": "limpet-test:latest",
            "Args": [
             "/limpet",
             "whoami",
             "--listen",
             "0.0.0.0:9000"
            ],
            "Init": false,
            "DNSConfig": {},
            "Isolation": "default"
           },
           "Resources": {
            "Limits": {},
            "Reservations": {}
           },
           "Placement": {},
           "Networks": [
            {
             "Target": "3a6lw6bsapteb9f20hcjxw8k3"
            }
           ],
           "ForceUpdate": 0
          },
          "ServiceID": "0iqsnhgp6bgf2c7ugo9d87ir7",
          "Slot": 2,
          "NodeID": "vbn9yjd6xrkpf211dakj2r9bu",
          "Status": {
           "Timestamp": "2026-11-21T08:30:30.523927927Z",
           "State": "running",
           "Message": "started",
           "ContainerStatus": {
            "ContainerID": "21ce1a31b4639ea8abcd80b28d3898c1c6258c55f055c7057e6719371faf837c",
            "PID": 7660,
            "ExitCode": 0
           },
           "PortStatus": {}
          },
          "DesiredState": "running",
          "NetworksAttachments": [
           {
            "Network": {
             "ID": "3a6lw6bsapteb9f20hcjxw8k3",
             "Version": {
              "Index": 24
             },
             "CreatedAt": "2026-11-21T08:30:27.58580526Z",
             "UpdatedAt": "2026-11-21T08:30:27.587221426Z",
             "Spec": {
              "Name": "lp-sample-overlay",
              "Labels": {},
              "DriverConfiguration": {
               "Name": "overlay"
              },
              "Attachable": true,
              "IPAMOptions": {
               "Driver": {
                "Name": "default"
               }
              },
              "Scope": "swarm"
             },
             "DriverState": {
              "Name": "overlay",
              "Options": {
               "com.docker.network.driver.overlay.vxlanid_list": "4097"
              }
             },
             "IPAMOptions": {
              "Driver": {
               "Name": "default"
              },
              "Configs": [
               {
                "Subnet": "10.0.1.0/24",
                "Gateway": "10.0.1.1"
               }
              ]
             }
            },
            "Addresses": [
             "10.0.1.4/24"
            ]
           }
          ]
         }
        ]
        """#

    static let networks = #"""
        [
         {
          "Name": "lp-sample-overlay",
          "Id": "3a6lw6bsapteb9f20hcjxw8k3",
          "Created": "2026-11-21T08:30:27.58580526Z",
          "Scope": "swarm",
          "Driver": "overlay",
          "EnableIPv6": false,
          "IPAM": {
           "Driver": "default",
           "Options": null,
           "Config": [
            {
             "Subnet": "10.0.1.0/24",
             "Gateway": "10.0.1.1"
            }
           ]
          },
          "Internal": false,
          "Attachable": true,
          "Ingress": false,
          "ConfigFrom": {
           "Network": ""
          },
          "ConfigOnly": false,
          "Containers": null,
          "Options": {
           "com.docker.network.driver.overlay.vxlanid_list": "4097"
          },
          "Labels": null
         },
         {
          "Name": "ingress",
          "Id": "s3bfoa4q3h7gkwf9iv1khyyfh",
          "Created": "2026-11-21T08:28:46.956485065Z",
          "Scope": "swarm",
          "Driver": "overlay",
          "EnableIPv6": false,
          "IPAM": {
           "Driver": "default",
           "Options": null,
           "Config": [
            {
             "Subnet": "10.0.0.0/24",
             "Gateway": "10.0.0.1"
            }
           ]
          },
          "Internal": false,
          "Attachable": false,
          "Ingress": true,
          "ConfigFrom": {
           "Network": ""
          },
          "ConfigOnly": false,
          "Containers": null,
          "Options": {
           "com.docker.network.driver.overlay.vxlanid_list": "4096"
          },
          "Labels": null
         },
         {
          "Name": "bridge",
          "Id": "d720084616a73f6f7f356b2659577de0933de0ac95816b381555a035c5c6f2fa",
          "Created": "2026-11-21T08:28:32.044913973Z",
          "Scope": "local",
          "Driver": "bridge",
          "EnableIPv6": false,
          "IPAM": {
           "Driver": "default",
           "Options": null,
           "Config": [
            {
             "Subnet": "172.17.0.0/16"
            }
           ]
          },
          "Internal": false,
          "Attachable": false,
          "Ingress": false,
          "ConfigFrom": {
           "Network": ""
          },
          "ConfigOnly": false,
          "Containers": {},
          "Options": {
           "com.docker.network.bridge.default_bridge": "true",
           "com.docker.network.bridge.enable_icc": "true",
           "com.docker.network.bridge.enable_ip_masquerade": "true",
           "com.docker.network.bridge.host_binding_ipv4": "0.0.0.0",
           "com.docker.network.bridge.name": "docker0",
           "com.docker.network.driver.mtu": "1500"
          },
          "Labels": {}
         },
         {
          "Name": "docker_gwbridge",
          "Id": "74987b651ad3a80d522a41f1580a6c6b8f88d81497952d8bc21eecd7f3b4a0e3",
          "Created": "2026-11-21T08:28:47.668303425Z",
          "Scope": "local",
          "Driver": "bridge",
          "EnableIPv6": false,
          "IPAM": {
           "Driver": "default",
           "Options": null,
           "Config": [
            {
             "Subnet": "172.18.0.0/16",
             "Gateway": "172.18.0.1"
            }
           ]
          },
          "Internal": false,
          "Attachable": false,
          "Ingress": false,
          "ConfigFrom": {
           "Network": ""
          },
          "ConfigOnly": false,
          "Containers": {},
          "Options": {
           "com.docker.network.bridge.enable_icc": "false",
           "com.docker.network.bridge.enable_ip_masquerade": "true",
           "com.docker.network.bridge.name": "docker_gwbridge"
          },
          "Labels": {}
         },
         {
          "Name": "lp-sample-net",
          "Id": "39e3bc74700446c0753672106bb0818174cc88419f63c71c428bf966eddaf74a",
          "Created": "2026-11-21T08:30:17.542954308Z",
          "Scope": "local",
          "Driver": "bridge",
          "EnableIPv6": false,
          "IPAM": {
           "Driver": "default",
           "Options": {},
           "Config": [
            {
             "Subnet": "172.19.0.0/16",
             "Gateway": "172.19.0.1"
            }
           ]
          },
          "Internal": false,
          "Attachable": false,
          "Ingress": false,
          "ConfigFrom": {
           "Network": ""
          },
          "ConfigOnly": false,
          "Containers": {},
          "Options": {},
          "Labels": {}
         },
         {
          "Name": "none",
          "Id": "0d87e6c524d471881cd584855171646919d629c1e603e9d94bff0204e9bac343",
          "Created": "2026-11-21T08:28:32.008798906Z",
          "Scope": "local",
          "Driver": "null",
          "EnableIPv6": false,
          "IPAM": {
           "Driver": "default",
           "Options": null,
           "Config": []
          },
          "Internal": false,
          "Attachable": false,
          "Ingress": false,
          "ConfigFrom": {
           "Network": ""
          },
          "ConfigOnly": false,
          "Containers": {},
          "Options": {},
          "Labels": {}
         },
         {
          "Name": "host",
          "Id": "c2130e432a4054d4a1ae45234e2d623b029fd261b934bb69683d903e00d425bd",
          "Created": "2026-11-21T08:28:32.022984302Z",
          "Scope": "local",
          "Driver": "host",
          "EnableIPv6": false,
          "IPAM": {
           "Driver": "default",
           "Options": null,
           "Config": []
          },
          "Internal": false,
          "Attachable": false,
          "Ingress": false,
          "ConfigFrom": {
           "Network": ""
          },
          "ConfigOnly": false,
          "Containers": {},
          "Options": {},
          "Labels": {}
         }
        ]
        """#

    static let nodes = #"""
        [
         {
          "ID": "vbn9yjd6xrkpf211dakj2r9bu",
          "Version": {
           "Index": 37
          },
          "CreatedAt": "2026-11-21T08:28:46.956414963Z",
          "UpdatedAt": "2026-11-21T08:30:27.737195215Z",
          "Spec": {
           "Labels": {},
           "Role": "manager",
           "Availability": "active"
          },
          "Description": {
           "Hostname": "vm",
           "Platform": {
            "Architecture": "x86_64",
            "OS": "linux"
           },
           "Resources": {
            "NanoCPUs": 2000000000,
            "MemoryBytes": 25276514304
           },
           "Engine": {
            "EngineVersion": "20.10.24+dfsg1",
            "Plugins": [
             {
              "Type": "Log",
              "Name": "awslogs"
             },
             {
              "Type": "Log",
              "Name": "fluentd"
             }
            ]
           }
          },
          "Status": {
           "State": "ready",
           "Addr": "127.0.0.1"
          },
          "ManagerStatus": {
           "Leader": true,
           "Reachability": "reachable",
           "Addr": "127.0.0.1:2377"
          }
         }
        ]
        """#

    static let inspectHost = #"""
        {
         "Id": "474ab110def729fecad4173b471ceaaeb8c9370443da25e8cfba7288df6bf4d4",
         "Created": "2026-11-21T08:30:04.141492237Z",
         "Path": "/limpet",
         "Args": [
          "whoami",
          "--listen",
          "127.0.0.1:18765"
         ],
         "State": {
          "Status": "running",
          "Running": true,
          "Paused": false,
          "Restarting": false,
          "OOMKilled": false,
          "Dead": false,
          "Pid": 5943,
          "ExitCode": 0,
          "Error": "",
          "StartedAt": "2026-11-21T08:30:04.343647421Z",
          "FinishedAt": "0001-01-01T00:00:00Z"
         },
         "Image": "sha256:5e40975410f1dd8e75b5cef29e3d0c074a2e839720aa903f7081657d95c278aa",
         "ResolvConfPath": "/var/lib/docker/containers/474ab110def729fecad4173b471ceaaeb8c9370443da25e8cfba7288df6bf\#
        4d4/resolv.conf",
         "HostnamePath": "/var/lib/docker/containers/474ab110def729fecad4173b471ceaaeb8c9370443da25e8cfba7288df6bf4d\#
        4/hostname",
         "HostsPath": "/var/lib/docker/containers/474ab110def729fecad4173b471ceaaeb8c9370443da25e8cfba7288df6bf4d4/h\#
        osts",
         "LogPath": "/var/lib/docker/containers/474ab110def729fecad4173b471ceaaeb8c9370443da25e8cfba7288df6bf4d4/474\#
        ab110def729fecad4173b471ceaaeb8c9370443da25e8cfba7288df6bf4d4-json.log",
         "Name": "/lp-sample-host",
         "RestartCount": 0,
         "Driver": "overlay2",
         "Platform": "linux",
         "MountLabel": "",
         "ProcessLabel": "",
         "AppArmorProfile": "",
         "ExecIDs": null,
         "HostConfig": {
          "Binds": null,
          "ContainerIDFile": "",
          "LogConfig": {
           "Type": "json-file",
           "Config": {}
          },
          "NetworkMode": "host",
          "PortBindings": {},
          "RestartPolicy": {
           "Name": "no",
           "MaximumRetryCount": 0
          },
          "AutoRemove": false,
          "VolumeDriver": "",
          "VolumesFrom": null,
          "CapAdd": null,
          "CapDrop": null,
          "CgroupnsMode": "host",
          "Dns": [],
          "DnsOptions": [],
          "DnsSearch": [],
          "ExtraHosts": null,
          "GroupAdd": null,
          "IpcMode": "private",
          "Cgroup": "",
          "Links": null,
          "OomScoreAdj": 0,
          "PidMode": "",
          "Privileged": false,
          "PublishAllPorts": false,
          "ReadonlyRootfs": false,
          "SecurityOpt": null,
          "UTSMode": "",
          "UsernsMode": "",
          "ShmSize": 67108864,
          "Runtime": "runc",
          "ConsoleSize": [
           0,
           0
          ],
          "Isolation": "",
          "CpuShares": 0,
          "Memory": 0,
          "NanoCpus": 0,
          "CgroupParent": "",
          "BlkioWeight": 0,
          "BlkioWeightDevice": [],
          "BlkioDeviceReadBps": [],
          "BlkioDeviceWriteBps": [],
          "BlkioDeviceReadIOps": [],
          "BlkioDeviceWriteIOps": [],
          "CpuPeriod": 0,
          "CpuQuota": 0,
          "CpuRealtimePeriod": 0,
          "CpuRealtimeRuntime": 0,
          "CpusetCpus": "",
          "CpusetMems": "",
          "Devices": [],
          "DeviceCgroupRules": null,
          "DeviceRequests": null,
          "KernelMemory": 0,
          "KernelMemoryTCP": 0,
          "MemoryReservation": 0,
          "MemorySwap": 0,
          "MemorySwappiness": null,
          "OomKillDisable": false,
          "PidsLimit": null,
          "Ulimits": [],
          "CpuCount": 0,
          "CpuPercent": 0,
          "IOMaximumIOps": 0,
          "IOMaximumBandwidth": 0,
          "MaskedPaths": [
           "/proc/asound",
           "/proc/acpi",
           "/proc/kcore",
           "/proc/keys",
           "/proc/latency_stats",
           "/proc/timer_list",
           "/proc/timer_stats",
           "/proc/sched_debug",
           "/proc/scsi",
           "/sys/firmware"
          ],
          "ReadonlyPaths": [
           "/proc/bus",
           "/proc/fs",
           "/proc/irq",
           "/proc/sys",
           "/proc/sysrq-trigger"
          ]
         },
         "GraphDriver": {
          "Data": {
           "LowerDir": "/var/lib/docker/overlay2/ef02d841194dca665478cf5d06879471c0b166da9f5d36a72cd24aca17cda969-in\#
        it/diff:/var/lib/docker/overlay2/4740e7e9d119029f72138f0075ed444a4d47aae21393b082085b23cf0a1d39f3/diff",
           "MergedDir": "/var/lib/docker/overlay2/ef02d841194dca665478cf5d06879471c0b166da9f5d36a72cd24aca17cda969/m\#
        erged",
           "UpperDir": "/var/lib/docker/overlay2/ef02d841194dca665478cf5d06879471c0b166da9f5d36a72cd24aca17cda969/di\#
        ff",
           "WorkDir": "/var/lib/docker/overlay2/ef02d841194dca665478cf5d06879471c0b166da9f5d36a72cd24aca17cda969/wor\#
        k"
          },
          "Name": "overlay2"
         },
         "Mounts": [],
         "Config": {
          "Hostname": "vm",
          "Domainname": "",
          "User": "",
          "AttachStdin": false,
          "AttachStdout": false,
          "AttachStderr": false,
          "Tty": false,
          "OpenStdin": false,
          "StdinOnce": false,
          "Env": null,
          "Cmd": [
           "/limpet",
           "whoami",
           "--listen",
           "127.0.0.1:18765"
          ],
          "Image": "limpet-test:latest",
          "Volumes": null,
          "WorkingDir": "",
          "Entrypoint": null,
          "OnBuild": null,
          "Labels": {
           "Traefik.Docker.Network": "foo"
          }
         },
         "NetworkSettings": {
          "Bridge": "",
          "SandboxID": "a293d42181744eca054cc8284193c30da0a18a5f435781c49c0f08613da4b765",
          "HairpinMode": false,
          "LinkLocalIPv6Address": "",
          "LinkLocalIPv6PrefixLen": 0,
          "Ports": {},
          "SandboxKey": "/var/run/docker/netns/default",
          "SecondaryIPAddresses": null,
          "SecondaryIPv6Addresses": null,
          "EndpointID": "",
          "Gateway": "",
          "GlobalIPv6Address": "",
          "GlobalIPv6PrefixLen": 0,
          "IPAddress": "",
          "IPPrefixLen": 0,
          "IPv6Gateway": "",
          "MacAddress": "",
          "Networks": {
           "host": {
            "IPAMConfig": null,
            "Links": null,
            "Aliases": null,
            "NetworkID": "c2130e432a4054d4a1ae45234e2d623b029fd261b934bb69683d903e00d425bd",
            "EndpointID": "97effffe2f216a0b620ba6f81408de0ee9962c517461b318e4b75f7ec38b47fe",
            "Gateway": "",
            "IPAddress": "",
            "IPPrefixLen": 0,
            "IPv6Gateway": "",
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "MacAddress": "",
            "DriverOpts": null
           }
          }
         }
        }
        """#

    static let inspectTwoNetworks = #"""
        {
         "Id": "047570a5b704bbd37a6474723b52daa12d5ad9d3babad0e3ee44649ea2196582",
         "Created": "2026-11-21T08:30:18.675493414Z",
         "Path": "/limpet",
         "Args": [
          "whoami",
          "--listen",
          "0.0.0.0:9000"
         ],
         "State": {
          "Status": "running",
          "Running": true,
          "Paused": false,
          "Restarting": false,
          "OOMKilled": false,
          "Dead": false,
          "Pid": 6723,
          "ExitCode": 0,
          "Error": "",
          "StartedAt": "2026-11-21T08:30:19.407238913Z",
          "FinishedAt": "0001-01-01T00:00:00Z"
         },
         "Image": "sha256:5e40975410f1dd8e75b5cef29e3d0c074a2e839720aa903f7081657d95c278aa",
         "ResolvConfPath": "/var/lib/docker/containers/047570a5b704bbd37a6474723b52daa12d5ad9d3babad0e3ee44649ea2196\#
        582/resolv.conf",
         "HostnamePath": "/var/lib/docker/containers/047570a5b704bbd37a6474723b52daa12d5ad9d3babad0e3ee44649ea219658\#
        2/hostname",
         "HostsPath": "/var/lib/docker/containers/047570a5b704bbd37a6474723b52daa12d5ad9d3babad0e3ee44649ea2196582/h\#
        osts",
         "LogPath": "/var/lib/docker/containers/047570a5b704bbd37a6474723b52daa12d5ad9d3babad0e3ee44649ea2196582/047\#
        570a5b704bbd37a6474723b52daa12d5ad9d3babad0e3ee44649ea2196582-json.log",
         "Name": "/lp-sample-net1",
         "RestartCount": 0,
         "Driver": "overlay2",
         "Platform": "linux",
         "MountLabel": "",
         "ProcessLabel": "",
         "AppArmorProfile": "",
         "ExecIDs": null,
         "HostConfig": {
          "Binds": null,
          "ContainerIDFile": "",
          "LogConfig": {
           "Type": "json-file",
           "Config": {}
          },
          "NetworkMode": "lp-sample-net",
          "PortBindings": {},
          "RestartPolicy": {
           "Name": "no",
           "MaximumRetryCount": 0
          },
          "AutoRemove": false,
          "VolumeDriver": "",
          "VolumesFrom": null,
          "CapAdd": null,
          "CapDrop": null,
          "CgroupnsMode": "host",
          "Dns": [],
          "DnsOptions": [],
          "DnsSearch": [],
          "ExtraHosts": null,
          "GroupAdd": null,
          "IpcMode": "private",
          "Cgroup": "",
          "Links": null,
          "OomScoreAdj": 0,
          "PidMode": "",
          "Privileged": false,
          "PublishAllPorts": false,
          "ReadonlyRootfs": false,
          "SecurityOpt": null,
          "UTSMode": "",
          "UsernsMode": "",
          "ShmSize": 67108864,
          "Runtime": "runc",
          "ConsoleSize": [
           0,
           0
          ],
          "Isolation": "",
          "CpuShares": 0,
          "Memory": 0,
          "NanoCpus": 0,
          "CgroupParent": "",
          "BlkioWeight": 0,
          "BlkioWeightDevice": [],
          "BlkioDeviceReadBps": [],
          "BlkioDeviceWriteBps": [],
          "BlkioDeviceReadIOps": [],
          "BlkioDeviceWriteIOps": [],
          "CpuPeriod": 0,
          "CpuQuota": 0,
          "CpuRealtimePeriod": 0,
          "CpuRealtimeRuntime": 0,
          "CpusetCpus": "",
          "CpusetMems": "",
          "Devices": [],
          "DeviceCgroupRules": null,
          "DeviceRequests": null,
          "KernelMemory": 0,
          "KernelMemoryTCP": 0,
          "MemoryReservation": 0,
          "MemorySwap": 0,
          "MemorySwappiness": null,
          "OomKillDisable": false,
          "PidsLimit": null,
          "Ulimits": [],
          "CpuCount": 0,
          "CpuPercent": 0,
          "IOMaximumIOps": 0,
          "IOMaximumBandwidth": 0,
          "MaskedPaths": [
           "/proc/asound",
           "/proc/acpi",
           "/proc/kcore",
           "/proc/keys",
           "/proc/latency_stats",
           "/proc/timer_list",
           "/proc/timer_stats",
           "/proc/sched_debug",
           "/proc/scsi",
           "/sys/firmware"
          ],
          "ReadonlyPaths": [
           "/proc/bus",
           "/proc/fs",
           "/proc/irq",
           "/proc/sys",
           "/proc/sysrq-trigger"
          ]
         },
         "GraphDriver": {
          "Data": {
           "LowerDir": "/var/lib/docker/overlay2/c0149f888c815a87cc1858ee82474e46ee05011588d9019b3f484e48872aba90-in\#
        it/diff:/var/lib/docker/overlay2/4740e7e9d119029f72138f0075ed444a4d47aae21393b082085b23cf0a1d39f3/diff",
           "MergedDir": "/var/lib/docker/overlay2/c0149f888c815a87cc1858ee82474e46ee05011588d9019b3f484e48872aba90/m\#
        erged",
           "UpperDir": "/var/lib/docker/overlay2/c0149f888c815a87cc1858ee82474e46ee05011588d9019b3f484e48872aba90/di\#
        ff",
           "WorkDir": "/var/lib/docker/overlay2/c0149f888c815a87cc1858ee82474e46ee05011588d9019b3f484e48872aba90/wor\#
        k"
          },
          "Name": "overlay2"
         },
         "Mounts": [],
         "Config": {
          "Hostname": "047570a5b704",
          "Domainname": "",
          "User": "",
          "AttachStdin": false,
          "AttachStdout": false,
          "AttachStderr": false,
          "ExposedPorts": {
           "53/udp": {},
           "80/tcp": {},
           "9000/tcp": {}
          },
          "Tty": false,
          "OpenStdin": false,
          "StdinOnce": false,
          "Env": null,
          "Cmd": [
           "/limpet",
           "whoami",
           "--listen",
           "0.0.0.0:9000"
          ],
          "Image": "limpet-test:latest",
          "Volumes": null,
          "WorkingDir": "",
          "Entrypoint": null,
          "OnBuild": null,
          "Labels": {
           "traefik.docker.network": "lp-sample-net"
          }
         },
         "NetworkSettings": {
          "Bridge": "",
          "SandboxID": "03cad365a0f8073957dd5b07472b4f3c768b18f99c7739c52ba4501f18a11519",
          "HairpinMode": false,
          "LinkLocalIPv6Address": "",
          "LinkLocalIPv6PrefixLen": 0,
          "Ports": {
           "53/udp": null,
           "80/tcp": null,
           "9000/tcp": null
          },
          "SandboxKey": "/var/run/docker/netns/03cad365a0f8",
          "SecondaryIPAddresses": null,
          "SecondaryIPv6Addresses": null,
          "EndpointID": "5231785a92b97fa20023a9893d46af3bae50c7f52ab4e4e657bfd47faffd81a9",
          "Gateway": "172.17.0.1",
          "GlobalIPv6Address": "",
          "GlobalIPv6PrefixLen": 0,
          "IPAddress": "172.17.0.3",
          "IPPrefixLen": 16,
          "IPv6Gateway": "",
          "MacAddress": "02:42:ac:11:00:03",
          "Networks": {
           "bridge": {
            "IPAMConfig": {},
            "Links": null,
            "Aliases": [],
            "NetworkID": "d720084616a73f6f7f356b2659577de0933de0ac95816b381555a035c5c6f2fa",
            "EndpointID": "5231785a92b97fa20023a9893d46af3bae50c7f52ab4e4e657bfd47faffd81a9",
            "Gateway": "172.17.0.1",
            "IPAddress": "172.17.0.3",
            "IPPrefixLen": 16,
            "IPv6Gateway": "",
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "MacAddress": "02:42:ac:11:00:03",
            "DriverOpts": {}
           },
           "lp-sample-net": {
            "IPAMConfig": null,
            "Links": null,
            "Aliases": [
             "047570a5b704"
            ],
            "NetworkID": "39e3bc74700446c0753672106bb0818174cc88419f63c71c428bf966eddaf74a",
            "EndpointID": "8c24a7e1b30d730812511776db1b391a5e3de8b7e894d3f60bacfaa5e8882626",
            "Gateway": "172.19.0.1",
            "IPAddress": "172.19.0.2",
            "IPPrefixLen": 16,
            "IPv6Gateway": "",
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "MacAddress": "02:42:ac:13:00:02",
            "DriverOpts": null
           }
          }
         }
        }
        """#

    static let inspectUnhealthy = #"""
        {
         "Id": "459d96607e6f809073f0dee30a9a759aeafcc0425898dc57244828f99eb5a605",
         "Created": "2026-11-21T08:30:03.748035957Z",
         "Path": "/limpet",
         "Args": [
          "whoami",
          "--listen",
          "0.0.0.0:8080"
         ],
         "State": {
          "Status": "running",
          "Running": true,
          "Paused": false,
          "Restarting": false,
          "OOMKilled": false,
          "Dead": false,
          "Pid": 5848,
          "ExitCode": 0,
          "Error": "",
          "StartedAt": "2026-11-21T08:30:04.108751277Z",
          "FinishedAt": "0001-01-01T00:00:00Z",
          "Health": {
           "Status": "unhealthy",
           "FailingStreak": 3,
           "Log": [
            {
             "Start": "2026-11-21T08:30:06.110579474Z",
             "End": "2026-11-21T08:30:06.2042058Z",
             "ExitCode": -1,
             "Output": "OCI runtime exec failed: exec failed: unable to start container process: exec: \"/bin/sh\"\#
        : stat /bin/sh: no such file or directory: unknown"
            },
            {
             "Start": "2026-11-21T08:30:08.217965399Z",
             "End": "2026-11-21T08:30:08.373261954Z",
             "ExitCode": -1,
             "Output": "OCI runtime exec failed: exec failed: unable to start container process: exec: \"/bin/sh\"\#
        : stat /bin/sh: no such file or directory: unknown"
            },
            {
             "Start": "2026-11-21T08:30:10.39799029Z",
             "End": "2026-11-21T08:30:10.496584243Z",
             "ExitCode": -1,
             "Output": "OCI runtime exec failed: exec failed: unable to start container process: exec: \"/bin/sh\"\#
        : stat /bin/sh: no such file or directory: unknown"
            }
           ]
          }
         },
         "Image": "sha256:5e40975410f1dd8e75b5cef29e3d0c074a2e839720aa903f7081657d95c278aa",
         "ResolvConfPath": "/var/lib/docker/containers/459d96607e6f809073f0dee30a9a759aeafcc0425898dc57244828f99eb5a\#
        605/resolv.conf",
         "HostnamePath": "/var/lib/docker/containers/459d96607e6f809073f0dee30a9a759aeafcc0425898dc57244828f99eb5a60\#
        5/hostname",
         "HostsPath": "/var/lib/docker/containers/459d96607e6f809073f0dee30a9a759aeafcc0425898dc57244828f99eb5a605/h\#
        osts",
         "LogPath": "/var/lib/docker/containers/459d96607e6f809073f0dee30a9a759aeafcc0425898dc57244828f99eb5a605/459\#
        d96607e6f809073f0dee30a9a759aeafcc0425898dc57244828f99eb5a605-json.log",
         "Name": "/lp-sample-bridge",
         "RestartCount": 0,
         "Driver": "overlay2",
         "Platform": "linux",
         "MountLabel": "",
         "ProcessLabel": "",
         "AppArmorProfile": "",
         "ExecIDs": [
          "c3585ed82b950ed2c16e9246d45eb4e5b3e7a90cc5ddc568ecbdd0be79009c11"
         ],
         "HostConfig": {
          "Binds": null,
          "ContainerIDFile": "",
          "LogConfig": {
           "Type": "json-file",
           "Config": {}
          },
          "NetworkMode": "default",
          "PortBindings": {},
          "RestartPolicy": {
           "Name": "no",
           "MaximumRetryCount": 0
          },
          "AutoRemove": false,
          "VolumeDriver": "",
          "VolumesFrom": null,
          "CapAdd": null,
          "CapDrop": null,
          "CgroupnsMode": "host",
          "Dns": [],
          "DnsOptions": [],
          "DnsSearch": [],
          "ExtraHosts": null,
          "GroupAdd": null,
          "IpcMode": "private",
          "Cgroup": "",
          "Links": null,
          "OomScoreAdj": 0,
          "PidMode": "",
          "Privileged": false,
          "PublishAllPorts": false,
          "ReadonlyRootfs": false,
          "SecurityOpt": null,
          "UTSMode": "",
          "UsernsMode": "",
          "ShmSize": 67108864,
          "Runtime": "runc",
          "ConsoleSize": [
           0,
           0
          ],
          "Isolation": "",
          "CpuShares": 0,
          "Memory": 0,
          "NanoCpus": 0,
          "CgroupParent": "",
          "BlkioWeight": 0,
          "BlkioWeightDevice": [],
          "BlkioDeviceReadBps": [],
          "BlkioDeviceWriteBps": [],
          "BlkioDeviceReadIOps": [],
          "BlkioDeviceWriteIOps": [],
          "CpuPeriod": 0,
          "CpuQuota": 0,
          "CpuRealtimePeriod": 0,
          "CpuRealtimeRuntime": 0,
          "CpusetCpus": "",
          "CpusetMems": "",
          "Devices": [],
          "DeviceCgroupRules": null,
          "DeviceRequests": null,
          "KernelMemory": 0,
          "KernelMemoryTCP": 0,
          "MemoryReservation": 0,
          "MemorySwap": 0,
          "MemorySwappiness": null,
          "OomKillDisable": false,
          "PidsLimit": null,
          "Ulimits": [],
          "CpuCount": 0,
          "CpuPercent": 0,
          "IOMaximumIOps": 0,
          "IOMaximumBandwidth": 0,
          "MaskedPaths": [
           "/proc/asound",
           "/proc/acpi",
           "/proc/kcore",
           "/proc/keys",
           "/proc/latency_stats",
           "/proc/timer_list",
           "/proc/timer_stats",
           "/proc/sched_debug",
           "/proc/scsi",
           "/sys/firmware"
          ],
          "ReadonlyPaths": [
           "/proc/bus",
           "/proc/fs",
           "/proc/irq",
           "/proc/sys",
           "/proc/sysrq-trigger"
          ]
         },
         "GraphDriver": {
          "Data": {
           "LowerDir": "/var/lib/docker/overlay2/b3aaf9d59bdd361c5bab1ebffea5ad3ca6df28930e89f7b7bf44da6e485c7a59-in\#
        it/diff:/var/lib/docker/overlay2/4740e7e9d119029f72138f0075ed444a4d47aae21393b082085b23cf0a1d39f3/diff",
           "MergedDir": "/var/lib/docker/overlay2/b3aaf9d59bdd361c5bab1ebffea5ad3ca6df28930e89f7b7bf44da6e485c7a59/m\#
        erged",
           "UpperDir": "/var/lib/docker/overlay2/b3aaf9d59bdd361c5bab1ebffea5ad3ca6df28930e89f7b7bf44da6e485c7a59/di\#
        ff",
           "WorkDir": "/var/lib/docker/overlay2/b3aaf9d59bdd361c5bab1ebffea5ad3ca6df28930e89f7b7bf44da6e485c7a59/wor\#
        k"
          },
          "Name": "overlay2"
         },
         "Mounts": [],
         "Config": {
          "Hostname": "459d96607e6f",
          "Domainname": "",
          "User": "",
          "AttachStdin": false,
          "AttachStdout": false,
          "AttachStderr": false,
          "Tty": false,
          "OpenStdin": false,
          "StdinOnce": false,
          "Env": null,
          "Cmd": [
           "/limpet",
           "whoami",
           "--listen",
           "0.0.0.0:8080"
          ],
          "Healthcheck": {
           "Test": [
            "CMD-SHELL",
            "true"
           ],
           "Interval": 2000000000
          },
          "Image": "limpet-test:latest",
          "Volumes": null,
          "WorkingDir": "",
          "Entrypoint": null,
          "OnBuild": null,
          "Labels": {
           "traefik.enable": "true",
           "traefik.http.services.a.loadbalancer.server.port": "8080"
          }
         },
         "NetworkSettings": {
          "Bridge": "",
          "SandboxID": "4d91612531d76e6be45fa5de346ee02bf0cf7c0395de4436d16bc1a7c463b8ba",
          "HairpinMode": false,
          "LinkLocalIPv6Address": "",
          "LinkLocalIPv6PrefixLen": 0,
          "Ports": {},
          "SandboxKey": "/var/run/docker/netns/4d91612531d7",
          "SecondaryIPAddresses": null,
          "SecondaryIPv6Addresses": null,
          "EndpointID": "1b7d0465affbba949b6d0e28cc5ab1c4e3a9651c54d87a81579bb68dcae9202a",
          "Gateway": "172.17.0.1",
          "GlobalIPv6Address": "",
          "GlobalIPv6PrefixLen": 0,
          "IPAddress": "172.17.0.2",
          "IPPrefixLen": 16,
          "IPv6Gateway": "",
          "MacAddress": "02:42:ac:11:00:02",
          "Networks": {
           "bridge": {
            "IPAMConfig": null,
            "Links": null,
            "Aliases": null,
            "NetworkID": "d720084616a73f6f7f356b2659577de0933de0ac95816b381555a035c5c6f2fa",
            "EndpointID": "1b7d0465affbba949b6d0e28cc5ab1c4e3a9651c54d87a81579bb68dcae9202a",
            "Gateway": "172.17.0.1",
            "IPAddress": "172.17.0.2",
            "IPPrefixLen": 16,
            "IPv6Gateway": "",
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "MacAddress": "02:42:ac:11:00:02",
            "DriverOpts": null
           }
          }
         }
        }
        """#

    static let inspectStarting = #"""
        {
         "Id": "00edfe947468e1c54c28f3115e51cae42336e6d2975c677de75a9981d2489bd1",
         "Created": "2026-11-21T08:37:07.663800437Z",
         "Path": "/limpet",
         "Args": [
          "whoami",
          "--listen",
          "0.0.0.0:8080"
         ],
         "State": {
          "Status": "running",
          "Running": true,
          "Paused": false,
          "Restarting": false,
          "OOMKilled": false,
          "Dead": false,
          "Pid": 19926,
          "ExitCode": 0,
          "Error": "",
          "StartedAt": "2026-11-21T08:37:07.982800977Z",
          "FinishedAt": "0001-01-01T00:00:00Z",
          "Health": {
           "Status": "starting",
           "FailingStreak": 0,
           "Log": []
          }
         },
         "Image": "sha256:5e40975410f1dd8e75b5cef29e3d0c074a2e839720aa903f7081657d95c278aa",
         "ResolvConfPath": "/var/lib/docker/containers/00edfe947468e1c54c28f3115e51cae42336e6d2975c677de75a9981d2489\#
        bd1/resolv.conf",
         "HostnamePath": "/var/lib/docker/containers/00edfe947468e1c54c28f3115e51cae42336e6d2975c677de75a9981d2489bd\#
        1/hostname",
         "HostsPath": "/var/lib/docker/containers/00edfe947468e1c54c28f3115e51cae42336e6d2975c677de75a9981d2489bd1/h\#
        osts",
         "LogPath": "/var/lib/docker/containers/00edfe947468e1c54c28f3115e51cae42336e6d2975c677de75a9981d2489bd1/00e\#
        dfe947468e1c54c28f3115e51cae42336e6d2975c677de75a9981d2489bd1-json.log",
         "Name": "/lp-sample-healthy",
         "RestartCount": 0,
         "Driver": "overlay2",
         "Platform": "linux",
         "MountLabel": "",
         "ProcessLabel": "",
         "AppArmorProfile": "",
         "ExecIDs": null,
         "HostConfig": {
          "Binds": null,
          "ContainerIDFile": "",
          "LogConfig": {
           "Type": "json-file",
           "Config": {}
          },
          "NetworkMode": "default",
          "PortBindings": {
           "8080/tcp": [
            {
             "HostIp": "127.0.0.1",
             "HostPort": "18790"
            }
           ]
          },
          "RestartPolicy": {
           "Name": "",
           "MaximumRetryCount": 0
          },
          "AutoRemove": false,
          "VolumeDriver": "",
          "VolumesFrom": null,
          "CapAdd": null,
          "CapDrop": null,
          "CgroupnsMode": "host",
          "Dns": null,
          "DnsOptions": null,
          "DnsSearch": null,
          "ExtraHosts": null,
          "GroupAdd": null,
          "IpcMode": "private",
          "Cgroup": "",
          "Links": null,
          "OomScoreAdj": 0,
          "PidMode": "",
          "Privileged": false,
          "PublishAllPorts": false,
          "ReadonlyRootfs": false,
          "SecurityOpt": null,
          "UTSMode": "",
          "UsernsMode": "",
          "ShmSize": 67108864,
          "Runtime": "runc",
          "ConsoleSize": [
           0,
           0
          ],
          "Isolation": "",
          "CpuShares": 0,
          "Memory": 0,
          "NanoCpus": 0,
          "CgroupParent": "",
          "BlkioWeight": 0,
          "BlkioWeightDevice": null,
          "BlkioDeviceReadBps": null,
          "BlkioDeviceWriteBps": null,
          "BlkioDeviceReadIOps": null,
          "BlkioDeviceWriteIOps": null,
          "CpuPeriod": 0,
          "CpuQuota": 0,
          "CpuRealtimePeriod": 0,
          "CpuRealtimeRuntime": 0,
          "CpusetCpus": "",
          "CpusetMems": "",
          "Devices": null,
          "DeviceCgroupRules": null,
          "DeviceRequests": null,
          "KernelMemory": 0,
          "KernelMemoryTCP": 0,
          "MemoryReservation": 0,
          "MemorySwap": 0,
          "MemorySwappiness": null,
          "OomKillDisable": false,
          "PidsLimit": null,
          "Ulimits": null,
          "CpuCount": 0,
          "CpuPercent": 0,
          "IOMaximumIOps": 0,
          "IOMaximumBandwidth": 0,
          "MaskedPaths": [
           "/proc/asound",
           "/proc/acpi",
           "/proc/kcore",
           "/proc/keys",
           "/proc/latency_stats",
           "/proc/timer_list",
           "/proc/timer_stats",
           "/proc/sched_debug",
           "/proc/scsi",
           "/sys/firmware"
          ],
          "ReadonlyPaths": [
           "/proc/bus",
           "/proc/fs",
           "/proc/irq",
           "/proc/sys",
           "/proc/sysrq-trigger"
          ]
         },
         "GraphDriver": {
          "Data": {
           "LowerDir": "/var/lib/docker/overlay2/9aa225592ff124967e7777c72d4461a5deb6d39ce6fb8d9d2d379df4f9c95bdc-in\#
        it/diff:/var/lib/docker/overlay2/4740e7e9d119029f72138f0075ed444a4d47aae21393b082085b23cf0a1d39f3/diff",
           "MergedDir": "/var/lib/docker/overlay2/9aa225592ff124967e7777c72d4461a5deb6d39ce6fb8d9d2d379df4f9c95bdc/m\#
        erged",
           "UpperDir": "/var/lib/docker/overlay2/9aa225592ff124967e7777c72d4461a5deb6d39ce6fb8d9d2d379df4f9c95bdc/di\#
        ff",
           "WorkDir": "/var/lib/docker/overlay2/9aa225592ff124967e7777c72d4461a5deb6d39ce6fb8d9d2d379df4f9c95bdc/wor\#
        k"
          },
          "Name": "overlay2"
         },
         "Mounts": [],
         "Config": {
          "Hostname": "00edfe947468",
          "Domainname": "",
          "User": "",
          "AttachStdin": false,
          "AttachStdout": false,
          "AttachStderr": false,
          "ExposedPorts": {
           "8080/tcp": {}
          },
          "Tty": false,
          "OpenStdin": false,
          "StdinOnce": false,
          "Env": null,
          "Cmd": [
           "/limpet",
           "whoami",
           "--listen",
           "0.0.0.0:8080"
          ],
          "Healthcheck": {
           "Test": [
            "CMD",
            "/limpet",
            "--version"
           ],
           "Interval": 1000000000
          },
          "Image": "limpet-test:latest",
          "Volumes": null,
          "WorkingDir": "",
          "Entrypoint": null,
          "OnBuild": null,
          "Labels": {
           "traefik.http.routers.h.rule": "Host(`h`)"
          }
         },
         "NetworkSettings": {
          "Bridge": "",
          "SandboxID": "3a4f9fcccd1271baba30c7b3de145411f64889bf37361a943d404aeac4a385c2",
          "HairpinMode": false,
          "LinkLocalIPv6Address": "",
          "LinkLocalIPv6PrefixLen": 0,
          "Ports": {
           "8080/tcp": [
            {
             "HostIp": "127.0.0.1",
             "HostPort": "18790"
            }
           ]
          },
          "SandboxKey": "/var/run/docker/netns/3a4f9fcccd12",
          "SecondaryIPAddresses": null,
          "SecondaryIPv6Addresses": null,
          "EndpointID": "4e79dcf779123793fcf82a12ede51352929837dc7801c9017aca4ca6fe01e21f",
          "Gateway": "172.17.0.1",
          "GlobalIPv6Address": "",
          "GlobalIPv6PrefixLen": 0,
          "IPAddress": "172.17.0.4",
          "IPPrefixLen": 16,
          "IPv6Gateway": "",
          "MacAddress": "02:42:ac:11:00:04",
          "Networks": {
           "bridge": {
            "IPAMConfig": null,
            "Links": null,
            "Aliases": null,
            "NetworkID": "d720084616a73f6f7f356b2659577de0933de0ac95816b381555a035c5c6f2fa",
            "EndpointID": "4e79dcf779123793fcf82a12ede51352929837dc7801c9017aca4ca6fe01e21f",
            "Gateway": "172.17.0.1",
            "IPAddress": "172.17.0.4",
            "IPPrefixLen": 16,
            "IPv6Gateway": "",
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "MacAddress": "02:42:ac:11:00:04",
            "DriverOpts": null
           }
          }
         }
        }
        """#

    static let inspectHealthy = #"""
        {
         "Id": "00edfe947468e1c54c28f3115e51cae42336e6d2975c677de75a9981d2489bd1",
         "Created": "2026-11-21T08:37:07.663800437Z",
         "Path": "/limpet",
         "Args": [
          "whoami",
          "--listen",
          "0.0.0.0:8080"
         ],
         "State": {
          "Status": "running",
          "Running": true,
          "Paused": false,
          "Restarting": false,
          "OOMKilled": false,
          "Dead": false,
          "Pid": 19926,
          "ExitCode": 0,
          "Error": "",
          "StartedAt": "2026-11-21T08:37:07.982800977Z",
          "FinishedAt": "0001-01-01T00:00:00Z",
          "Health": {
           "Status": "healthy",
           "FailingStreak": 0,
           "Log": [
            {
             "Start": "2026-11-21T08:37:08.983617417Z",
             "End": "2026-11-21T08:37:09.049493102Z",
             "ExitCode": 0,
             "Output": "0.1.0\n"
            },
            {
             "Start": "2026-11-21T08:37:10.053796251Z",
             "End": "2026-11-21T08:37:10.131880878Z",
             "ExitCode": 0,
             "Output": "0.1.0\n"
            }
           ]
          }
         },
         "Image": "sha256:5e40975410f1dd8e75b5cef29e3d0c074a2e839720aa903f7081657d95c278aa",
         "ResolvConfPath": "/var/lib/docker/containers/00edfe947468e1c54c28f3115e51cae42336e6d2975c677de75a9981d2489\#
        bd1/resolv.conf",
         "HostnamePath": "/var/lib/docker/containers/00edfe947468e1c54c28f3115e51cae42336e6d2975c677de75a9981d2489bd\#
        1/hostname",
         "HostsPath": "/var/lib/docker/containers/00edfe947468e1c54c28f3115e51cae42336e6d2975c677de75a9981d2489bd1/h\#
        osts",
         "LogPath": "/var/lib/docker/containers/00edfe947468e1c54c28f3115e51cae42336e6d2975c677de75a9981d2489bd1/00e\#
        dfe947468e1c54c28f3115e51cae42336e6d2975c677de75a9981d2489bd1-json.log",
         "Name": "/lp-sample-healthy",
         "RestartCount": 0,
         "Driver": "overlay2",
         "Platform": "linux",
         "MountLabel": "",
         "ProcessLabel": "",
         "AppArmorProfile": "",
         "ExecIDs": null,
         "HostConfig": {
          "Binds": null,
          "ContainerIDFile": "",
          "LogConfig": {
           "Type": "json-file",
           "Config": {}
          },
          "NetworkMode": "default",
          "PortBindings": {
           "8080/tcp": [
            {
             "HostIp": "127.0.0.1",
             "HostPort": "18790"
            }
           ]
          },
          "RestartPolicy": {
           "Name": "",
           "MaximumRetryCount": 0
          },
          "AutoRemove": false,
          "VolumeDriver": "",
          "VolumesFrom": null,
          "CapAdd": null,
          "CapDrop": null,
          "CgroupnsMode": "host",
          "Dns": null,
          "DnsOptions": null,
          "DnsSearch": null,
          "ExtraHosts": null,
          "GroupAdd": null,
          "IpcMode": "private",
          "Cgroup": "",
          "Links": null,
          "OomScoreAdj": 0,
          "PidMode": "",
          "Privileged": false,
          "PublishAllPorts": false,
          "ReadonlyRootfs": false,
          "SecurityOpt": null,
          "UTSMode": "",
          "UsernsMode": "",
          "ShmSize": 67108864,
          "Runtime": "runc",
          "ConsoleSize": [
           0,
           0
          ],
          "Isolation": "",
          "CpuShares": 0,
          "Memory": 0,
          "NanoCpus": 0,
          "CgroupParent": "",
          "BlkioWeight": 0,
          "BlkioWeightDevice": null,
          "BlkioDeviceReadBps": null,
          "BlkioDeviceWriteBps": null,
          "BlkioDeviceReadIOps": null,
          "BlkioDeviceWriteIOps": null,
          "CpuPeriod": 0,
          "CpuQuota": 0,
          "CpuRealtimePeriod": 0,
          "CpuRealtimeRuntime": 0,
          "CpusetCpus": "",
          "CpusetMems": "",
          "Devices": null,
          "DeviceCgroupRules": null,
          "DeviceRequests": null,
          "KernelMemory": 0,
          "KernelMemoryTCP": 0,
          "MemoryReservation": 0,
          "MemorySwap": 0,
          "MemorySwappiness": null,
          "OomKillDisable": false,
          "PidsLimit": null,
          "Ulimits": null,
          "CpuCount": 0,
          "CpuPercent": 0,
          "IOMaximumIOps": 0,
          "IOMaximumBandwidth": 0,
          "MaskedPaths": [
           "/proc/asound",
           "/proc/acpi",
           "/proc/kcore",
           "/proc/keys",
           "/proc/latency_stats",
           "/proc/timer_list",
           "/proc/timer_stats",
           "/proc/sched_debug",
           "/proc/scsi",
           "/sys/firmware"
          ],
          "ReadonlyPaths": [
           "/proc/bus",
           "/proc/fs",
           "/proc/irq",
           "/proc/sys",
           "/proc/sysrq-trigger"
          ]
         },
         "GraphDriver": {
          "Data": {
           "LowerDir": "/var/lib/docker/overlay2/9aa225592ff124967e7777c72d4461a5deb6d39ce6fb8d9d2d379df4f9c95bdc-in\#
        it/diff:/var/lib/docker/overlay2/4740e7e9d119029f72138f0075ed444a4d47aae21393b082085b23cf0a1d39f3/diff",
           "MergedDir": "/var/lib/docker/overlay2/9aa225592ff124967e7777c72d4461a5deb6d39ce6fb8d9d2d379df4f9c95bdc/m\#
        erged",
           "UpperDir": "/var/lib/docker/overlay2/9aa225592ff124967e7777c72d4461a5deb6d39ce6fb8d9d2d379df4f9c95bdc/di\#
        ff",
           "WorkDir": "/var/lib/docker/overlay2/9aa225592ff124967e7777c72d4461a5deb6d39ce6fb8d9d2d379df4f9c95bdc/wor\#
        k"
          },
          "Name": "overlay2"
         },
         "Mounts": [],
         "Config": {
          "Hostname": "00edfe947468",
          "Domainname": "",
          "User": "",
          "AttachStdin": false,
          "AttachStdout": false,
          "AttachStderr": false,
          "ExposedPorts": {
           "8080/tcp": {}
          },
          "Tty": false,
          "OpenStdin": false,
          "StdinOnce": false,
          "Env": null,
          "Cmd": [
           "/limpet",
           "whoami",
           "--listen",
           "0.0.0.0:8080"
          ],
          "Healthcheck": {
           "Test": [
            "CMD",
            "/limpet",
            "--version"
           ],
           "Interval": 1000000000
          },
          "Image": "limpet-test:latest",
          "Volumes": null,
          "WorkingDir": "",
          "Entrypoint": null,
          "OnBuild": null,
          "Labels": {
           "traefik.http.routers.h.rule": "Host(`h`)"
          }
         },
         "NetworkSettings": {
          "Bridge": "",
          "SandboxID": "3a4f9fcccd1271baba30c7b3de145411f64889bf37361a943d404aeac4a385c2",
          "HairpinMode": false,
          "LinkLocalIPv6Address": "",
          "LinkLocalIPv6PrefixLen": 0,
          "Ports": {
           "8080/tcp": [
            {
             "HostIp": "127.0.0.1",
             "HostPort": "18790"
            }
           ]
          },
          "SandboxKey": "/var/run/docker/netns/3a4f9fcccd12",
          "SecondaryIPAddresses": null,
          "SecondaryIPv6Addresses": null,
          "EndpointID": "4e79dcf779123793fcf82a12ede51352929837dc7801c9017aca4ca6fe01e21f",
          "Gateway": "172.17.0.1",
          "GlobalIPv6Address": "",
          "GlobalIPv6PrefixLen": 0,
          "IPAddress": "172.17.0.4",
          "IPPrefixLen": 16,
          "IPv6Gateway": "",
          "MacAddress": "02:42:ac:11:00:04",
          "Networks": {
           "bridge": {
            "IPAMConfig": null,
            "Links": null,
            "Aliases": null,
            "NetworkID": "d720084616a73f6f7f356b2659577de0933de0ac95816b381555a035c5c6f2fa",
            "EndpointID": "4e79dcf779123793fcf82a12ede51352929837dc7801c9017aca4ca6fe01e21f",
            "Gateway": "172.17.0.1",
            "IPAddress": "172.17.0.4",
            "IPPrefixLen": 16,
            "IPv6Gateway": "",
            "GlobalIPv6Address": "",
            "GlobalIPv6PrefixLen": 0,
            "MacAddress": "02:42:ac:11:00:04",
            "DriverOpts": null
           }
          }
         }
        }
        """#

    static let version = #"""
        {
         "Platform": {
          "Name": ""
         },
         "Components": [
          {
           "Name": "Engine",
           "Version": "20.10.24+dfsg1",
           "Details": {
            "ApiVersion": "1.41",
            "Arch": "amd64",
            "BuildTime": "2026-05-07T21:09:36.000000000+00:00",
            "Experimental": "false",
            "GitCommit": "5d6db84",
            "GoVersion": "go1.19.8",
            "KernelVersion": "6.18.44-fc-v595",
            "MinAPIVersion": "1.12",
            "Os": "linux"
           }
          },
          {
           "Name": "containerd",
           "Version": "1.6.20~ds1",
           "Details": {
            "GitCommit": "1.6.20~ds1-1+deb12u3"
           }
          },
          {
           "Name": "runc",
           "Version": "1.1.5+ds1",
           "Details": {
            "GitCommit": "1.1.5+ds1-1+deb12u1"
           }
          },
          {
           "Name": "docker-init",
           "Version": "0.19.0",
           "Details": {
            "GitCommit": ""
           }
          }
         ],
         "Version": "20.10.24+dfsg1",
         "ApiVersion": "1.41",
         "MinAPIVersion": "1.12",
         "GitCommit": "5d6db84",
         "GoVersion": "go1.19.8",
         "Os": "linux",
         "Arch": "amd64",
         "KernelVersion": "6.18.44-fc-v595",
         "BuildTime": "2026-05-07T21:09:36.000000000+00:00"
        }
        """#

    static let events = #"""
        {"status":"start","id":"00edfe947468e1c54c28f3115e51cae42336e6d2975c677de75a9981d2489bd1","from":"limpet-tes\#
        t:latest","Type":"container","Action":"start","Actor":{"ID":"00edfe947468e1c54c28f3115e51cae42336e6d2975c677\#
        de75a9981d2489bd1","Attributes":{"image":"limpet-test:latest","name":"lp-sample-healthy","traefik.http.route\#
        rs.h.rule":"Host(`h`)"}},"scope":"local","time":1795250227,"timeNano":1795250227998061522}
        {"status":"health_status: healthy","id":"00edfe947468e1c54c28f3115e51cae42336e6d2975c677de75a9981d2489bd1","\#
        from":"limpet-test:latest","Type":"container","Action":"health_status: healthy","Actor":{"ID":"00edfe947468e\#
        1c54c28f3115e51cae42336e6d2975c677de75a9981d2489bd1","Attributes":{"image":"limpet-test:latest","name":"lp-s\#
        ample-healthy","traefik.http.routers.h.rule":"Host(`h`)"}},"scope":"local","time":1795250229,"timeNano":1795\#
        250229053132392}
        {"status":"start","id":"047570a5b704bbd37a6474723b52daa12d5ad9d3babad0e3ee44649ea2196582","from":"limpet-tes\#
        t:latest","Type":"container","Action":"start","Actor":{"ID":"047570a5b704bbd37a6474723b52daa12d5ad9d3babad0e\#
        3ee44649ea2196582","Attributes":{"image":"limpet-test:latest","name":"lp-sample-net1","traefik.docker.networ\#
        k":"lp-sample-net"}},"scope":"local","time":1795249819,"timeNano":1795249819426672056}
        {"status":"die","id":"047570a5b704bbd37a6474723b52daa12d5ad9d3babad0e3ee44649ea2196582","from":"limpet-test:\#
        latest","Type":"container","Action":"die","Actor":{"ID":"047570a5b704bbd37a6474723b52daa12d5ad9d3babad0e3ee4\#
        4649ea2196582","Attributes":{"exitCode":"137","image":"limpet-test:latest","name":"lp-sample-net1","traefik.\#
        docker.network":"lp-sample-net"}},"scope":"local","time":1795249821,"timeNano":1795249821687307182}
        {"status":"stop","id":"047570a5b704bbd37a6474723b52daa12d5ad9d3babad0e3ee44649ea2196582","from":"limpet-test\#
        :latest","Type":"container","Action":"stop","Actor":{"ID":"047570a5b704bbd37a6474723b52daa12d5ad9d3babad0e3e\#
        e44649ea2196582","Attributes":{"image":"limpet-test:latest","name":"lp-sample-net1","traefik.docker.network"\#
        :"lp-sample-net"}},"scope":"local","time":1795249821,"timeNano":1795249821883530826}
        """#
}
