# `make run` — install what is missing, build release, start Limpet on Config/ with three whoami backends.
# `make test` — install what is missing, then unit tests (swift test) and integration tests (pytest, both pollers).
# `make perf` — side-by-side benchmark against HAProxy and nginx (perf/README.md).
SWIFT_FLAGS ?=

.PHONY: run build release test unit integration perf check clean

run: release
	scripts/demo.sh

build:
	scripts/setup.sh
	swift build $(SWIFT_FLAGS)

release:
	scripts/setup.sh
	swift build -c release --product limpet $(SWIFT_FLAGS)

test:
	scripts/setup.sh test
	swift build -c release --product limpet $(SWIFT_FLAGS)
	swift test $(SWIFT_FLAGS)
	LIMPET_BIN=.build/release/limpet python3 -m pytest -q Tests/integration

unit:
	swift test $(SWIFT_FLAGS)

integration:
	LIMPET_BIN=.build/release/limpet python3 -m pytest -q Tests/integration

perf:
	perf/run.sh

check: release
	.build/release/limpet check --config Config/limpet.yaml

clean:
	rm -rf .build
