#!/bin/sh
# latency.sh runs the freeze and thaw benchmarks for the README's tables:
# every benchmark at every size in a process of its own, so that none pays
# for the heap or the stacks another left behind, and the library and its
# baselines take turns, round after round, so that a machine that drifts
# drifts under both alike. It prints the benchmarks' whole output, failures
# included, and stops at the first that fails; go run ./internal/benchtable
# reads the result lines out of it, with the micro benchmarks'.
#
#	sh internal/benchtable/latency.sh [rounds] > latency.txt
#
# BENCH and SIZES choose other benchmarks (without "Benchmark") and sizes,
# as for the versions' table:
#
#	BENCH='FreezeBusy FreezeBusyV1 FreezeBusyV2' SIZES='10000 100000' \
#		sh internal/benchtable/latency.sh 5 > versions.txt
#
# With the default set, the memory benchmark runs too, 5 times a round: its
# figure is its last run's, once the heap has grown.
set -e
rounds=${1:-5}
default='FreezeBusy FreezeBusyBaseline FreezeBusyBaselinePerTask
	FreezeBusyCold FreezeBusyColdBaseline FreezeBusyColdBaselinePerTask
	FreezeSleeping FreezeSleepingBaseline
	FreezeSleepingCold FreezeSleepingColdBaseline'
benches=${BENCH:-$default}
sizes=${SIZES:-1000 10000 100000}
bin=$(mktemp -d)/freezer.test
go test -c -o "$bin" .
for r in $(seq "$rounds"); do
	for n in $sizes; do
		for b in $benches; do
			"$bin" -test.run '^$' -test.bench "^Benchmark$b\$/^tasks=$n\$" -test.benchtime 10x
		done
	done
	if [ -z "$BENCH" ]; then
		"$bin" -test.run '^$' -test.bench '^BenchmarkMemoryPerTask(Baseline)?$' -test.benchtime 5x
	fi
done
rm -r "$(dirname "$bin")"
