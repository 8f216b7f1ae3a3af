# folio: one Makefile. Knobs: SANITIZE=address,undefined  WERROR=0  DEBUG=1
#   make            bin/folio-index and bin/folio-fcgi
#   make run        install what is missing, build, index content/, serve on :8080
#   make test       every test; ends with "N passed, N failed"
#   make bench      wrk and callgrind figures (bench/run.sh)

CC ?= cc
PKGS := lmdb fcgi yaml-0.1 md4c libutf8proc
PORT ?= 8080
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
	$(SANFLAGS) $(PKG_CFLAGS) -DFOLIO_VERSION='"$(VERSION)"' -Icommon -MMD -MP
LDFLAGS := $(SANFLAGS)
LDLIBS := $(PKG_LIBS) -lm

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

.PHONY: all deps run stop test unit spec fidelity bench clean install
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
	$(CC) $(LDFLAGS) -o $@ $(INDEX_OBJ) $(B)/libfolio.a $(LDLIBS)

$(BIN)/folio-fcgi: $(FCGI_OBJ) $(B)/libfolio.a
	@mkdir -p $(dir $@)
	$(CC) $(LDFLAGS) -o $@ $(FCGI_OBJ) $(B)/libfolio.a $(LDLIBS)

$(B)/tests/%: tests/unit/%.c tests/unit/t.h $(B)/libfolio.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) -Itests/unit $(LDFLAGS) -o $@ $< $(B)/libfolio.a $(LDLIBS)

$(B)/tools/%: tests/tools/%.c $(B)/libfolio.a
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libfolio.a $(LDLIBS)

deps:
	@sh deploy/install-deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@PORT=$(PORT) sh deploy/run.sh

stop:
	@sh deploy/run.sh stop

unit: $(UNIT_BIN)

test: $(PROGS) $(UNIT_BIN) $(TOOL_BIN)
	@BIN=$(BIN) UNIT_DIR=$(B)/tests TOOL_DIR=$(B)/tools sh tests/run.sh

bench: $(PROGS) $(TOOL_BIN)
	@BIN=$(BIN) TOOL_DIR=$(B)/tools sh bench/run.sh

clean:
	rm -rf build bin

-include $(COMMON_OBJ:.o=.d) $(INDEX_OBJ:.o=.d) $(FCGI_OBJ:.o=.d) \
	$(UNIT_BIN:=.d) $(TOOL_BIN:=.d)
