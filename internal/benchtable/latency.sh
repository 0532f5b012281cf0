#!/bin/sh
# latency.sh runs the freeze and thaw benchmarks for the README's table:
# every benchmark at every size in a process of its own, so that none pays
# for the heap or the stacks another left behind, and the library and its
# baselines take turns, round after round, so that a machine that drifts
# drifts under both alike. The memory benchmark runs 5 times a round: its
# figure is its last run's, once the heap has grown. It prints go test's
# result lines; pipe them, with the micro benchmarks', into
# go run ./internal/benchtable.
#
#	sh internal/benchtable/latency.sh [rounds] > latency.txt
set -e
rounds=${1:-5}
bin=$(mktemp -d)/freezer.test
go test -c -o "$bin" .
for r in $(seq "$rounds"); do
	for n in 1000 10000 100000; do
		for b in FreezeBusy FreezeBusyBaseline FreezeBusyBaselinePerTask \
			FreezeBusyCold FreezeBusyColdBaseline FreezeBusyColdBaselinePerTask \
			FreezeSleeping FreezeSleepingBaseline \
			FreezeSleepingCold FreezeSleepingColdBaseline; do
			"$bin" -test.run '^$' -test.bench "^Benchmark$b\$/^tasks=$n\$" -test.benchtime 10x | grep '^Benchmark'
		done
	done
	"$bin" -test.run '^$' -test.bench '^BenchmarkMemoryPerTask(Baseline)?$' -test.benchtime 5x | grep '^Benchmark'
done
rm -r "$(dirname "$bin")"
