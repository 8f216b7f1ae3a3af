# folio: one Makefile. Knobs: SANITIZE=address,undefined  WERROR=0  DEBUG=1
#   make            bin/folio-index and bin/folio-fcgi
#   make run        install what is missing, build, index content/, serve on :8080
#   make test       every test; ends with "N passed, N failed"
#   make stress     long fault, hostile and memory runs; prints a table
#   make install    programs, templates, nginx snippets, units, man pages
#                   (PREFIX=/usr/local, DESTDIR for staging); make uninstall
#   make fuzz       each libFuzzer harness for FUZZ_SECONDS (30) seconds (clang)
#   make bench      wrk and callgrind figures (bench/run.sh)

CC ?= cc
PKGS := lmdb fcgi yaml-0.1 md4c libutf8proc libdeflate libbrotlienc libxxhash
PORT ?= 8080
PREFIX ?= /usr/local
DESTDIR ?=
BINDIR ?= $(PREFIX)/bin
DATADIR ?= $(PREFIX)/share/folio
MANDIR ?= $(PREFIX)/share/man
UNITDIR ?= $(PREFIX)/lib/systemd/system
SYSUSERSDIR ?= $(PREFIX)/lib/sysusers.d
TMPFILESDIR ?= $(PREFIX)/lib/tmpfiles.d
SANITIZE ?=
WERROR ?= 1
DEBUG ?=

VERSION := $(shell cat VERSION 2>/dev/null || echo 0.0.0)

WARN := -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wpointer-arith -Wwrite-strings -Wformat=2 -Wvla -fno-common
ifeq ($(WERROR),1)
WARN += -Werror
endif
OPT := -O2
ifneq ($(DEBUG),)
OPT := -O0
endif
SANFLAGS :=
VARIANT := release
ifneq ($(SANITIZE),)
SANFLAGS := -fsanitize=$(SANITIZE) -fno-omit-frame-pointer -fno-sanitize-recover=all
VARIANT := san
endif
ifneq ($(DEBUG),)
VARIANT := $(VARIANT)-debug
endif

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS := $(shell pkg-config --libs $(PKGS) 2>/dev/null)
CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE $(WARN) $(OPT) -g \
	$(SANFLAGS) $(PKG_CFLAGS) -DFOLIO_VERSION='"$(VERSION)"' \
	-DFOLIO_TEMPLATE_DIR='"$(DATADIR)/templates"' -Icommon -MMD -MP
LDFLAGS := $(SANFLAGS)
# The programs of the default build are linked with link-time optimization
# (calls across files inlined: some 6% less CPU for a full publish). The
# objects keep ordinary code too, so that tests and tools link without it.
LTO :=
ifeq ($(VARIANT),release)
LTO := -flto=auto
CFLAGS += $(LTO) -ffat-lto-objects
endif
LDLIBS := $(PKG_LIBS) -lm -pthread
# Unit tests and tools only: libical validates the iCalendar writer's output.
TEST_LIBS := $(shell pkg-config --libs libical)

