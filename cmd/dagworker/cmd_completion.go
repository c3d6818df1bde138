package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
)

// shells are the shells `completion` writes scripts for.
var shells = []string{"bash", "fish", "zsh"}

// cmdSpec is what completion knows of a command: its subcommands and the
// flags of each (sub)command, read from the commands' own flag sets.
type cmdSpec struct {
	name, summary string
	flags         []flagSpec            // of the command itself (no subcommands)
	subs          map[string][]flagSpec // subcommand → its flags
}

type flagSpec struct{ name, help string }

// commandSpecs asks every (sub)command for its flags by running it with
// -h (each parses its flags first and stops there) and reading the usage
// the flag package prints, so the scripts cannot drift from the flags.
func commandSpecs(ctx context.Context) []cmdSpec {
	cmds := commands()
	var out []cmdSpec
	for _, name := range slices.Sorted(maps.Keys(cmds)) {
		c := cmds[name]
		spec := cmdSpec{name: name, summary: c.summary}
		if len(c.subs) == 0 {
			spec.flags = helpFlags(ctx, c, nil)
		} else {
			spec.subs = map[string][]flagSpec{}
			for _, sub := range c.subs {
				spec.subs[sub] = helpFlags(ctx, c, []string{sub})
			}
		}
		out = append(out, spec)
	}
	return out
}

// helpFlags runs c with pre and -h and parses the flags of its usage.
func helpFlags(ctx context.Context, c command, pre []string) []flagSpec {
	var buf bytes.Buffer
	_ = c.run(ctx, append(slices.Clone(pre), "-h"), io.Discard, &buf)
	var out []flagSpec
	lines := strings.Split(buf.String(), "\n")
	for i, l := range lines {
		rest, ok := strings.CutPrefix(l, "  -")
		if !ok || rest == "" || rest[0] == ' ' {
			continue
		}
		name, _, _ := strings.Cut(rest, " ")
		help := ""
		if i+1 < len(lines) {
			help = strings.TrimSpace(lines[i+1])
		}
		out = append(out, flagSpec{name: name, help: help})
	}
	return out
}

// runCompletion is `dagworker completion bash|zsh|fish`.
func runCompletion(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("completion bash|zsh|fish", stderr)
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return flagError(err)
	}
	if len(pos) != 1 || !slices.Contains(shells, pos[0]) {
		fmt.Fprintln(stderr, "usage: dagworker completion bash|zsh|fish\n\n"+
			"  bash: source <(dagworker completion bash)   (or save it in /etc/bash_completion.d/dagworker)\n"+
			"  zsh:  dagworker completion zsh > \"${fpath[1]}/_dagworker\"\n"+
			"  fish: dagworker completion fish > ~/.config/fish/completions/dagworker.fish")
		if len(pos) == 1 {
			suggest(stderr, "shell", pos[0], shells)
		}
		return exitError(2)
	}
	specs := commandSpecs(ctx)
	switch pos[0] {
	case "bash":
		_, err = io.WriteString(stdout, bashCompletion(specs))
	case "zsh":
		_, err = io.WriteString(stdout, "#compdef dagworker\n# zsh completion for dagworker: the bash completion through bashcompinit.\n"+
			"autoload -U +X bashcompinit && bashcompinit\n"+bashCompletion(specs))
	case "fish":
		_, err = io.WriteString(stdout, fishCompletion(specs))
	}
	return err
}

func flagWords(fl []flagSpec) string {
	w := make([]string, len(fl))
	for i, f := range fl {
		w[i] = "--" + f.name
	}
	return strings.Join(w, " ")
}

// bashCompletion completes commands, subcommands and flags; other words
// complete as file names.
func bashCompletion(specs []cmdSpec) string {
	var b strings.Builder
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.name
	}
	b.WriteString("# bash completion for dagworker (dagworker completion bash)\n_dagworker() {\n")
	b.WriteString("    local cur=\"${COMP_WORDS[COMP_CWORD]}\" cmd=\"${COMP_WORDS[1]}\" sub=\"${COMP_WORDS[2]}\" subs=\"\" flags=\"\"\n")
	fmt.Fprintf(&b, "    if [[ $COMP_CWORD -eq 1 ]]; then\n        COMPREPLY=($(compgen -W %q -- \"$cur\"))\n        return\n    fi\n", strings.Join(names, " ")+" --help --version")
	b.WriteString("    case \"$cmd\" in\n")
	for _, s := range specs {
		fmt.Fprintf(&b, "    %s)\n", s.name)
		if s.subs == nil {
			fmt.Fprintf(&b, "        flags=%q\n        ;;\n", flagWords(s.flags)+" --help")
			continue
		}
		subs := slices.Sorted(maps.Keys(s.subs))
		fmt.Fprintf(&b, "        subs=%q\n        case \"$sub\" in\n", strings.Join(subs, " "))
		for _, sub := range subs {
			fmt.Fprintf(&b, "        %s) flags=%q ;;\n", sub, flagWords(s.subs[sub])+" --help")
		}
		b.WriteString("        esac\n        ;;\n")
	}
	b.WriteString("    esac\n")
	b.WriteString("    if [[ $COMP_CWORD -eq 2 && -n \"$subs\" ]]; then\n        COMPREPLY=($(compgen -W \"$subs\" -- \"$cur\"))\n        return\n    fi\n")
	b.WriteString("    if [[ \"$cur\" == -* ]]; then\n        COMPREPLY=($(compgen -W \"$flags\" -- \"$cur\"))\n        return\n    fi\n")
	b.WriteString("    COMPREPLY=()\n}\ncomplete -o default -F _dagworker dagworker\n")
	return b.String()
}

// fishQuote quotes s for fish (single quotes; \ and ' escaped).
func fishQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

func fishCompletion(specs []cmdSpec) string {
	var b strings.Builder
	b.WriteString("# fish completion for dagworker (dagworker completion fish)\n")
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.name
	}
	all := strings.Join(names, " ")
	for _, s := range specs {
		fmt.Fprintf(&b, "complete -c dagworker -f -n %s -a %s -d %s\n", fishQuote("not __fish_seen_subcommand_from "+all), s.name, fishQuote(s.summary))
	}
	flag := func(cond string, f flagSpec) {
		fmt.Fprintf(&b, "complete -c dagworker -n %s -l %s -d %s\n", fishQuote(cond), f.name, fishQuote(f.help))
	}
	for _, s := range specs {
		if s.subs == nil {
			for _, f := range s.flags {
				flag("__fish_seen_subcommand_from "+s.name, f)
			}
			continue
		}
		subs := slices.Sorted(maps.Keys(s.subs))
		for _, sub := range subs {
			fmt.Fprintf(&b, "complete -c dagworker -f -n %s -a %s\n",
				fishQuote("__fish_seen_subcommand_from "+s.name+"; and not __fish_seen_subcommand_from "+strings.Join(subs, " ")), sub)
			for _, f := range s.subs[sub] {
				flag("__fish_seen_subcommand_from "+s.name+"; and __fish_seen_subcommand_from "+sub, f)
			}
		}
	}
	return b.String()
}
