# SPDX-License-Identifier: ISC
# Stratum build.  `make` builds build/stratumd and build/stratum; `make run`
# serves the local clock on 127.0.0.1:11123; `make test` runs every test.

CC ?= cc
CLANG ?= clang
B := build

WARN := -std=c11 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wpointer-arith -Wcast-qual -Wwrite-strings \
	-Wformat=2 -Wvla -Wundef -Wimplicit-fallthrough -Wconversion \
	-Wno-sign-conversion
HARDEN := -fno-common -fstack-protector-strong -D_FORTIFY_SOURCE=2
OPT ?= -O2 -g
CPPFLAGS_ALL := -D_GNU_SOURCE -Isrc
CFLAGS_ALL = $(OPT) $(WARN) $(HARDEN) $(CPPFLAGS_ALL) $(CFLAGS)
SAN := -O1 -g -fsanitize=address,undefined -fno-sanitize-recover=all \
	-fno-omit-frame-pointer

CORE_SRC := $(sort $(wildcard src/core/*.c src/conf/*.c src/ctl/*.c))
# src/auth: keys and MACs over OpenSSL's libcrypto (doc/ARCHITECTURE.md).
AUTH_SRC := $(sort $(wildcard src/auth/*.c))
CRYPTO_LIBS := -lcrypto
OS_SRC := $(sort $(wildcard src/os/*.c))
DAEMON_SRC := $(sort $(wildcard src/daemon/*.c))
CLI_SRC := $(sort $(wildcard src/cli/*.c))
# NTS (src/nts): the codecs are pure (fuzzed with the core), the crypto
# is nettle's AES-SIV-CMAC, the key exchange OpenSSL's TLS 1.3.
NTS_SRC := $(sort $(wildcard src/nts/*.c))
NTS_PURE := src/nts/rec.c src/nts/ef.c
NTS_UNIT := $(NTS_PURE) src/nts/aead.c src/nts/cookie.c
NTS_LIBS := -lssl -lcrypto -lnettle
UNIT_SRC := $(sort $(wildcard tests/unit/*.c))
HDRS := $(wildcard src/*/*.h tests/unit/*.h)

obj = $(patsubst %.c,$(B)/obj/%.o,$(1))

.PHONY: all run test unit lint fuzz fuzz-smoke clean peers bench install
all: $(B)/stratumd $(B)/stratum

$(B)/obj/%.o: %.c $(HDRS)
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(B)/stratumd: $(call obj,$(DAEMON_SRC) $(OS_SRC) $(CORE_SRC) $(NTS_SRC) \
	$(AUTH_SRC))
	$(CC) $(CFLAGS_ALL) -pthread -o $@ $^ $(LDFLAGS) $(NTS_LIBS) \
		$(CRYPTO_LIBS) -lm -lpthread

$(B)/stratum: $(call obj,$(CLI_SRC) $(OS_SRC) $(CORE_SRC)) $(B)/obj/web_page.o
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDFLAGS) -lm

# `stratum web`'s page: web/index.html as a C string.
$(B)/gen/web_page.c: web/index.html web/embed.sh
	@mkdir -p $(dir $@)
	web/embed.sh web/index.html $@
$(B)/obj/web_page.o: $(B)/gen/web_page.c src/cli/web.h
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS_ALL) -c -o $@ $<

$(B)/unit: $(call obj,$(UNIT_SRC) $(CORE_SRC) $(NTS_UNIT) $(AUTH_SRC))
	$(CC) $(CFLAGS_ALL) -o $@ $^ $(LDFLAGS) -lnettle $(CRYPTO_LIBS) -lm

# Unit tests again under AddressSanitizer + UndefinedBehaviorSanitizer.
$(B)/unit-asan: $(UNIT_SRC) $(CORE_SRC) $(NTS_UNIT) $(AUTH_SRC) $(HDRS)
	@mkdir -p $(B)
	$(CC) $(SAN) $(WARN) $(CPPFLAGS_ALL) -o $@ $(UNIT_SRC) $(CORE_SRC) \
		$(NTS_UNIT) $(AUTH_SRC) -lnettle $(CRYPTO_LIBS) -lm

# Test tool: w32time-shaped requests and the random-datagram blast.
$(B)/ntpprobe: tests/tools/ntpprobe.c $(call obj,$(OS_SRC) $(CORE_SRC))
	$(CC) $(CFLAGS_ALL) -o $@ $^ -lm

# Test tool: run a command with recvmmsg/sendmmsg failing (ENOSYS).
$(B)/nommsg: tests/tools/nommsg.c
	@mkdir -p $(B)
	$(CC) $(CFLAGS_ALL) -o $@ $<

# Simulation scenarios: core/sync over simulated clocks, servers and paths
# (tests/sim/sim.c describes the model).
$(B)/sim: $(wildcard tests/sim/*.c tests/sim/*.h) $(call obj,$(CORE_SRC))
	@mkdir -p $(B)
	$(CC) $(CFLAGS_ALL) -o $@ $(filter %.c,$^) $(filter %.o,$^) -lm

# Test tool: stats files and the drift file in a scratch directory.
$(B)/ostest: tests/tools/ostest.c $(call obj,$(OS_SRC) $(CORE_SRC))
	$(CC) $(CFLAGS_ALL) -o $@ $^ -lm

# Fuzz targets: each tests/fuzz/fuzz_NAME.c is built twice, as a libFuzzer
# binary with clang (`make fuzz`) and as a corpus replayer with the normal
# compiler under ASan+UBSan, which `make test` runs over tests/fuzz/corpus.
FUZZ := pkt conf sel srv sync ctl kerec ntsef keys
# The codecs fuzzed are pure: the key-file parser has no crypto in it.
FUZZ_SRC := $(CORE_SRC) $(NTS_PURE) src/auth/keys.c
fuzz: $(patsubst %,$(B)/fuzz-%,$(FUZZ))
$(B)/fuzz-%: tests/fuzz/fuzz_%.c tests/fuzz/prop.h $(FUZZ_SRC) $(HDRS)
	@mkdir -p $(B)
	$(CLANG) -g -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all $(CPPFLAGS_ALL) -o $@ $< $(FUZZ_SRC) -lm

# Each target for FUZZ_SECONDS (ASan+UBSan, one core); any finding fails.
FUZZ_SECONDS ?= 60
fuzz-smoke: fuzz
	tests/fuzz/smoke.sh $(FUZZ_SECONDS) $(FUZZ)

$(B)/replay-%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c tests/fuzz/prop.h \
	$(FUZZ_SRC) $(HDRS)
	@mkdir -p $(B)
	$(CC) $(SAN) $(WARN) $(CPPFLAGS_ALL) -o $@ $< tests/fuzz/replay.c \
		$(FUZZ_SRC) -lm

# Benchmarks (not tests): the load generator; bench/compare runs it.
bench: $(B)/loadgen $(B)/bare $(B)/rawgen $(B)/stratumd
$(B)/rawgen: bench/rawgen.c
	@mkdir -p $(B)
	$(CC) $(CFLAGS_ALL) -o $@ $<
$(B)/loadgen: bench/loadgen.c
	@mkdir -p $(B)
	$(CC) $(CFLAGS_ALL) -o $@ $<
$(B)/bare: bench/bare.c
	@mkdir -p $(B)
	$(CC) $(OPT) -std=c11 -Wall -Wextra -Werror $(CPPFLAGS_ALL) -o $@ $<

run: all
	$(B)/stratumd -d -c etc/demo.conf

unit: $(B)/unit $(B)/unit-asan
	$(B)/unit
	$(B)/unit-asan

peers:
	tests/interop/fetch-peers.sh $(B)/peers

test: all $(B)/unit $(B)/unit-asan $(B)/ntpprobe $(B)/nommsg $(B)/sim \
	$(B)/ostest \
	$(patsubst %,$(B)/replay-%,$(FUZZ))
	tests/run.sh

lint:
	tests/lint.sh

# `make install [PREFIX=/usr/local] [DESTDIR=]`: the programs, the README,
# the man pages, the systemd unit (its paths rewritten for PREFIX) and the
# demo configuration as an example.
PREFIX ?= /usr/local
DESTDIR ?=
install: all
	install -d $(DESTDIR)$(PREFIX)/sbin $(DESTDIR)$(PREFIX)/bin \
		$(DESTDIR)$(PREFIX)/share/doc/stratum \
		$(DESTDIR)$(PREFIX)/lib/systemd/system \
		$(DESTDIR)$(PREFIX)/etc/stratum \
		$(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/share/man/man5 \
		$(DESTDIR)$(PREFIX)/share/man/man8
	install -m 755 $(B)/stratumd $(DESTDIR)$(PREFIX)/sbin/stratumd
	install -m 755 $(B)/stratum $(DESTDIR)$(PREFIX)/bin/stratum
	install -m 644 README.md $(DESTDIR)$(PREFIX)/share/doc/stratum/README.md
	sed -e 's|/usr/sbin/|$(PREFIX)/sbin/|' \
		-e 's|/usr/share/doc/|$(PREFIX)/share/doc/|' etc/stratumd.service \
		>$(DESTDIR)$(PREFIX)/lib/systemd/system/stratumd.service
	chmod 644 $(DESTDIR)$(PREFIX)/lib/systemd/system/stratumd.service
	install -m 644 etc/demo.conf \
		$(DESTDIR)$(PREFIX)/etc/stratum/ntp.conf.example
	install -m 644 man/stratum.1 $(DESTDIR)$(PREFIX)/share/man/man1/stratum.1
	install -m 644 man/stratum.conf.5 \
		$(DESTDIR)$(PREFIX)/share/man/man5/stratum.conf.5
	install -m 644 man/stratumd.8 $(DESTDIR)$(PREFIX)/share/man/man8/stratumd.8

clean:
	rm -rf $(B)
