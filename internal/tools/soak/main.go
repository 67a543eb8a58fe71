// Command soak runs the chaos soak of internal/soak and prints its
// report; it exits 1 when a check failed. make soak runs it.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"time"

	"github.com/a2d11fc8/openrouter-analytics-go/internal/soak"
)

func main() { os.Exit(run()) }

func run() int {
	var cfg soak.Config
	flag.IntVar(&cfg.Workers, "workers", 256, "concurrent calls")
	flag.DurationVar(&cfg.Duration, "duration", time.Minute, "length of the chaos phase")
	flag.DurationVar(&cfg.Outage, "outage", 30*time.Second, "length of the outage (every request 503); negative skips it")
	flag.DurationVar(&cfg.Recovery, "recovery", 2*time.Second, "length of the healthy phase after the outage")
	flag.Uint64Var(&cfg.Seed, "seed", 1, "seed of the faults and the queries")
	flag.Float64Var(&cfg.ChaosRate, "rate", 0.1, "share of requests the fake fails in the chaos phase")
	flag.Parse()
	cfg.Progress = os.Stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	rep, err := soak.Run(ctx, cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		return 2
	}
	_, _ = rep.WriteTo(os.Stdout)
	if rep.Err() != nil {
		return 1
	}
	return 0
}
