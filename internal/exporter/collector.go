package exporter

import "github.com/prometheus/client_golang/prometheus"

// collector serves the last good snapshot: a scrape never asks the API.
type collector struct{ e *Exporter }

// Describe sends every family the exporter can serve.
func (c collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range Descs {
		ch <- d
	}
}

// Collect sends the last good refresh's samples; none before the first.
func (c collector) Collect(ch chan<- prometheus.Metric) {
	s := c.e.snap.Load()
	if s == nil {
		return
	}
	for _, x := range s.series {
		ch <- prometheus.MustNewConstMetric(x.desc, prometheus.GaugeValue, x.value, x.labels...)
	}
}
