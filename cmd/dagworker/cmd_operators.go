package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"github.com/dagworker/dagworker/internal/opdoc"
)

// runOperators is `dagworker operators list` and `operators show <name>`.
func runOperators(_ context.Context, args []string, stdout, stderr io.Writer) error {
	if (len(args) > 0 && isHelp(args[0])) || asksHelp(args) {
		fmt.Fprintln(stdout, "usage: dagworker operators list | dagworker operators show <name>")
		return nil
	}
	if len(args) == 0 || (args[0] != "list" && args[0] != "show") || (args[0] == "show") != (len(args) == 2) {
		fmt.Fprintln(stderr, "usage: dagworker operators list | dagworker operators show <name>")
		return exitError(2)
	}
	if args[0] == "list" {
		tw := tabwriter.NewWriter(stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "OPERATOR\tARGUMENTS\tWHAT IT DOES")
		for _, o := range opdoc.All() {
			fmt.Fprintf(tw, "%s\t%d\t%s\n", o.Name, len(o.Args), o.Doc)
		}
		return tw.Flush()
	}
	o, ok := opdoc.Get(args[1])
	if !ok {
		var names []string
		for _, o := range opdoc.All() {
			names = append(names, o.Name)
		}
		return fmt.Errorf("operators: no operator %q (built-in: %s)", args[1], strings.Join(names, ", "))
	}
	fmt.Fprintf(stdout, "%s: %s\n\n", o.Name, o.Doc)
	for _, a := range o.Args {
		def := ""
		if a.Default != "" {
			def = ", default " + a.Default
		}
		fmt.Fprintf(stdout, "  %s (%s%s)\n      %s\n", a.Name, a.Type, def, strings.ReplaceAll(a.Doc, "`", ""))
	}
	return nil
}
