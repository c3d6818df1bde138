// Package dags holds the DAG files shipped with dagworker. They are embedded
// so the binary runs on these defaults when no ./dags folder exists.
package dags

import "embed"

// FS holds every *.yaml file of this folder.
//
//go:embed *.yaml
var FS embed.FS