B := build/$(VARIANT)
COMMON_SRC := $(sort $(wildcard common/*.c))
COMMON_OBJ := $(COMMON_SRC:%.c=$(B)/%.o)
INDEX_SRC := $(sort $(wildcard indexer/*.c))
INDEX_OBJ := $(INDEX_SRC:%.c=$(B)/%.o)
FCGI_SRC := $(sort $(wildcard fcgi/*.c))
FCGI_OBJ := $(FCGI_SRC:%.c=$(B)/%.o)
UNIT_SRC := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BIN := $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
TOOL_SRC := $(sort $(wildcard tests/tools/*.c))
TOOL_BIN := $(TOOL_SRC:tests/tools/%.c=$(B)/tools/%)

# Binaries land in bin/ for the default build, in $(B)/bin otherwise, so a
# sanitizer build never overwrites the one `make run` serves.
ifeq ($(VARIANT),release)
BIN := bin
else
BIN := $(B)/bin
endif

PROGS := $(BIN)/folio-index $(BIN)/folio-fcgi

.PHONY: all deps run stop test unit spec fidelity bench bench-index clean \
	install uninstall fuzz stress
# The fuzz harnesses (tests/fuzz/fuzz_*.c) are also linked with a plain
# main that replays their seed corpus and regression inputs: make test
# runs those, with the ordinary compiler and the chosen sanitizers.
FUZZ_SRC := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_NAMES := $(FUZZ_SRC:tests/fuzz/fuzz_%.c=%)
FUZZ_FCGI_OBJ := $(filter-out $(B)/fcgi/main.o $(B)/fcgi/serve.o,$(FCGI_OBJ))
REPLAY_BIN := $(FUZZ_NAMES:%=$(B)/tests/test_fuzz_%)

all: $(PROGS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -c -o $@ $<

$(B)/libfolio.a: $(COMMON_OBJ)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(BIN)/folio-index: $(INDEX_OBJ) $(B)/libfolio.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(OPT) $(LTO) -o $@ $(INDEX_OBJ) $(B)/libfolio.a \
	    $(LDLIBS)

$(BIN)/folio-fcgi: $(FCGI_OBJ) $(B)/libfolio.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) $(OPT) $(LTO) -o $@ $(FCGI_OBJ) $(B)/libfolio.a \
	    $(LDLIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/t.h $(B)/libfolio.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fno-lto -Itests/unit $(LDFLAGS) -o $@ $< \
	    $(B)/libfolio.a $(LDLIBS) $(TEST_LIBS)

$(B)/tools/%: tests/tools/%.c $(B)/libfolio.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -fno-lto $(LDFLAGS) -o $@ $< $(B)/libfolio.a $(LDLIBS) \
	    $(TEST_LIBS)

$(B)/tests/test_fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c \
    tests/fuzz/fail.c tests/fuzz/fuzz.h $(FUZZ_FCGI_OBJ) $(B)/libfolio.a
	@mkdir -p $(dir $@)
	$(CC) $(filter-out -MMD -MP,$(CFLAGS)) -fno-lto -Itests/fuzz -Ifcgi \
	    -DFUZZ_NAME='"$*"' $(LDFLAGS) -o $@ tests/fuzz/fuzz_$*.c \
	    tests/fuzz/replay.c tests/fuzz/fail.c $(FUZZ_FCGI_OBJ) \
	    $(B)/libfolio.a $(LDLIBS)

# libFuzzer builds: clang, everything instrumented, under build/fuzz.
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 30
FZ := build/fuzz
FUZZ_SAN := -fsanitize=address,undefined -fno-sanitize-recover=all
FUZZ_CFLAGS := -std=c11 -D_POSIX_C_SOURCE=200809L -D_DEFAULT_SOURCE \
	$(filter-out -Werror,$(WARN)) -O1 -g -fno-omit-frame-pointer \
	$(FUZZ_SAN) $(PKG_CFLAGS) -DFOLIO_VERSION='"$(VERSION)"' \
	-DFOLIO_TEMPLATE_DIR='"$(PREFIX)/share/folio/templates"' \
	-Icommon -Ifcgi -Itests/fuzz -MMD -MP
FZ_LIB_OBJ := $(COMMON_SRC:%.c=$(FZ)/%.o) \
	$(patsubst $(B)/%.o,$(FZ)/%.o,$(FUZZ_FCGI_OBJ)) \
	$(FZ)/tests/fuzz/fail.o
FZ_BIN := $(FUZZ_NAMES:%=$(FZ)/fuzz_%)
.SECONDARY: $(FZ_LIB_OBJ) $(FUZZ_NAMES:%=$(FZ)/tests/fuzz/fuzz_%.o)

$(FZ)/tests/fuzz/fuzz_%.o: tests/fuzz/fuzz_%.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FZ)/%.o: %.c
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

$(FZ)/fuzz_%: $(FZ)/tests/fuzz/fuzz_%.o $(FZ_LIB_OBJ)
	$(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ $(LDLIBS)

fuzz: $(FZ_BIN)
	@FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_BIN=$(FZ) sh tests/fuzz/run.sh \
	    $(FUZZ_NAMES)

deps:
	@sh deploy/install-deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@PORT=$(PORT) sh deploy/run.sh

stop:
	@sh deploy/run.sh stop

unit: $(UNIT_BIN)

test: $(PROGS) $(UNIT_BIN) $(TOOL_BIN) $(REPLAY_BIN)
	@BIN=$(BIN) UNIT_DIR=$(B)/tests TOOL_DIR=$(B)/tools sh tests/run.sh

# Not part of make test: a million requests, 100 publishes, 200 killed
# children, valgrind (tests/stress/run.sh lists its knobs).
stress: $(PROGS) $(TOOL_BIN) $(FZ_BIN)
	@BIN=$(BIN) TOOL_DIR=$(B)/tools FUZZ_BIN=$(FZ) \
	    FUZZ_NAMES="$(FUZZ_NAMES)" sh tests/stress/run.sh

spec: $(TOOL_BIN)
	@TOOL_DIR=$(B)/tools sh tests/spec.sh

fidelity: $(PROGS)
	@BIN=$(BIN) sh tests/fidelity.sh

# The indexer against Hugo and Jekyll on a synthetic 10,000-document site;
# figures only (bench/index/run.sh lists its knobs).
bench-index: all
	@sh bench/index/run.sh
bench: $(PROGS) $(TOOL_BIN)
	@BIN=$(BIN) TOOL_DIR=$(B)/tools sh bench/run.sh


clean:
	rm -rf build bin

# The template directory is compiled into folio-index: install refuses a
# build made for another PREFIX (make clean, then make install PREFIX=...).
TEMPLATES := $(sort $(wildcard content/_templates/*.mustache))
NGINX_SNIPPETS := nginx/folio.conf nginx/folio-http.conf \
	nginx/folio-microcache.conf
MANPAGES := man/folio-index.1 man/folio-fcgi.1
SUBST := sed -e 's|@BINDIR@|$(BINDIR)|g' -e 's|@DATADIR@|$(DATADIR)|g'

install: $(PROGS)
	@$(BIN)/folio-index --help | grep -qF '($(DATADIR)/templates)' || { \
	    echo "$(BIN)/folio-index was built for another PREFIX;" \
	    "run make clean, then make install PREFIX=$(PREFIX)" >&2; exit 1; }
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(DATADIR)/templates \
	    $(DESTDIR)$(DATADIR)/nginx $(DESTDIR)$(DATADIR)/hooks \
	    $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(UNITDIR) \
	    $(DESTDIR)$(SYSUSERSDIR) $(DESTDIR)$(TMPFILESDIR)
	install -m 755 $(PROGS) $(DESTDIR)$(BINDIR)/
	install -m 644 $(TEMPLATES) $(DESTDIR)$(DATADIR)/templates/
	install -m 644 $(NGINX_SNIPPETS) $(DESTDIR)$(DATADIR)/nginx/
	install -m 644 $(MANPAGES) $(DESTDIR)$(MANDIR)/man1/
	$(SUBST) deploy/post-receive.in >$(DESTDIR)$(DATADIR)/hooks/post-receive
	chmod 755 $(DESTDIR)$(DATADIR)/hooks/post-receive
	$(SUBST) deploy/folio-fcgi.service.in \
	    >$(DESTDIR)$(UNITDIR)/folio-fcgi.service
	$(SUBST) deploy/folio-fcgi.socket.in \
	    >$(DESTDIR)$(UNITDIR)/folio-fcgi.socket
	chmod 644 $(DESTDIR)$(UNITDIR)/folio-fcgi.service \
	    $(DESTDIR)$(UNITDIR)/folio-fcgi.socket
	install -m 644 deploy/folio.sysusers $(DESTDIR)$(SYSUSERSDIR)/folio.conf
	install -m 644 deploy/folio.tmpfiles $(DESTDIR)$(TMPFILESDIR)/folio.conf

uninstall:
	rm -f $(DESTDIR)$(BINDIR)/folio-index $(DESTDIR)$(BINDIR)/folio-fcgi \
	    $(DESTDIR)$(MANDIR)/man1/folio-index.1 \
	    $(DESTDIR)$(MANDIR)/man1/folio-fcgi.1 \
	    $(DESTDIR)$(UNITDIR)/folio-fcgi.service \
	    $(DESTDIR)$(UNITDIR)/folio-fcgi.socket \
	    $(DESTDIR)$(SYSUSERSDIR)/folio.conf \
	    $(DESTDIR)$(TMPFILESDIR)/folio.conf
	rm -rf $(DESTDIR)$(DATADIR)

-include $(COMMON_OBJ:.o=.d) $(INDEX_OBJ:.o=.d) $(FCGI_OBJ:.o=.d) \
	$(UNIT_BIN:=.d) $(TOOL_BIN:=.d) $(FZ_LIB_OBJ:.o=.d) \
	$(FZ_BIN:$(FZ)/%=$(FZ)/tests/fuzz/%.d)
