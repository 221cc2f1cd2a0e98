// grafana-check reads Grafana dashboard JSON files with the Grafana Foundation SDK's strict decoder
// (Grafana's own generated types): an unknown field, a field of the wrong type or a missing
// required field anywhere in a dashboard, its panels, their options or their Prometheus queries is
// an error. It prints one line per problem and exits 1 if any file has one.
package main

import (
	"errors"
	"fmt"
	"os"

	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/plugins"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
)

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: grafana-check DASHBOARD.json...")
		os.Exit(2)
	}
	// Panel options and data queries are decoded by their plugin's types (timeseries, stat,
	// prometheus…), not as free-form JSON.
	plugins.RegisterDefaultPlugins()
	failed := false
	for _, path := range os.Args[1:] {
		raw, err := os.ReadFile(path)
		if err != nil {
			fmt.Printf("%s: %v\n", path, err)
			failed = true
			continue
		}
		var d dashboard.Dashboard
		if err := problems(d.UnmarshalJSONStrict(raw)); err != nil {
			fmt.Printf("%s: %v\n", path, err)
			failed = true
			continue
		}
		if err := problems(d.Validate()); err != nil {
			fmt.Printf("%s: %v\n", path, err)
			failed = true
			continue
		}
		fmt.Printf("%s: ok (%d panels)\n", path, len(d.Panels))
	}
	if failed {
		os.Exit(1)
	}
}

// problems is err, or nil when err is an empty list of build errors: the decoder returns its
// (typed, empty) list as an error when it found nothing.
func problems(err error) error {
	var list cog.BuildErrors
	if errors.As(err, &list) && len(list) == 0 {
		return nil
	}
	return err
}
