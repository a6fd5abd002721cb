.PHONY: run test lint i18n bench bootstrap wheels stop clean cluster cluster-stop load

run:  ## Odoo 18 with the four addons and demo data on http://localhost:8069
	@scripts/run.sh

test:  ## lint, then every test on a fresh database
	@scripts/test.sh

lint:
	@scripts/bootstrap.sh && scripts/lint.sh

i18n:  ## regenerate the translation templates (.pot) and merge them into the .po files
	@scripts/i18n.sh

bench:  ## speed figures against peers measured in the same run
	@scripts/bench.sh

bootstrap:
	@scripts/bootstrap.sh

cluster:  ## the production topology: primary + replica, two prefork servers, a cron server, nginx
	@scripts/cluster.sh start

cluster-stop:
	@scripts/cluster.sh stop

load:  ## the load test on the topology: 10 min, 100,000 open tickets, with faults (bench/load)
	@scripts/bootstrap.sh && .venv/bin/python bench/load/run.py --faults $(LOAD_ARGS)

wheels:  ## one wheel per addon (whool), into .local/wheels
	@scripts/wheels.sh build

stop:  ## stop the project's PostgreSQL cluster
	@scripts/pg.sh stop

clean:  ## stop and remove the cluster (wherever it lives) and .local/
	@scripts/pg.sh remove
	rm -rf .local
