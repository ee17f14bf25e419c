# Agencia — the two commands that matter: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PAQUETES_RUN := redis-server wkhtmltopdf fonts-dejavu-core
PAQUETES_TEST := $(PAQUETES_RUN) postgresql chromium poppler-utils
PAQUETES_BENCH := $(PAQUETES_TEST) wrk

.PHONY: run test test-sqlite test-postgresql bench lint formato sistema-run sistema-test sistema-bench migracion clean

run: sistema-run $(VENV)/.instalado
	@scripts/ejecutar.sh

test: sistema-test $(VENV)/.instalado
	$(BIN)/ruff check agencia colas tests benchmarks
	$(MAKE) --no-print-directory test-sqlite test-postgresql

test-sqlite: $(VENV)/.instalado
	AGENCIA_PRUEBAS_BD=sqlite $(BIN)/pytest $(PYTEST_ARGS)

test-postgresql: $(VENV)/.instalado
	AGENCIA_PRUEBAS_BD=postgresql $(BIN)/pytest $(PYTEST_ARGS)

bench: sistema-bench $(VENV)/.instalado
	@for script in benchmarks/*.py; do \
	  echo "== $$script"; $(BIN)/python $$script || exit 1; \
	done

lint: $(VENV)/.instalado
	$(BIN)/ruff check agencia colas tests benchmarks

formato: $(VENV)/.instalado
	$(BIN)/ruff format agencia colas tests benchmarks

migracion: $(VENV)/.instalado
	scripts/regenerar_migracion.sh

sistema-run:
	@scripts/instalar_sistema.sh $(PAQUETES_RUN)

sistema-test:
	@scripts/instalar_sistema.sh $(PAQUETES_TEST)

sistema-bench:
	@scripts/instalar_sistema.sh $(PAQUETES_BENCH)

$(VENV)/.instalado: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e '.[test]'
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
